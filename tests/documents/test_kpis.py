"""Document control's measure: the share of acknowledgments given by their due date, the one
that shows a workstation may still be working to an old revision."""

import datetime as dt

import pytest
from django.utils import timezone

from documents.models import Acknowledgment
from qms import kpis
from tests.documents.factories import DocumentFactory, approver, issue
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
MONTH = kpis.Period.month(TODAY)
LAST_MONTH = kpis.Period.month(MONTH.start - dt.timedelta(days=1))  # every due date in it has passed


@pytest.fixture
def effective_revision(head, dept):
    document = DocumentFactory(owner=head, department=dept, distribution_people=[head])
    return issue(document, approver(username="qm-kpi"))


def test_revisions_acknowledged_within_their_deadline(
    effective_revision, staff, other_staff, dept, other_dept
):
    # Only the acknowledgments made here count (the head's from the distribution is withdrawn).
    Acknowledgment.objects.filter(revision=effective_revision).update(status="withdrawn")
    due = LAST_MONTH.start + dt.timedelta(days=3)
    in_time = timezone.make_aware(dt.datetime.combine(due, dt.time(9)))
    late = in_time + dt.timedelta(days=4)
    make = Acknowledgment.objects.create
    make(
        revision=effective_revision, user=staff, due_date=due, status="acknowledged", acknowledged_at=in_time
    )
    make(
        revision=effective_revision,
        user=other_staff,
        due_date=due,
        status="acknowledged",
        acknowledged_at=late,
    )
    measure = kpis.get("documents.ack_on_time")
    assert measure.value(LAST_MONTH) == 50.0
    assert measure.value(LAST_MONTH, subject=dept) == 100.0
    assert measure.value(LAST_MONTH, subject=other_dept) == 0.0
    rows = measure.breakdown(LAST_MONTH)
    assert [(r.label, r.value) for r in rows] == [(other_dept.name, 0.0), (dept.name, 100.0)]
    # Each department's share opens the acknowledgments it counted: due in the month, its people's.
    assert rows[0].url == (
        f"/documents/acknowledgments/due/?due_from={LAST_MONTH.start:%Y-%m-%d}"
        f"&due_to={LAST_MONTH.end:%Y-%m-%d}&department={other_dept.pk}"
    )
    assert measure.value(kpis.Period.year(2001)) is None
    assert measure.clause == "7.5" and measure.unit == "%"


def test_an_acknowledgment_not_yet_due_is_neither_on_time_nor_late(
    effective_revision, staff, other_staff, dept, other_dept
):
    """On the 3rd of the month, what falls due on the 20th is not late: the month's share counts
    the acknowledgments given and those whose date has passed, not the ones still to come."""
    Acknowledgment.objects.filter(revision=effective_revision).update(status="withdrawn")
    make = Acknowledgment.objects.create
    now = timezone.now()
    make(
        revision=effective_revision,
        user=staff,
        due_date=TODAY - dt.timedelta(days=2),
        status="acknowledged",
        acknowledged_at=now - dt.timedelta(days=3),
    )
    make(
        revision=effective_revision, user=other_staff, due_date=TODAY - dt.timedelta(days=1), status="pending"
    )
    newcomer = UserFactory(department=dept)
    pending_later = make(
        revision=effective_revision,
        user=newcomer,
        due_date=TODAY + dt.timedelta(days=5),
        status="pending",
    )
    days = kpis.Period(TODAY - dt.timedelta(days=10), TODAY + dt.timedelta(days=10))
    measure = kpis.get("documents.ack_on_time")
    assert measure.value(days) == 50.0  # one on time, one overdue; the one due in five days left out
    # The newcomer's acknowledgment, due in five days, does not pull their department down either.
    assert [(r.label, r.value) for r in measure.breakdown(days)] == [
        (other_dept.name, 0.0),
        (dept.name, 100.0),
    ]
    pending_later.status, pending_later.acknowledged_at = "acknowledged", now  # read early: on time, counted
    pending_later.save()
    assert measure.value(days) == 66.7
