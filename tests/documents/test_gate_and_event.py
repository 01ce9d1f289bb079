"""What document control tells other modules: the kernel gate "revision_effective" (was this the
revision to work to on that date, read by the people named?) and the event
"documents.revision_effective" when a revision becomes effective."""

import datetime as dt

import pytest
from django.utils import timezone

from documents import services
from documents.models import Revision
from qms import events, gates
from tests.documents.factories import draft, issue, sign

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _days_ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


@pytest.fixture
def history_of_drawing(drawing, quality_manager, operator):
    """Revision A effective 30 days ago, replaced by B 10 days ago; the operator was asked to read
    A 30 days ago and did so 20 days ago, and has not read B yet."""
    rev_a = issue(drawing, quality_manager)
    ack_a = rev_a.acknowledgments.get(user=operator)
    services.acknowledgment_confirm(ack=ack_a, by=operator)
    rev_b = issue(drawing, quality_manager, summary="B")
    Revision.objects.filter(pk=rev_a.pk).update(
        effective_date=TODAY() - dt.timedelta(days=30), effective_at=_days_ago(30), ended_at=_days_ago(10)
    )
    rev_a.acknowledgments.filter(pk=ack_a.pk).update(created_at=_days_ago(30), acknowledged_at=_days_ago(20))
    Revision.objects.filter(pk=rev_b.pk).update(
        effective_date=TODAY() - dt.timedelta(days=10), effective_at=_days_ago(10)
    )
    rev_b.acknowledgments.update(created_at=_days_ago(10))
    rev_a.refresh_from_db()
    rev_b.refresh_from_db()
    return rev_a, rev_b


def _check(revision, day, people=()):
    return [str(r) for r in gates.check("revision_effective", on=day, revision=revision, people=people)]


def test_document_control_answers_the_revision_effective_gate():
    assert gates.answered("revision_effective")


def test_work_to_the_effective_revision_by_someone_who_read_it_is_in_order(history_of_drawing, operator):
    rev_a, _ = history_of_drawing
    assert _check(rev_a, TODAY() - dt.timedelta(days=15), [operator]) == []


def test_work_to_a_revision_that_was_not_yet_or_no_longer_effective_is_refused(history_of_drawing):
    rev_a, rev_b = history_of_drawing
    (before,) = _check(rev_a, TODAY() - dt.timedelta(days=31))
    assert "was not the effective revision" in before and "DRW-40512 rev. A" in before
    (after,) = _check(rev_a, TODAY() - dt.timedelta(days=5))
    assert "was not the effective revision" in after and "revision B was" in after
    # The day of the change already belongs to the new revision.
    assert _check(rev_b, TODAY() - dt.timedelta(days=10)) == []
    assert len(_check(rev_a, TODAY() - dt.timedelta(days=10))) == 1


def test_a_person_who_had_not_yet_read_the_revision_on_that_date_is_named(history_of_drawing, operator, head):
    rev_a, rev_b = history_of_drawing
    (unread,) = _check(rev_a, TODAY() - dt.timedelta(days=25), [operator, head])
    assert str(operator) in unread and "had not acknowledged" in unread
    # The head was not on the distribution list: nothing to acknowledge, no refusal.
    assert _check(rev_b, TODAY(), [head]) == []
    (unread_b,) = _check(rev_b, TODAY(), [operator.pk])
    assert str(operator) in unread_b and "rev. B" in unread_b
    refusal = gates.check("revision_effective", on=TODAY(), revision=rev_b, people=[operator])[0]
    assert refusal.url == rev_b.get_absolute_url() and refusal.checked


@pytest.fixture
def received():
    """A subscriber registered for the test only, as the training module will subscribe."""
    got: list[dict] = []

    def subscriber(**payload):
        got.append(payload)

    events.subscribe("documents.revision_effective", subscriber)
    yield got
    events._subscribers["documents.revision_effective"].remove(subscriber)


def test_a_revision_becoming_effective_is_published_after_commit(
    drawing, quality_manager, received, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        revision = issue(drawing, quality_manager)
    assert received == [{"revision_id": revision.pk, "document_id": drawing.pk}]


def test_an_approved_revision_waiting_for_its_date_is_published_when_the_task_makes_it_effective(
    drawing, head, quality_manager, received, django_capture_on_commit_callbacks
):
    revision = draft(drawing)
    tomorrow = TODAY() + dt.timedelta(days=1)
    services.revision_submit(revision=revision, by=head, approvers=[quality_manager], effective_date=tomorrow)
    with django_capture_on_commit_callbacks(execute=True):
        sign(revision, quality_manager)
    assert received == []
    Revision.objects.filter(pk=revision.pk).update(effective_date=TODAY())
    with django_capture_on_commit_callbacks(execute=True):
        services.make_due_revisions_effective()
    assert received == [{"revision_id": revision.pk, "document_id": drawing.pk}]


def test_a_rolled_back_approval_publishes_nothing(
    drawing, head, quality_manager, received, django_capture_on_commit_callbacks
):
    from django.db import transaction

    revision = draft(drawing)
    services.revision_submit(revision=revision, by=head, approvers=[quality_manager])
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        sign(revision, quality_manager)
        raise RuntimeError("the database went away")
    assert received == []
    assert Revision.objects.get(pk=revision.pk).status == "in_review"


def test_the_event_is_declared_in_the_catalogue():
    declared = {event.name: event for event, _ in events.catalogue()}
    assert declared["documents.revision_effective"].payload == ("revision_id", "document_id")
