"""The audit pack's sections of this module, read through ``qms.access`` as the user taking the
pack may see it, in a constant number of queries:

- 7.1.5: the instrument register as of the end date with each instrument's standing, the
  calibrations of the period with their results and certificate hashes, the impact assessments
  open at the end, and the suspect chains opened in the period.
- 7.1.3: the maintenance done in the period, the postponements asked in it, and the plans
  overdue at its end."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, Q

from qms import access
from qms.auditpack import AuditSection
from qms.models import User

from .models import (
    Calibration,
    CalibrationCertificate,
    ImpactAssessment,
    Instrument,
    MaintenanceEvent,
    MaintenancePlan,
    Postponement,
    Standing,
)


def build_instruments(*, user: User, date_from: dt.date, date_to: dt.date) -> dict:
    register = list(
        access.restrict(Instrument.objects.with_standing(date_to).filter(created_at__date__lte=date_to), user)
        .select_related("department", "lab")
        .order_by("tag")
    )
    for instrument in register:
        instrument.standing_text = Standing(instrument.standing).label
    calibrations = list(
        access.restrict(
            Calibration.objects.filter(status="completed", calibrated_on__range=(date_from, date_to)), user
        )
        .select_related("instrument", "lab", "performed_by")
        .prefetch_related(
            Prefetch("certificates", queryset=CalibrationCertificate.objects.order_by("pk")),
            "standards__standard",
        )
        .order_by("calibrated_on", "pk")
    )
    assessments = access.restrict(ImpactAssessment.objects.filter(created_at__date__lte=date_to), user)
    open_at_end = list(
        assessments.filter(Q(closed_at__isnull=True) | Q(closed_at__date__gt=date_to))
        .select_related("instrument", "standard")
        .order_by("created_at")
    )
    suspect = list(
        assessments.filter(cause="suspect", created_at__date__gte=date_from)
        .select_related("instrument", "standard", "origin")
        .order_by("standard__tag", "instrument__tag")
    )
    return {
        "register": register,
        "calibrations": calibrations,
        "open_assessments": open_at_end,
        "suspect": suspect,
        "date_to": date_to,
    }


def build_maintenance(*, user: User, date_from: dt.date, date_to: dt.date) -> dict:
    done = list(
        access.restrict(MaintenanceEvent.objects.filter(done_on__range=(date_from, date_to)), user)
        .select_related("machine", "plan", "done_by")
        .order_by("done_on", "pk")
    )
    postponed = list(
        access.restrict(Postponement.objects.filter(requested_on__range=(date_from, date_to)), user)
        .select_related("plan__machine", "requested_by", "decided_by")
        .order_by("requested_on", "pk")
    )
    overdue = list(
        access.restrict(MaintenancePlan.objects.filter(status="active", next_due__lt=date_to), user)
        .select_related("machine", "responsible")
        .order_by("next_due")
    )
    return {"done": done, "postponed": postponed, "overdue": overdue, "date_to": date_to}


SECTIONS = [
    AuditSection(
        key="calibration",
        title="Monitoring and measuring resources (calibration)",
        clause="7.1.5",
        template="calibration/audit_instruments.html",
        build=build_instruments,
        models=("calibration.instrument", "calibration.impactassessment"),
    ),
    AuditSection(
        key="maintenance",
        title="Infrastructure: preventive maintenance",
        clause="7.1.3",
        template="calibration/audit_maintenance.html",
        build=build_maintenance,
        models=("calibration.machine",),
    ),
]
