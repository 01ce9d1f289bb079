"""Due items of the calibration module for the kernel's registry (My work, the Overview, alerts,
escalations, the weekly digest): calibrations owed by the instrument's owner, a checked-out
gauge falling due owed by whoever holds it, impact assessments, maintenance plans owed by
their responsible person, and a postponement asked for, owed by the head of the machine's
department who decides it, by the day the maintenance was due."""

from django.db.models import Value
from django.db.models.functions import Concat

from qms.due_providers import ChildDueProvider, QuerysetDueProvider, RecordDueProvider

from .models import ImpactAssessment, Instrument, MaintenancePlan, Postponement

MODULE = "Calibration"
IDLE = ("retired", "lost", "out_of_service")  # no calibration is owed for these

PROVIDERS = [
    QuerysetDueProvider(
        module=MODULE,
        kind="Calibration",
        queryset=lambda: Instrument.objects.exclude(status__in=IDLE),
        url_name="calibration:instrument_detail",
        key_prefix="calibration.instrument",
        reference_field="tag",
    ),
    QuerysetDueProvider(
        module=MODULE,
        kind="Gauge you hold falls due",
        queryset=lambda: Instrument.objects.exclude(status__in=IDLE).filter(holder__isnull=False),
        url_name="calibration:instrument_detail",
        key_prefix="calibration.held",
        reference_field="tag",
        owner_field="holder_id",
    ),
    RecordDueProvider(ImpactAssessment, module=MODULE, kind="Out-of-tolerance impact assessment"),
    ChildDueProvider(MaintenancePlan, module=MODULE, kind="Preventive maintenance", title_field="name"),
    QuerysetDueProvider(
        module=MODULE,
        kind="Postponement to decide",
        queryset=lambda: Postponement.objects.filter(status="requested").annotate(
            asked=Concat("plan__name", Value(": postponement asked"))
        ),
        url_name=MaintenancePlan.page,
        url_fields=("plan__machine_id", "plan_id"),
        anchor=Postponement.anchor,
        key_prefix="calibration.postponement",
        reference_field="plan__machine__asset_number",
        title_field="asked",
        owner_field="plan__machine__department__head",
        due_field="original_due",
    ),
]
