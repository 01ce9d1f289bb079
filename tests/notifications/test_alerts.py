"""Due-date alerts: one email per item at each lead time and on the due day, each sent once."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications import services
from notifications.models import Delivery
from tests.factories import UserFactory

from .helpers import html_part, local, ncr, text_part

pytestmark = pytest.mark.django_db
NOW = local(2026, 5, 4, 6, 0)
TODAY = NOW.date()


def run(days_later: int = 0):
    return services.alerts_send_due(now=NOW + dt.timedelta(days=days_later))


def test_owner_is_alerted_at_each_lead_time_and_on_the_due_day(smtp, staff, settings):
    settings.ALERT_LEAD_DAYS = [14, 7, 1, 0]
    item = ncr(staff, 14, today=TODAY, title="Gauge R&R overdue")
    sent_on = []
    for day in range(0, 16):
        before = len(smtp.messages)
        run(day)
        if len(smtp.messages) > before:
            sent_on.append(day)
    assert sent_on == [0, 7, 13, 14]
    subjects = [m["Subject"] for m in smtp.messages]
    assert subjects[0] == f"{item.reference} due in 14 days (18 May): Gauge R&R overdue"
    assert subjects[-1] == f"{item.reference} due today (18 May): Gauge R&R overdue"
    assert f"http://testserver/capa/ncr/{item.pk}/" in html_part(smtp.messages[0])
    assert "Gauge R&R overdue" in text_part(smtp.messages[0])  # not HTML-escaped in plain text
    assert sorted(Delivery.objects.values_list("key", flat=True)) == sorted(
        f"alert:capa.nonconformity:{item.pk}:2026-05-18:{lead}" for lead in (14, 7, 1, 0)
    )


def test_running_the_alerts_twice_a_day_sends_nothing_new(smtp, staff):
    ncr(staff, 7, today=TODAY)
    assert run().sent == 1
    again = run()
    assert (again.claimed, again.sent) == (0, 0)
    assert len(smtp.messages) == 1


def test_a_missed_day_is_caught_up_with_the_tightest_lead_only(smtp, staff, settings):
    settings.ALERT_LEAD_DAYS = [14, 7, 1, 0]
    ncr(staff, 3, today=TODAY)  # created 3 days ahead: past the 14- and 7-day marks
    run()
    [message] = smtp.messages
    assert "due in 3 days" in message["Subject"]
    assert Delivery.objects.get().key.endswith(":7")
    # Its footer says when alerts go out, not "7 days ahead" of an item due in 3.
    assert "sends these alerts 14, 7 and 1 days ahead of each due date and on the day." in text_part(message)


def test_the_footer_says_the_schedule_as_configured():
    from notifications.alerts import schedule_text

    assert schedule_text([14, 7, 1, 0]) == "14, 7 and 1 days ahead of each due date and on the day"
    assert schedule_text([1]) == "1 day ahead of each due date"
    assert schedule_text([0]) == "on each due date"
    assert schedule_text([3, 10]) == "10 and 3 days ahead of each due date"


def test_an_owner_who_switched_alerts_off_gets_none(smtp, staff):
    staff.receive_alerts = False
    staff.save()
    ncr(staff, 7, today=TODAY)
    run()
    assert smtp.messages == []


def test_a_new_due_date_starts_the_alerts_again(smtp, staff):
    item = ncr(staff, 7, today=TODAY)
    run()
    item.due_date = TODAY + dt.timedelta(days=14)
    item.save()
    run()
    assert len(smtp.messages) == 2


def test_closed_items_are_not_alerted(smtp, staff):
    item = ncr(staff, 7, today=TODAY)
    type(item).objects.filter(pk=item.pk).update(status="closed")
    run()
    assert smtp.messages == []


def test_the_subject_names_what_is_owed_when_the_reference_does_not(smtp, staff, monkeypatch):
    """ "QM-001 due in 7 days" reads as if the manual were due; the owner owes an acknowledgment."""
    from qms.due import DueItem, registry

    class Acknowledgments:
        module = "Documents"

        # The registry's provider protocol: the date window (since) and a limit are the provider's.
        def items(self, *, until, owner_ids=None, department_ids=None, since=None, limit=None):
            yield DueItem(
                key="documents.acknowledgment:1",
                module="Documents",
                kind="Read and acknowledge",
                reference="QM-001",
                title="Quality manual",
                owner_id=staff.pk,
                department_id=staff.department_id,
                due_date=TODAY + dt.timedelta(days=7),
                url="/documents/1/",
            )

    monkeypatch.setattr(registry, "_providers", [Acknowledgments()])
    run()
    [message] = smtp.to(staff.email)
    assert message["Subject"] == "Read and acknowledge QM-001 due in 7 days (11 May): Quality manual"


def _queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        report = fn()
    return len(ctx.captured_queries), report


def test_alerts_run_a_constant_number_of_queries_per_batch_whatever_the_number_of_items(
    smtp, staff, dept, settings
):
    """One batch of 3 items and one of 15, each run twice: the first run costs the same queries
    apart from one statement per email, the second (nothing new) exactly the same."""
    settings.NOTIFICATION_ITEM_BATCH_SIZE = 100
    counts = []
    for n in (3, 15):
        owners = [UserFactory(department=dept) for _ in range(n)]
        items = [ncr(owner, 7, today=TODAY) for owner in owners]
        first, report = _queries(run)
        again, nothing = _queries(run)
        assert (report.sent, nothing.sent) == (n, 0)
        counts.append((first - report.sent, again))
        type(items[0]).objects.filter(pk__in=[i.pk for i in items]).update(status="closed")
    assert counts[0] == counts[1]
