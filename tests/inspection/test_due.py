"""A goods receipt awaiting its incoming inspection is someone's work: due
``INCOMING_INSPECTION_DAYS`` after it arrived, on the My work of whoever keeps the IQC plan its
inspection follows when they may inspect (else quality control's head), until an inspection or
the quality manager decides it."""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse

from qms.due import registry
from qms.models import Role
from qms.services import record_transition
from tests.inspection import factories as f

pytestmark = pytest.mark.django_db


def _keys(until=None) -> set[str]:
    return {item.key for item in registry.items(until=until or f.days(365))}


def test_a_receipt_awaits_its_incoming_inspection_on_the_plan_keepers_my_work(client_for):
    supplier = f.supplier()
    anyone_keeper = f.qc_inspector(username="anyplan", role=Role.DEPARTMENT_HEAD)
    own_keeper = f.qc_inspector(username="ownplan")
    f.plan(stage="iqc", part="BAR-42", owner=anyone_keeper)
    own = f.plan(stage="iqc", part="BAR-42", supplier_=supplier, owner=own_keeper)
    arrived = f.days(-3)
    receipt = f.receipt(supplier_=supplier, part="BAR-42", received=arrived)
    other = f.receipt(part="BAR-42", received=f.days(0))  # another supplier: the plan for any
    unplanned = f.receipt(part="NO-PLAN-7", received=arrived)

    (item,) = [i for i in registry.for_user(own_keeper) if i.key == f"inspection.iqc:{receipt.pk}"]
    assert item.kind == "Incoming inspection" and item.reference == receipt.reference
    assert item.due_date == arrived + dt.timedelta(days=settings.INCOMING_INSPECTION_DAYS)
    assert item.days_overdue() == 3 - settings.INCOMING_INSPECTION_DAYS
    assert item.department_id == own_keeper.department_id and item.url == receipt.get_absolute_url()
    assert [i.reference for i in registry.for_user(anyone_keeper)] == [other.reference]
    assert f"inspection.iqc:{unplanned.pk}" not in _keys()
    page = client_for(own_keeper).get(reverse("my_work")).content.decode()
    assert receipt.reference in page and "Incoming inspection" in page

    # Decided by its inspection (rejected) or by the quality manager (accepted without one):
    # no longer due.
    f.decide(f.inspect(receipt, plan_=own, nonconforming=5))
    record_transition(record=other, name="accept", by=f.qm(), reason="Certificate checked")
    keys = _keys()
    assert f"inspection.iqc:{receipt.pk}" not in keys and f"inspection.iqc:{other.pk}" not in keys
    assert registry.for_user(own_keeper) == [] and registry.for_user(anyone_keeper) == []


def test_a_receipt_no_iqc_plan_fits_says_so_on_its_page(client_for):
    planned = f.receipt(part="BAR-42")
    f.plan(stage="iqc", part="BAR-42")
    unplanned = f.receipt(part="NONEXIST-999")
    client = client_for(f.qm())
    assert 'data-testid="no-iqc-plan"' in client.get(unplanned.get_absolute_url()).content.decode()
    assert 'data-testid="no-iqc-plan"' not in client.get(planned.get_absolute_url()).content.decode()


def test_a_receipt_whose_plan_keeper_may_not_inspect_it_is_the_inspectors_heads_work(client_for):
    """Engineering keeps the IQC plan of the bar stock; its keeper may not record an inspection
    (quality control inspects), yet the receipt waited on his My work and nobody else's."""
    from qms.models import Department
    from tests.factories import UserFactory

    engineer = UserFactory(username="planner", department=f.department("ENG", "Engineering"))
    inspectors_head = f.qc_inspector(username="qchead", role=Role.DEPARTMENT_HEAD)
    Department.objects.filter(code="QC").update(head=inspectors_head)
    from qms.services import record_update

    plan = f.plan(stage="iqc", part="BAR-77")
    record_update(record=plan, by=f.qm(), owner=engineer, reason="Engineering keeps the plans of bar stock")
    receipt = f.receipt(part="BAR-77", received=f.days(-1))

    assert [i.reference for i in registry.for_user(engineer)] == []
    (item,) = [i for i in registry.for_user(inspectors_head) if i.key == f"inspection.iqc:{receipt.pk}"]
    assert item.department_id == inspectors_head.department_id
    page = client_for(inspectors_head).get(reverse("my_work")).content.decode()
    assert receipt.reference in page and "Incoming inspection" in page
    assert receipt.reference not in client_for(engineer).get(reverse("my_work")).content.decode()
