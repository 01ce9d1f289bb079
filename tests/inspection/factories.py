"""Builders of the inspection module's tests: a supplier, a gauge and a machine (the modules they
belong to are built elsewhere; here only what a lot needs), a drawing with an effective revision,
plans, receipts, lots, inspections. Everything through the services."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from calibration.models import Instrument, Machine
from inspection import services
from inspection.models import GoodsReceipt, InspectionPlan, PlanCharacteristic, ProductionLot, Shipment
from qms.models import Department, Role, User
from qms.services import child_add, record_create, record_transition
from suppliers.models import Supplier
from tests.documents.factories import DocumentFactory, issue
from tests.factories import DepartmentFactory, UserFactory

_n = itertools.count(1)


def today() -> dt.date:
    return timezone.localdate()


def days(n: int) -> dt.date:
    return today() + dt.timedelta(days=n)


def department(code: str, name: str = "") -> Department:
    found = Department.objects.filter(code=code).first()
    return found or DepartmentFactory(code=code, name=name or code)


def home(user: User) -> Department:
    """The user's department; the quality manager may have none (the records then sit in quality)."""
    return user.department or department("QM", "Quality")


def qc_inspector(**kwargs) -> User:
    """A member of quality control, the steward of inspections (may release)."""
    return UserFactory(department=department("QC", "Quality control"), **kwargs)


def qm() -> User:
    found = User.objects.filter(role=Role.QUALITY_MANAGER, is_active=True).first()
    return found or UserFactory(role=Role.QUALITY_MANAGER, department=department("QM", "Quality"))


def supplier(name: str = "") -> Supplier:
    name = name or f"Steel AG {next(_n)}"
    return record_create(
        model=Supplier,
        by=qm(),
        title=name,
        name=name,
        owner=qm(),
        department=home(qm()),
    )


def gauge(**fields) -> Instrument:
    """A gauge calibrated today (usable)."""
    from tests.calibration.factories import calibrated

    return calibrated(home(qm()), type_name="Bore gauge", **fields)


def uncalibrated_gauge(**fields) -> Instrument:
    n = next(_n)
    return record_create(
        model=Instrument,
        by=qm(),
        title=f"Bore gauge {n}",
        tag=f"BG-{n}",
        type_name="Bore gauge",
        owner=qm(),
        department=home(qm()),
        **fields,
    )


def machine() -> Machine:
    n = next(_n)
    return record_create(
        model=Machine,
        by=qm(),
        title=f"CNC {n}",
        asset_number=f"M-{n}",
        owner=qm(),
        department=home(qm()),
    )


def engineer() -> User:
    found = User.objects.filter(username="eng_head").first()
    return found or UserFactory(
        username="eng_head", role=Role.DEPARTMENT_HEAD, department=department("ENG", "Engineering")
    )


def drawing_revision(owner: User | None = None):
    author = engineer()
    document = DocumentFactory(owner=author, department=author.department)
    return issue(document, qm())


def plan(
    *,
    stage="final",
    part="H-220",
    level="II",
    aql="1.0",
    supplier_=None,
    owner=None,
    drawing=None,
    characteristics=True,
) -> InspectionPlan:
    owner = owner or qm()
    found = record_create(
        model=InspectionPlan,
        by=owner,
        title=f"{stage} {part}",
        part_number=part,
        stage=stage,
        level=level,
        aql=aql,
        supplier=supplier_,
        owner=owner,
        department=home(owner),
        drawing=drawing,
    )
    if characteristics:
        child_add(
            model=PlanCharacteristic,
            by=owner,
            plan=found,
            name="Bore Ø12 H7",
            nominal="12",
            lower="0",
            upper="0.018",
        )
        child_add(model=PlanCharacteristic, by=owner, plan=found, name="Marking")
    record_transition(record=found, name="activate", by=owner)
    found.refresh_from_db()
    return found


def receipt(
    *, supplier_=None, part="BAR-42", quantity=500, owner=None, promised=None, received=None
) -> GoodsReceipt:
    owner = owner or qm()
    return record_create(
        model=GoodsReceipt,
        by=owner,
        title=f"Bar stock {next(_n)}",
        supplier=supplier_ or supplier(),
        part_number=part,
        quantity=quantity,
        promised_on=promised,
        received_on=received or today(),
        owner=owner,
        department=home(owner),
    )


def lot(
    *, owner=None, part="H-220", quantity=1000, revision=None, started=None, number=None, **fields
) -> ProductionLot:
    owner = owner or qm()
    return record_create(
        model=ProductionLot,
        by=owner,
        title=f"Housing {part}",
        lot_number=number or f"24-{next(_n):04d}",
        part_number=part,
        drawing_revision=revision or drawing_revision(),
        quantity=quantity,
        started_on=started or today(),
        owner=owner,
        department=home(owner),
        **fields,
    )


def inspect(lot_or_receipt, *, plan_, by=None, sample=None, nonconforming=0, on=None, lot_size=None):
    by = by or qm()
    is_lot = isinstance(lot_or_receipt, ProductionLot)
    size = lot_size or lot_or_receipt.quantity
    found = services.inspection_create(
        by=by,
        plan=plan_,
        inspector=by,
        inspected_on=on or today(),
        lot_size=size,
        lot=lot_or_receipt if is_lot else None,
        receipt=None if is_lot else lot_or_receipt,
    )
    sample = found.required_sample if sample is None else sample
    services.inspection_update(inspection=found, by=by, sample_size=sample, nonconforming=nonconforming)
    found.refresh_from_db()
    return covered(found, by=by, nonconforming=nonconforming)


def covered(inspection, *, by=None, nonconforming=0):
    """Each characteristic of the plan counted on the whole sample (the nonconforming items on
    the first), as an inspection must be before it accepts a lot."""
    if inspection.sample_size:
        for i, characteristic in enumerate(inspection.plan.characteristics.all()):
            services.characteristic_result_add(
                inspection=inspection,
                by=by or qm(),
                characteristic=characteristic,
                inspected=inspection.sample_size,
                nonconforming=nonconforming if i == 0 else 0,
            )
        inspection.refresh_from_db()
    return inspection


def decide(inspection, by=None):
    by = by or qm()
    name = "accept" if inspection.ac is not None and inspection.nonconforming <= inspection.ac else "reject"
    record_transition(record=inspection, name=name, by=by)
    inspection.refresh_from_db()
    return inspection


def shipment(owner=None, customer="Meyer Pumps") -> Shipment:
    owner = owner or qm()
    return record_create(
        model=Shipment,
        by=owner,
        title=f"Delivery {next(_n)}",
        customer=customer,
        owner=owner,
        department=home(owner),
    )
