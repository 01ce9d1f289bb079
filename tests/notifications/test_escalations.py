"""The escalation ladder: owner, then department head, then the quality managers; each step once,
each saying how long the item is overdue and who has been told."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import dateformat, timezone

from notifications import services
from notifications.models import Delivery
from tests.factories import UserFactory

from .helpers import local, ncr, text_part

pytestmark = pytest.mark.django_db
NOW = local(2026, 6, 1, 6, 15)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _ladder(settings):
    settings.ESCALATE_TO_HEAD_AFTER_DAYS = 3
    settings.ESCALATE_TO_QUALITY_AFTER_DAYS = 7


def run(day: int):
    """The daily escalation run, ``day`` days after the item fell due."""
    return services.escalations_send(now=NOW + dt.timedelta(days=day))


def test_the_ladder_goes_owner_head_quality_each_once(smtp, staff, head, quality_manager, admin_user):
    item = ncr(staff, -1, today=TODAY, title="Surface finish out of spec")
    received = {}
    for day in range(0, 10):
        before = len(smtp.messages)
        run(day)  # day 0 = the first day overdue
        received[day] = [m["X-Envelope-To"] for m in smtp.messages[before:]]
        run(day)  # a second run the same day sends nothing
        assert len(smtp.messages) == before + len(received[day])
    assert received[0] == [staff.email]
    assert received[2] == [head.email]  # 3 days overdue
    assert received[6] == [quality_manager.email]  # 7 days overdue; the administrator is not a QM
    assert sum(len(v) for v in received.values()) == 3

    to_owner, to_head, to_qm = smtp.messages
    assert to_owner["Subject"] == f"Overdue: {item.reference} is 1 day overdue: Surface finish out of spec"
    assert "Nobody has been told before you." in text_part(to_owner)
    assert (
        to_head["Subject"]
        == f"Escalation to department head: {item.reference} is 3 days overdue (owner {staff})"
    )
    head_text = text_part(to_head)
    # The date someone was told is when the email was claimed (real time, not the simulated day).
    told_on = dateformat.format(timezone.localdate(), "j M Y")
    assert "step 2 of 3" in head_text and f"{staff} (owner), {told_on}" in head_text
    qm_text = text_part(to_qm)
    assert "7 days overdue" in qm_text and "step 3 of 3" in qm_text
    assert f"{staff} (owner)" in qm_text and f"{head} (department head), {told_on}" in qm_text
    assert f"http://testserver/capa/ncr/{item.pk}/" in qm_text


def test_an_item_found_far_overdue_climbs_the_whole_ladder_at_once_in_order(
    smtp, staff, head, quality_manager
):
    ncr(staff, -10, today=TODAY)
    run(0)
    assert [m["X-Envelope-To"] for m in smtp.messages] == [staff.email, head.email, quality_manager.email]
    # Each later step lists the earlier ones, told today.
    assert f"{staff} (owner), today" in text_part(smtp.messages[2])
    assert f"{head} (department head), today" in text_part(smtp.messages[2])


def test_the_owner_cannot_switch_off_the_escalation_to_the_head(smtp, staff, head):
    staff.receive_alerts = False
    staff.save()
    ncr(staff, -3, today=TODAY)
    run(0)
    assert smtp.to(staff.email) == []
    [to_head] = smtp.to(head.email)
    assert "has email alerts switched off and was not emailed" in text_part(to_head)


def test_a_head_who_owns_the_item_is_skipped_for_the_manager_or_nobody(smtp, head, quality_manager):
    ncr(head, -8, today=TODAY)
    run(0)
    # The head is the owner: told as owner, not twice; the quality manager gets step 3.
    assert sorted(m["X-Envelope-To"] for m in smtp.messages) == sorted([head.email, quality_manager.email])


def test_without_a_quality_manager_the_administrators_stand_in(smtp, staff, head, admin_user):
    ncr(staff, -7, today=TODAY)
    run(0)
    assert len(smtp.to(admin_user.email)) == 1


def test_each_step_is_recorded_with_its_own_key(smtp, staff, head, quality_manager):
    item = ncr(staff, -7, today=TODAY)
    run(0)
    base = f"escalation:capa.nonconformity:{item.pk}:{item.due_date.isoformat()}"
    assert set(Delivery.objects.values_list("key", flat=True)) == {
        f"{base}:owner:{staff.pk}",
        f"{base}:head:{head.pk}",
        f"{base}:quality:{quality_manager.pk}",
    }


def test_a_manager_standing_in_for_the_head_is_not_called_department_head(
    smtp, head, quality_manager, settings
):
    # The owner heads the department: step 2 goes to the owner's manager, and says so.
    head.manager = quality_manager
    head.save()
    settings.ESCALATE_TO_QUALITY_AFTER_DAYS = 30  # keep the quality step out of this run
    item = ncr(head, -3, today=TODAY)
    run(0)
    [to_manager] = smtp.to(quality_manager.email)
    assert to_manager["Subject"] == (
        f"Escalation to owner's manager: {item.reference} is 3 days overdue (owner {head})"
    )
    assert "You are told as owner's manager." in text_part(to_manager)
    assert "department head" not in text_part(to_manager)


def test_the_quality_manager_who_is_the_owners_manager_is_told_once(smtp, head, quality_manager):
    """A head's manager is the quality manager: told at step 2 as the owner's manager, they are
    not emailed the same item again at step 3 (which names them "already told")."""
    head.manager = quality_manager
    head.save()
    item = ncr(head, -8, today=TODAY)
    run(0)
    [to_manager] = smtp.to(quality_manager.email)
    assert "owner's manager" in to_manager["Subject"]
    assert set(
        Delivery.objects.filter(topic__contains=f":{item.pk}:").values_list("recipient_id", flat=True)
    ) == {
        head.pk,
        quality_manager.pk,
    }
    run(1)  # the next day: still nobody told twice
    assert len(smtp.to(quality_manager.email)) == 1


def _queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        report = fn()
    return len(ctx.captured_queries), report


def test_escalations_run_a_constant_number_of_queries_per_batch_whatever_the_number_of_items(
    smtp, dept, head, quality_manager, settings
):
    """Items 8 days overdue climb the whole ladder (owner, head, quality manager). One batch of 2
    items and one of 12, with different owners: the same queries apart from one statement per
    email; and the day after, when nothing is new, exactly the same."""
    settings.NOTIFICATION_ITEM_BATCH_SIZE = 100
    counts = []
    for n in (2, 12):
        owners = [UserFactory(department=dept, manager=head) for _ in range(n)]
        items = [ncr(owner, -8, today=TODAY) for owner in owners]
        first, report = _queries(lambda: run(0))
        again, nothing = _queries(lambda: run(1))
        assert (report.sent, nothing.sent) == (3 * n, 0)
        counts.append((first - report.sent, again))
        type(items[0]).objects.filter(pk__in=[i.pk for i in items]).update(status="closed")
    assert counts[0] == counts[1]
