"""The weekly digest: what it lists, to whom, and that each (user, ISO week) gets exactly one."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications import services
from notifications.delivery import message_id_for
from notifications.models import Delivery, DigestRun
from qms.due import DueItem, registry
from tests.factories import UserFactory

from .helpers import html_part, local, ncr, text_part

pytestmark = pytest.mark.django_db
MONDAY = local(2026, 4, 13)  # Monday of ISO week 2026-W16, 07:00 Berlin
TODAY = MONDAY.date()


def test_digest_lists_what_the_user_owns_with_absolute_links(smtp, staff):
    late = ncr(staff, -3, today=TODAY, title="Burr on flange")
    soon = ncr(staff, 5, today=TODAY, title="Wrong thread pitch")
    ncr(staff, 30, today=TODAY, title="Beyond the horizon")

    services.digest_send_weekly(now=MONDAY)

    [message] = smtp.to(staff.email)
    assert message["Subject"] == "QMS weekly digest: 1 overdue, 1 due in the next 14 days"
    html, text = html_part(message), text_part(message)
    for body in (html, text):
        assert f"http://testserver/capa/ncr/{late.pk}/" in body
        assert f"http://testserver/capa/ncr/{soon.pk}/" in body
        assert "Burr on flange" in body and "3 days overdue" in body
        assert "Wrong thread pitch" in body and "due in 5 days" in body
        assert "Beyond the horizon" not in body
        assert "CAPA" in body  # grouped under its module
    row = Delivery.objects.get(kind="digest", recipient=staff)
    assert row.key == f"digest:{staff.pk}:2026-W16"
    assert row.status == "sent" and row.attempts == 1 and row.sent_at is not None
    assert message["Message-ID"] == row.message_id
    assert row.message_id == message_id_for(row.key)


def test_running_the_digest_twice_sends_nothing_new(smtp, staff):
    ncr(staff, 2, today=TODAY)
    first = services.digest_send_weekly(now=MONDAY)
    second = services.digest_send_weekly(now=MONDAY + dt.timedelta(hours=3))
    assert (first.sent, second.sent, second.claimed) == (1, 0, 0)
    assert len(smtp.messages) == 1
    assert Delivery.objects.count() == 1


def test_a_user_with_nothing_due_gets_no_digest(smtp, staff, other_staff):
    ncr(other_staff, 1, today=TODAY)
    services.digest_send_weekly(now=MONDAY)
    assert smtp.to(staff.email) == []
    assert not Delivery.objects.filter(recipient=staff).exists()
    assert len(smtp.to(other_staff.email)) == 1


def test_a_user_who_switched_the_digest_off_gets_none(smtp, staff, head):
    staff.receive_digest = False
    staff.save()
    ncr(staff, -1, today=TODAY)
    services.digest_send_weekly(now=MONDAY)
    assert smtp.to(staff.email) == []
    # The head still sees the overdue item in the department section: the owner's choice is the
    # owner's own mail only.
    assert len(smtp.to(head.email)) == 1


def test_department_head_gets_a_second_section_with_the_departments_overdue_items(smtp, head, staff, dept):
    ncr(head, 4, today=TODAY, title="Head's own audit finding")
    late = ncr(staff, -6, today=TODAY, title="Staff item overdue")
    ncr(staff, 3, today=TODAY, title="Staff item not yet due")

    services.digest_send_weekly(now=MONDAY)

    [message] = smtp.to(head.email)
    assert message["Subject"] == (
        "QMS weekly digest: 1 due in the next 14 days; 1 overdue in Quality Control"
    )
    html = html_part(message)
    assert "Overdue in Quality Control" in html
    assert "Staff item overdue" in html and f"/capa/ncr/{late.pk}/" in html
    assert str(staff) in html  # the owner is named in the department section
    assert "Staff item not yet due" not in html


def test_a_head_with_only_department_items_still_gets_a_digest(smtp, head, staff):
    ncr(staff, -2, today=TODAY)
    services.digest_send_weekly(now=MONDAY)
    [message] = smtp.to(head.email)
    assert message["Subject"] == "QMS weekly digest: 1 overdue in Quality Control"
    assert "You own nothing" in text_part(message)


def test_a_week_with_a_daylight_saving_change_gives_one_digest(smtp, staff, settings):
    """Clocks go forward in Berlin on Sunday 29 March 2026. A digest scheduled just after local
    midnight on Monday 23 March falls on Sunday in UTC (previous ISO week); a second beat after
    the change (Sunday 29 March, local) is still the same local week: one digest, not two."""
    settings.TIME_ZONE = "Europe/Berlin"
    ncr(staff, 3, today=dt.date(2026, 3, 23))
    runs = [
        local(2026, 3, 23, 0, 30),  # 2026-03-22 23:30 UTC: a UTC week key would say W12
        local(2026, 3, 23, 7, 0),
        local(2026, 3, 29, 3, 30),  # after the change, CEST, same local week W13
    ]
    for when in runs:
        services.digest_send_weekly(now=when)
    assert len(smtp.to(staff.email)) == 1
    assert list(Delivery.objects.filter(recipient=staff).values_list("key", flat=True)) == [
        f"digest:{staff.pk}:2026-W13"
    ]

    services.digest_send_weekly(now=local(2026, 3, 30, 0, 30))  # next Monday, 2026-03-29 22:30 UTC
    assert len(smtp.to(staff.email)) == 2
    assert Delivery.objects.filter(key=f"digest:{staff.pk}:2026-W14").exists()


def test_a_module_registered_later_appears_in_the_digest(smtp, staff, monkeypatch):
    class CalibrationProvider:
        module = "Calibration"

        # The registry's provider protocol: the date window (since) and a limit are the provider's.
        def items(self, *, until, owner_ids=None, department_ids=None, since=None, limit=None):
            yield DueItem(
                key="calibration.instrument:9",
                module="Calibration",
                kind="Gauge",
                reference="GAU-0009",
                title="Thread plug gauge M8",
                owner_id=staff.pk,
                department_id=staff.department_id,
                due_date=TODAY + dt.timedelta(days=2),
                url="/calibration/instruments/9/",
            )

    monkeypatch.setattr(registry, "_providers", [*registry.providers, CalibrationProvider()])
    services.digest_send_weekly(now=MONDAY)
    [message] = smtp.to(staff.email)
    assert "Thread plug gauge M8" in html_part(message)
    assert "http://testserver/calibration/instruments/9/" in text_part(message)


def _build_queries(users) -> int:
    with CaptureQueriesContext(connection) as ctx:
        drafts = services.digest_drafts(
            [
                {
                    "id": u.pk,
                    "username": u.username,
                    "first_name": "",
                    "last_name": "",
                    "email": u.email,
                    "department_id": u.department_id,
                    "manager_id": None,
                }
                for u in users
            ],
            today=TODAY,
            week="2026-W16",
        )
    assert len(drafts) == len(users)
    return len(ctx.captured_queries)


def test_building_digests_costs_the_same_queries_for_any_batch_size(dept, head):
    small = [head] + [UserFactory(department=dept) for _ in range(2)]
    large = [UserFactory(department=dept) for _ in range(12)]
    for user in small + large:
        ncr(user, -1, today=TODAY)
        ncr(user, 4, today=TODAY)
    large.append(UserFactory(department=head.department))
    ncr(large[-1], 1, today=TODAY)
    # A head in each batch, so both batches run the department query.
    from qms.models import Department
    from tests.factories import DepartmentFactory

    other = DepartmentFactory(code="WH", name="Warehouse")
    Department.objects.filter(pk=other.pk).update(head=large[0])
    ncr(UserFactory(department=other), -2, today=TODAY)
    assert _build_queries(small) == _build_queries(large)


def test_the_task_replays_a_given_local_time_and_reports(smtp, staff):
    from notifications.tasks import send_weekly_digest

    ncr(staff, 1, today=TODAY)
    result = send_weekly_digest.apply(args=["2026-04-13T07:00:00"]).get()  # no offset: Berlin time
    assert (result["week"], result["sent"], result["next_wakeup"]) == ("2026-W16", 1, None)
    send_weekly_digest.apply(args=["2026-04-19T23:30:00"])  # Sunday night, same local week
    assert len(smtp.to(staff.email)) == 1


def _digest_dies_after_its_first_batch(monkeypatch):
    """The worker dies after the first batch of people was claimed (one person per batch)."""
    from notifications import digest

    claim = digest.deliveries_claim
    calls = []

    def dying(**kwargs):
        calls.append(1)
        if len(calls) > 1:
            raise SystemExit("worker killed")
        return claim(**kwargs)

    monkeypatch.setattr(digest, "deliveries_claim", dying)
    with pytest.raises(SystemExit):
        services.digest_send_weekly(now=MONDAY, batch_size=1)
    monkeypatch.setattr(digest, "deliveries_claim", claim)


def test_the_sweep_finishes_a_digest_whose_worker_died_half_way(smtp, dept, monkeypatch):
    users = [UserFactory(department=dept) for _ in range(3)]
    for user in users:
        ncr(user, 2, today=TODAY)
    _digest_dies_after_its_first_batch(monkeypatch)
    assert [m["X-Envelope-To"] for m in smtp.messages] == [users[0].email]
    run = DigestRun.objects.get()
    assert (run.week, run.done_up_to, run.finished_at) == ("2026-W16", users[0].pk, None)

    # Ten minutes later: the run's lease (its worker's) is still on, so the sweep leaves it.
    sweep_at = MONDAY + dt.timedelta(minutes=10)
    assert services.deliveries_sweep(now=sweep_at).sent == 0
    # Once the lease has run out, the sweep finishes the week, for the run's own day.
    DigestRun.objects.update(lease_until=sweep_at - dt.timedelta(seconds=1))
    report = services.deliveries_sweep(now=sweep_at)
    assert report.sent == 2
    assert smtp.per_recipient() == {u.email: 1 for u in users}
    run.refresh_from_db()
    assert run.finished_at is not None and run.resumed == 1
    assert "Hello" in text_part(smtp.to(users[2].email)[0]) and "(13 Apr 2026)" in text_part(
        smtp.to(users[2].email)[0]
    )
    assert services.deliveries_sweep(now=sweep_at + dt.timedelta(minutes=10)).sent == 0


def test_the_sweep_leaves_a_finished_week_and_an_earlier_week_alone(smtp, staff):
    ncr(staff, 2, today=TODAY)
    services.digest_send_weekly(now=MONDAY)
    assert DigestRun.objects.get().finished_at is not None
    # An unfinished run of the week before: its digest would only be stale now.
    DigestRun.objects.create(week="2026-W15", day=TODAY - dt.timedelta(days=7), lease_until=MONDAY)
    assert services.deliveries_sweep(now=MONDAY + dt.timedelta(hours=1)).sent == 0
    assert len(smtp.messages) == 1
    assert DigestRun.objects.get(week="2026-W15").resumed == 0


def test_what_is_late_is_read_first_the_module_with_the_most_overdue_item_leading():
    """A digest, an alert or an escalation lists its items by module; the module holding the
    most overdue item comes first (as My work puts the most overdue first), then the others by
    their most urgent item, then by name; within a module, by due date."""
    from notifications.emails import by_module

    def line(module: str, days: int, reference: str) -> dict:
        return {"module": module, "due_date": TODAY + dt.timedelta(days=days), "reference": reference}

    lines = [
        line("Calibration", 10, "CAL-101"),
        line("Documents", 7, "QM-001"),
        line("Training", -10, "TF-2026-0001"),
        line("Documents", -1, "WI-QC-004"),
        line("Audits", 7, "IA-2026-0012"),
    ]
    grouped = by_module(lines)
    assert [module for module, _ in grouped] == ["Training", "Documents", "Audits", "Calibration"]
    assert [x["reference"] for x in dict(grouped)["Documents"]] == ["WI-QC-004", "QM-001"]
