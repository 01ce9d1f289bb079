"""Builders for calibration tests: everything through the services, so references, history,
assessments and the cascade are what the product would produce."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from calibration import services
from calibration.models import Calibration, Instrument, Machine, MaintenancePlan
from qms.models import Department, Role, User
from qms.services import get_system_user, transition
from suppliers.models import Supplier
from tests.factories import UserFactory

_n = itertools.count(1)


def today() -> dt.date:
    return timezone.localdate()


def days(n: int) -> dt.date:
    return today() + dt.timedelta(days=n)


def keeper(department: Department) -> User:
    """Who keeps the department's instruments in a test: its head, else a quality manager."""
    head = department.head
    if head is not None and head.role == Role.DEPARTMENT_HEAD:
        return head
    return quality_manager()


def quality_manager() -> User:
    return User.objects.filter(role=Role.QUALITY_MANAGER).first() or UserFactory(
        role=Role.QUALITY_MANAGER, department=None
    )


def lab(name: str = "", *, accredited: bool = False) -> Supplier:
    """A calibration laboratory (a supplier), with a current ISO/IEC 17025 certificate if told."""
    from tests.suppliers import factories as sf

    quality_manager()
    department = Department.objects.order_by("pk").first()
    found = sf.supplier(department, name=name or f"Calibration lab {next(_n)}", calibration_lab=True)
    if accredited:
        sf.certificate(found, "iso17025")
    return found


def instrument(department: Department, *, by: User | None = None, **fields) -> Instrument:
    by = by or keeper(department)
    number = next(_n)
    fields.setdefault("tag", f"G-{number:04d}")
    fields.setdefault("title", f"Gauge {number}")
    fields.setdefault("type_name", "Outside micrometer")
    fields.setdefault("owner", by)
    fields.setdefault("department", department)
    fields.setdefault("interval_value", 12)
    fields.setdefault("interval_unit", "months")
    if fields.get("source") == "external" and "lab" not in fields:
        fields["lab"] = lab()
    return services.instrument_create(by=by, **fields)


def calibrate(
    instrument_: Instrument,
    *,
    on: dt.date | None = None,
    found: str | Decimal = "25.000",
    left: str | Decimal | None = None,
    standards=(),
    by: User | None = None,
    complete: bool = True,
    nominal: str = "25.000",
    tolerance: str = "0.002",
    uncertainty: str | None = None,
) -> Calibration:
    """A calibration by an external lab with one point (nominal 25 ± 0.002 by default), against
    the given standards, completed unless told."""
    by = by or keeper(instrument_.department)
    supplier = instrument_.lab or lab()
    calibration = services.calibration_add(
        instrument=instrument_,
        by=by,
        calibrated_on=on or today(),
        source="external",
        lab=supplier,
        certificate_number=f"C-{next(_n)}",
        uncertainty=Decimal(uncertainty) if uncertainty else None,
    )
    nominal_, tol = Decimal(nominal), Decimal(tolerance)
    services.point_add(
        calibration=calibration,
        by=by,
        characteristic="Length",
        unit="mm",
        nominal=nominal_,
        lower_limit=nominal_ - tol,
        upper_limit=nominal_ + tol,
        as_found=Decimal(found),
        as_left=Decimal(left) if left is not None else None,
    )
    for standard in standards:
        services.standard_add(calibration=calibration, by=by, standard=standard)
    if complete:
        transition(obj=calibration, name="complete", by=by)
        calibration.refresh_from_db()
    return calibration


def calibrated(department: Department, *, on: dt.date | None = None, **fields) -> Instrument:
    """An instrument calibrated in tolerance (on the date given, today by default)."""
    found = instrument(department, **fields)
    calibrate(found, on=on or today())
    found.refresh_from_db()
    return found


def machine(department: Department, *, by: User | None = None, **fields) -> Machine:
    by = by or keeper(department)
    number = next(_n)
    fields.setdefault("asset_number", f"M-{number:03d}")
    fields.setdefault("title", f"Machine {number}")
    fields.setdefault("owner", by)
    fields.setdefault("department", department)
    return services.machine_create(by=by, **fields)


def plan(machine_: Machine, *, by: User | None = None, **fields) -> MaintenancePlan:
    by = by or keeper(machine_.department)
    fields.setdefault("name", "Spindle maintenance")
    fields.setdefault("checklist", "Check spindle run-out\nReplace spindle oil\nClean coolant filter")
    fields.setdefault("interval_days", 90)
    fields.setdefault("responsible", by)
    fields.setdefault("next_due", days(10))
    fields.setdefault("postponement_limit", 14)
    return services.plan_add(machine=machine_, by=by, **fields)


def system() -> User:
    return get_system_user()
