"""Due items of the inspection module: open lots and inspections with a due date, owed by their
owner (through the kernel's registry: My work, alerts, the digest)."""

from qms.due_providers import RecordDueProvider

from .models import Inspection, ProductionLot

MODULE = "Inspection"

PROVIDERS = [
    RecordDueProvider(ProductionLot, module=MODULE),
    RecordDueProvider(Inspection, module=MODULE),
]
