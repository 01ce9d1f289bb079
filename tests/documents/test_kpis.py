"""Document control's measure: the share of acknowledgments given by their due date, the one
that shows a workstation may still be working to an old revision."""

import datetime as dt

import pytest
from django.utils import timezone

from documents.models import Acknowledgment
from qms import kpis
from tests.documents.factories import DocumentFactory, approver, issue

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
MONTH = kpis.Period.month(TODAY)


@pytest.fixture
def effective_revision(head, dept):
    document = DocumentFactory(owner=head, department=dept, distribution_people=[head])
    return issue(document, approver(username="qm-kpi"))


def test_revisions_acknowledged_within_their_deadline(
    effective_revision, staff, other_staff, dept, other_dept
):
    # Only the acknowledgments made here count (the head's from the distribution is withdrawn).
    Acknowledgment.objects.filter(revision=effective_revision).update(status="withdrawn")
    due = MONTH.start + dt.timedelta(days=3)
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
    assert measure.value(MONTH) == 50.0
    assert measure.value(MONTH, subject=dept) == 100.0
    assert measure.value(MONTH, subject=other_dept) == 0.0
    rows = measure.breakdown(MONTH)
    assert [(r.label, r.value) for r in rows] == [(other_dept.name, 0.0), (dept.name, 100.0)]
    assert rows[0].url == f"/documents/acknowledgments/?department={other_dept.pk}"
    assert measure.value(kpis.Period.year(2001)) is None
    assert measure.clause == "7.5" and measure.unit == "%"
