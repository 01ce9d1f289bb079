"""The figure "management review actions done on time" opens the register of review actions with
the actions it judged: due in the month, not cancelled, owned by someone of the department, done
on time or late by today; each marked on time or late, so the number and the list agree."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from qms import kpis
from reviews import services
from reviews.models import ReviewAction
from tests.helpers import assert_refused_beside, body, register_rows
from tests.reviews.factories import make_review

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
MONTH = kpis.Period.month(TODAY)
LAST_MONTH = kpis.Period.month(MONTH.start - dt.timedelta(days=1))


@pytest.fixture
def decision(held, quality_manager):
    return services.decision_add(review=held, by=quality_manager, kind="improvement", text="Second setter")


def _action(decision, by, owner, *, due: dt.date, status: str = "open", done: dt.date | None = None):
    action = services.action_add(
        decision=decision,
        by=by,
        title=f"Action of {owner}",
        owner=owner,
        due_date=TODAY + dt.timedelta(days=30),
    )
    ReviewAction.objects.filter(pk=action.pk).update(due_date=due, status=status, done_on=done)
    return action


def test_actions_on_time_open_the_months_judged_actions_of_the_department(
    client_for, quality_manager, decision, head, staff, other_head, dept, other_dept
):
    due = LAST_MONTH.start + dt.timedelta(days=2)
    qm = quality_manager
    on_time = _action(decision, qm, head, due=due, status="done", done=LAST_MONTH.start)
    open_late = _action(decision, qm, staff, due=due)
    done_late = _action(decision, qm, head, due=due, status="done", done=LAST_MONTH.end)
    cancelled = _action(decision, qm, head, due=due, status="cancelled")
    elsewhere = _action(decision, qm, other_head, due=due, status="done", done=due)
    earlier = _action(decision, qm, head, due=LAST_MONTH.start - dt.timedelta(days=1))
    measure = kpis.get("reviews.actions_on_time")
    assert measure.value(LAST_MONTH, subject=dept) == pytest.approx(33.3)
    client = client_for(quality_manager)
    listed = register_rows(client, measure.url(LAST_MONTH, subject=dept))
    assert set(listed) == {on_time.pk, open_late.pk, done_late.pk}
    marks = {pk: row["On time"] for pk, row in listed.items()}
    assert marks == {on_time.pk: "On time", open_late.pk: "Late", done_late.pk: "Late"}
    share = round(100 * list(marks.values()).count("On time") / len(marks), 1)
    assert share == measure.value(LAST_MONTH, subject=dept)
    yes = measure.url(LAST_MONTH, subject=dept).replace("on_time=judged", "on_time=yes")
    no = measure.url(LAST_MONTH, subject=dept).replace("on_time=judged", "on_time=no")
    assert set(register_rows(client, yes)) == {on_time.pk}
    assert set(register_rows(client, no)) == {open_late.pk, done_late.pk}
    assert set(register_rows(client, measure.url(LAST_MONTH, subject=other_dept))) == {elsewhere.pk}
    everything = register_rows(client, measure.url(LAST_MONTH))
    assert cancelled.pk not in everything and earlier.pk not in everything and len(everything) == 4
    month_before = kpis.Period.month(LAST_MONTH.start - dt.timedelta(days=1))
    assert set(register_rows(client, measure.url(month_before, subject=dept))) == {earlier.pk}
    # Each row opens the action's own page, and names its review.
    page = client.get(measure.url(LAST_MONTH, subject=dept)).content.decode()
    assert f'href="{on_time.get_absolute_url()}"' in page and decision.review.reference in page


def test_the_running_months_actions_not_yet_due_are_neither_counted_norregister_rows(
    client_for, quality_manager, decision, head, dept
):
    done = _action(decision, quality_manager, head, due=TODAY, status="done", done=TODAY)
    coming = _action(decision, quality_manager, head, due=TODAY)  # may still be done today
    measure = kpis.get("reviews.actions_on_time")
    assert measure.value(MONTH, subject=dept) == 100
    listed = register_rows(client_for(quality_manager), measure.url(MONTH, subject=dept))
    assert set(listed) == {done.pk} and coming.pk not in listed


def test_the_register_lists_only_the_actions_of_reviews_in_the_readers_scope(
    client_for, quality_manager, decision, head, other_staff, chair, dept
):
    """Staff of another department read the actions of a review one of whose actions is theirs
    (they read that review), never the actions of a review they have nothing to do with."""
    another = make_review(by=quality_manager, owner=quality_manager, department=dept, chair=chair)
    services.review_hold(review=another, by=quality_manager, held_on=TODAY)
    its_decision = services.decision_add(review=another, by=quality_manager, kind="change", text="Split QC")
    other = _action(its_decision, quality_manager, head, due=TODAY)
    assigned = _action(decision, quality_manager, other_staff, due=TODAY)
    listed = register_rows(client_for(other_staff), reverse("reviews:action_list"))
    assert assigned.pk in listed and other.pk not in listed
    everything = register_rows(client_for(quality_manager), reverse("reviews:action_list"))
    assert {assigned.pk, other.pk} <= set(everything)


def test_junk_in_the_registers_filters_is_refused_beside_the_field_and_lists_nothing(
    client_for, quality_manager, decision, head
):
    action = _action(decision, quality_manager, head, due=TODAY)
    client = client_for(quality_manager)
    for query, field in (
        ("?due_from=2026-02-31", "due_from"),
        ("?due_to=soon", "due_to"),
        ("?on_time=perhaps", "on_time"),
        ("?department=abc", "department"),
        ("?status=lost", "status"),
    ):
        assert_refused_beside(client, reverse("reviews:action_list") + query, field)
    assert action.pk in register_rows(client, reverse("reviews:action_list") + "?due_to=9999-12-31")


def test_the_figures_list_reads_the_same_queries_for_few_rows_or_many(
    client_for, quality_manager, decision, head, dept, monkeypatch
):
    from reviews.views import ReviewActionListView

    monkeypatch.setattr(ReviewActionListView, "paginate_by", 3)
    url = kpis.get("reviews.actions_on_time").url(LAST_MONTH, subject=dept)
    client = client_for(quality_manager)

    def add(n: int) -> None:
        for i in range(n):
            done = LAST_MONTH.start if i % 2 else None
            _action(
                decision,
                quality_manager,
                head,
                due=LAST_MONTH.start,
                status="done" if done else "open",
                done=done,
            )

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
            export = client.get(url + "&format=csv")
            assert export.status_code == 200
            body(export)
        return len(ctx.captured_queries)

    add(4)
    few = count()
    add(20)
    assert count() == few


def test_all_open_lists_the_actions_still_to_do_and_each_status_its_own(
    client_for, quality_manager, decision, head
):
    """A register of rows offers "All open" as a record's register does: the actions whose status
    is not closed, what a head asks before a review."""
    qm = quality_manager
    still_open = _action(decision, qm, head, due=TODAY)
    done = _action(decision, qm, head, due=TODAY, status="done", done=TODAY)
    cancelled = _action(decision, qm, head, due=TODAY, status="cancelled")
    client = client_for(qm)
    url = reverse("reviews:action_list")
    assert set(register_rows(client, url + "?status=_open")) == {still_open.pk}
    assert set(register_rows(client, url + "?status=done")) == {done.pk}
    assert {still_open.pk, done.pk, cancelled.pk} <= set(register_rows(client, url))
    assert 'value="_open" selected' in client.get(url + "?status=_open").content.decode()
