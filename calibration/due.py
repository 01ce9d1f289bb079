"""Due items of the calibration module for the kernel's registry (My work, the Overview, alerts,
escalations, the weekly digest): calibrations owed by the instrument's owner, a checked-out
gauge falling due owed by whoever holds it, impact assessments, and maintenance plans owed by
their responsible person."""

from qms.due_providers import ChildDueProvider, QuerysetDueProvider, RecordDueProvider

from .models import ImpactAssessment, Instrument, MaintenancePlan

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
]
