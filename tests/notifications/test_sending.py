"""The sending side: the message bytes built when a delivery is claimed, and one sender at a time
in the whole installation."""

import email
import email.policy
import re
import threading
import time

import psycopg
import pytest
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from notifications.delivery import SEND_LOCK, Draft, deliveries_claim, deliveries_flush
from notifications.mime import envelope_for
from notifications.models import Delivery

SUBJECT = "Prüfmittel überfällig: Messschieber 0–150 mm – 3 Tage überfällig, bitte sofort kalibrieren lassen"
TEXT = "Grüße,\n.a line that starts with a dot\n" + "x" * 1200 + "\nend\n"
HTML = '<p class="x">Überfällig &amp; wichtig</p>\n.<br>\n'


def lf(text: str) -> str:
    """Line ends as Python writes them (SMTP carries CRLF)."""
    return text.replace("\r\n", "\n")


def unstuffed(data: bytes) -> bytes:
    return re.sub(rb"(?m)^\.\.", b".", data)


def test_the_bytes_carry_what_django_would_send(settings):
    settings.DEFAULT_FROM_EMAIL = "Qualität <qms@example.com>"
    envelope = envelope_for(
        key="digest:7:2026-W16",
        to_email="eva@example.com",
        subject=SUBJECT,
        body_text=TEXT,
        body_html=HTML,
        message_id="<abc.qms@testserver>",
    )
    assert (envelope.sender, envelope.recipient) == ("qms@example.com", "eva@example.com")
    data = envelope.data
    assert b"\n" not in data.replace(b"\r\n", b"")  # CRLF line ends only
    assert max(len(line) for line in data.split(b"\r\n")) <= 998
    assert data.isascii()
    assert b"\r\n..a line that starts with a dot" in data  # SMTP dot-stuffing done

    ours = email.message_from_bytes(unstuffed(data), policy=email.policy.default)
    django = EmailMultiAlternatives(SUBJECT, TEXT, to=["eva@example.com"], headers={"Message-ID": "<x>"})
    django.attach_alternative(HTML, "text/html")
    theirs = email.message_from_bytes(django.message().as_bytes(), policy=email.policy.default)
    assert ours["Subject"] == SUBJECT
    for header in ("From", "To"):
        assert str(ours[header]) == str(theirs[header])
    assert ours["Message-ID"] == "<abc.qms@testserver>"
    assert ours["X-QMS-Delivery"] == "digest:7:2026-W16"
    assert ours["Auto-Submitted"] == "auto-generated"
    for kind, sent in (("plain", TEXT), ("html", HTML)):
        assert lf(ours.get_body((kind,)).get_content()) == theirs.get_body((kind,)).get_content() == sent


@pytest.mark.django_db
def test_an_email_with_accents_long_lines_and_dots_arrives_intact(smtp, staff):
    deliveries_claim(drafts=[Draft("digest", "digest:x:1", "w", staff.pk, staff.email, SUBJECT, TEXT, HTML)])
    assert deliveries_flush().sent == 1
    [message] = smtp.to(staff.email)
    assert message["Subject"] == SUBJECT
    assert lf(message.get_body(("plain",)).get_content()) == TEXT
    assert lf(message.get_body(("html",)).get_content()) == HTML


def _hold_the_turn():
    """Another sender (another worker process) holding the one sender's turn."""
    other = psycopg.connect(
        f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}", autocommit=True
    )
    other.execute("SELECT pg_advisory_lock(%s)", [SEND_LOCK])
    return other


@pytest.mark.django_db(transaction=True)
def test_a_send_waits_for_the_one_that_is_running(smtp, staff):
    deliveries_claim(drafts=[Draft("digest", "digest:x:2", "w", staff.pk, staff.email, "S", "t", "<p>h</p>")])
    other = _hold_the_turn()
    threading.Timer(0.5, other.close).start()  # the other send finishes half a second later
    start = time.monotonic()
    report = deliveries_flush()
    assert report.sent == 1 and time.monotonic() - start >= 0.4
    assert len(smtp.to(staff.email)) == 1


@pytest.mark.django_db(transaction=True)
def test_a_send_that_cannot_get_its_turn_leaves_its_emails_and_comes_back_soon(smtp, staff, settings):
    settings.NOTIFICATION_SEND_WAIT_SECONDS = 1
    deliveries_claim(drafts=[Draft("digest", "digest:x:3", "w", staff.pk, staff.email, "S", "t", "<p>h</p>")])
    other = _hold_the_turn()
    try:
        report = deliveries_flush()
    finally:
        other.close()
    assert (report.sent, report.turn_missed, smtp.messages) == (0, True, [])
    assert Delivery.objects.get().status == "pending"
    assert 0 < (report.next_wakeup - timezone.now()).total_seconds() <= 1
    assert deliveries_flush().sent == 1


@pytest.mark.django_db
def test_a_dead_worker_machine_loses_the_turn_after_a_lease(settings):
    """No reset ever reaches PostgreSQL from a machine that lost power: the sender's session may
    sit idle no longer than a lease while it holds the turn, so the turn is not held for hours."""
    from notifications.delivery import sending_turn

    settings.NOTIFICATION_LEASE_SECONDS = 42

    def idle_timeout():
        with connection.cursor() as cursor:
            cursor.execute("SHOW idle_session_timeout")
            return cursor.fetchone()[0]

    with sending_turn() as mine:
        assert mine and idle_timeout() == "42s"
    assert idle_timeout() == "0"


@pytest.mark.django_db
def test_an_email_with_a_reply_to_is_answered_to_that_address_not_the_sender(smtp, settings):
    """Any email the ledger carries may name who reads the answers; without one, none is said."""
    settings.DEFAULT_FROM_EMAIL = "QMS <no-reply@example.com>"
    drafts = [
        Draft("digest", "digest:1:2026-W50", "2026-W50", None, "eva@example.com", "S", "t", "<p>h</p>"),
        Draft(
            "digest",
            "digest:2:2026-W50",
            "2026-W50",
            None,
            "jo@example.com",
            "S",
            "t",
            "<p>h</p>",
            "m@ex.com",
        ),
    ]
    deliveries_claim(drafts=drafts)
    deliveries_flush()
    (plain,), (answered,) = smtp.to("eva@example.com"), smtp.to("jo@example.com")
    assert plain["Reply-To"] is None
    assert answered["Reply-To"] == "m@ex.com" and answered["From"] == "QMS <no-reply@example.com>"
    assert Delivery.objects.get(key="digest:2:2026-W50").reply_to == "m@ex.com"


@pytest.mark.django_db
def test_the_suppliers_answer_to_a_scar_goes_to_the_scars_owner(
    smtp, settings, head, dept, client_for, django_capture_on_commit_callbacks
):
    """The SCAR went out from the no-reply sender: the supplier's 8D answer went nowhere, though
    the buyer's address was in the body. Answered, it reaches the SCAR's owner."""
    from qms.services import child_add
    from suppliers import services
    from suppliers.models import SupplierContact
    from tests.suppliers import factories as f

    settings.DEFAULT_FROM_EMAIL = "QMS <no-reply@example.com>"
    supplier = f.approved(dept, owner=head, name="Hüttenstahl Brenner GmbH")
    contact = child_add(
        model=SupplierContact, by=head, supplier=supplier, name="Petra", email="p.brenner@example.com"
    )
    scar = services.scar_create(
        by=head, supplier=supplier, contact=contact, problem="Rust.", owner=head, department=dept
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.scar_send(scar=scar, by=head, due_date=f.days(14))
    deliveries_flush()
    (message,) = smtp.to("p.brenner@example.com")
    assert scar.reference in message["Subject"]
    assert message["Reply-To"] == head.email and message["From"] == "QMS <no-reply@example.com>"
    # The email log says where the answer goes.
    log = client_for(f.quality()).get(
        reverse("notifications:delivery_detail", args=[Delivery.objects.get().pk])
    )
    assert f'data-testid="reply-to">&lt;{head.email}&gt;' in log.content.decode()
