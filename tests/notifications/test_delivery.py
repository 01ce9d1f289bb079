"""The delivery guarantees inside one process: refusals retried with back-off and recorded, leases,
conditional takes, stable Message-IDs."""

import datetime as dt
import threading

import pytest
from django.db import close_old_connections
from django.utils import timezone

from notifications import delivery, services
from notifications.delivery import Draft, deliveries_claim, deliveries_flush, deliveries_send, message_id_for
from notifications.models import Delivery

from .helpers import local, ncr

NOW = local(2026, 4, 13)


def draft(n: int, email: str = "someone@example.com", user_id=None) -> Draft:
    return Draft(
        "digest", f"digest:test:{n}", "2026-W16", user_id, email, f"Subject {n}", f"text {n}", f"<p>{n}</p>"
    )


@pytest.mark.django_db
def test_an_email_of_a_kind_no_module_declares_is_refused_and_nothing_is_claimed():
    """The email log names and filters every kind it holds; one no module declared
    (``Module.email_kinds``) is refused when it is claimed, so a new module cannot forget it."""
    stray = Draft("reminder", "reminder:1", "w", None, "x@example.com", "Subject", "text", "<p>h</p>")
    with pytest.raises(ValueError, match="reminder"):
        deliveries_claim(drafts=[draft(1), stray])
    assert not Delivery.objects.exists()


@pytest.mark.django_db
def test_a_refused_message_is_retried_with_back_off_and_recorded(smtp, staff, settings):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 60
    smtp.refusals[staff.email] = ["451 4.3.0 Mailbox busy, try later", "250 OK"]
    ncr(staff, 2, today=NOW.date())

    first = services.digest_send_weekly(now=NOW)

    row = Delivery.objects.get(recipient=staff)
    assert (first.sent, first.failed) == (0, 1)
    assert row.status == "failed" and row.attempts == 1
    assert "451 4.3.0 Mailbox busy" in row.error
    expected = timezone.now() + dt.timedelta(seconds=60)
    assert abs((row.next_attempt_at - expected).total_seconds()) < 5
    assert first.next_wakeup == row.next_attempt_at  # the task comes back then
    assert deliveries_flush().sent == 0  # not before the back-off is over

    Delivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    assert deliveries_flush().sent == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.error, row.next_attempt_at) == ("sent", 2, "", None)
    assert len(smtp.to(staff.email)) == 1


@pytest.mark.django_db
def test_a_permanently_refused_message_gives_up_after_the_last_attempt(smtp, staff, settings):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 0
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    smtp.refusals[staff.email] = ["550 5.1.1 No such user here"]
    deliveries_claim(drafts=[draft(1, staff.email, staff.pk)])
    for _ in range(5):
        deliveries_flush()
    row = Delivery.objects.get()
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 3, None)
    assert row.gave_up and "550 5.1.1 No such user here" in row.error
    assert smtp.messages == []
    assert delivery.next_wakeup() is None  # nothing left to come back for


@pytest.mark.django_db
def test_backoff_grows_five_fold(settings):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 60
    assert [delivery.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 300, 1500, 7500]


@pytest.mark.django_db
def test_a_row_left_sending_by_a_dead_worker_is_taken_again_only_after_its_lease(smtp):
    deliveries_claim(drafts=[draft(1)])
    row = Delivery.objects.get()
    lease_end = timezone.now() + dt.timedelta(seconds=120)
    Delivery.objects.filter(pk=row.pk).update(status="sending", lease_until=lease_end)  # its sender died

    report = deliveries_flush()
    assert (report.sent, smtp.messages) == (0, [])
    assert report.next_wakeup == lease_end

    Delivery.objects.filter(pk=row.pk).update(lease_until=timezone.now() - dt.timedelta(seconds=1))
    assert deliveries_flush().sent == 1
    row.refresh_from_db()
    # The crash is on the record, but it was no attempt: the mail server never answered it.
    assert (row.status, row.attempts, row.takeovers) == ("sent", 1, 1)


def _crash_while_sending(row: Delivery) -> None:
    """What a worker killed mid-conversation leaves: the row taken, its lease run out."""
    assert delivery._take(row.pk) is not None
    Delivery.objects.filter(pk=row.pk).update(lease_until=timezone.now() - dt.timedelta(seconds=1))


@pytest.mark.django_db
def test_crashes_do_not_use_up_attempts_so_one_refusal_after_them_is_retried(smtp, staff, settings):
    """Four take-overs after crashes, then a single 451: the email is retried, not given up."""
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 0
    smtp.refusals[staff.email] = ["451 4.7.1 Greylisted, come back later", "250 OK"]
    deliveries_claim(drafts=[draft(1, staff.email, staff.pk)])
    row = Delivery.objects.get()
    for _ in range(4):
        _crash_while_sending(row)

    refused = deliveries_flush()
    row.refresh_from_db()
    assert (refused.sent, refused.failed) == (0, 1)
    assert (row.status, row.attempts, row.takeovers) == ("failed", 1, 4)
    assert not row.gave_up and "451 4.7.1 Greylisted" in row.error

    assert deliveries_flush().sent == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.takeovers, row.error) == ("sent", 2, 4, "")
    assert len(smtp.to(staff.email)) == 1


@pytest.mark.django_db
def test_a_sent_row_is_never_taken_again(smtp):
    deliveries_claim(drafts=[draft(1)])
    deliveries_flush()
    row = Delivery.objects.get()
    assert delivery._take(row.pk) is None
    assert deliveries_flush().sent == 0
    assert len(smtp.messages) == 1


@pytest.mark.django_db
def test_claiming_the_same_key_twice_keeps_the_first_row():
    deliveries_claim(drafts=[draft(1)])
    deliveries_claim(drafts=[Draft("digest", "digest:test:1", "w", None, "x@example.com", "Other", "t", "h")])
    assert list(Delivery.objects.values_list("subject", flat=True)) == ["Subject 1"]


def test_message_id_is_stable_per_key():
    assert message_id_for("digest:1:2026-W16") == message_id_for("digest:1:2026-W16")
    assert message_id_for("digest:1:2026-W16") != message_id_for("digest:1:2026-W17")
    assert message_id_for("digest:1:2026-W16").endswith("@testserver>")


@pytest.mark.django_db(transaction=True)
def test_concurrent_senders_send_each_message_once(smtp):
    smtp.rcpt_delay = 0.02
    deliveries_claim(drafts=[draft(n, f"user{n}@example.com") for n in range(20)])
    barrier = threading.Barrier(4)

    def sender():
        barrier.wait()
        try:
            deliveries_send()
        finally:
            close_old_connections()

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(smtp.messages) == 20
    assert set(smtp.per_recipient().values()) == {1}
    assert set(Delivery.objects.values_list("status", "attempts")) == {("sent", 1)}


@pytest.mark.django_db
def test_the_email_has_text_and_html_parts_and_headers(smtp):
    deliveries_claim(drafts=[draft(7)])
    deliveries_flush()
    [message] = smtp.messages
    assert message.get_body(("plain",)).get_content().strip() == "text 7"
    assert message.get_body(("html",)).get_content().strip() == "<p>7</p>"
    assert message["Message-ID"] == message_id_for("digest:test:7")
    assert message["Auto-Submitted"] == "auto-generated"


@pytest.mark.django_db(transaction=True)
def test_a_large_run_sends_each_message_once_and_records_every_one(smtp, monkeypatch):
    # Outside a transaction the records are written by a second connection while the SMTP
    # conversation goes on; rows left to the sweep are read back a page at a time.
    monkeypatch.setattr(delivery, "_PAGE", 40)
    deliveries_claim(drafts=[draft(n, f"user{n}@example.com") for n in range(90)])
    report = deliveries_send()
    assert report.sent == 90
    assert len(smtp.messages) == 90 and set(smtp.per_recipient().values()) == {1}
    assert set(Delivery.objects.values_list("status", "attempts")) == {("sent", 1)}
    assert Delivery.objects.filter(sent_at__isnull=True).count() == 0
