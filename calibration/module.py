"""Calibration and equipment (ISO 9001 7.1.5, 7.1.3): the module's one declaration."""

from qms.events import EventType
from qms.modules import Module, Searchable
from qms.widgets import PickerSource

from . import services  # noqa: F401 - the workflow effects are registered there
from .audit import SECTIONS
from .demo import load
from .due import MODULE as LABEL
from .due import PROVIDERS
from .gates import ANSWERS
from .imports import IMPORTERS
from .kpis import MEASURES
from .models import ImpactAssessment, Instrument, Machine
from .services.impact import ITEM_DECIDED
from .services.instruments import INSTRUMENT_QUARANTINED
from .uses import calibrated_against

MODULE = Module(
    label=LABEL,
    url_name="calibration:instrument_list",
    tabs=[
        ("Instruments", "calibration:instrument_list"),
        ("Calibrations", "calibration:calibration_register"),
        ("Calibration suspect", "calibration:suspect_list"),
        ("Impact assessments", "calibration:impactassessment_list"),
        ("Machines", "calibration:machine_list"),
        ("Postponements", "calibration:postponement_register"),
        ("Charts", "calibration:overview"),
    ],
    clause="7.1.5",
    order=50,
    url_prefix="calibration/",
    # 4,000 instruments in a ten-year archive: an impact assessment's instrument is found by typing.
    pickers={
        Instrument: PickerSource(
            "Type a tag, serial number or name…",
            "Find an instrument",
            fields=("tag", "reference", "title", "serial_number", "location"),
        )
    },
    due=PROVIDERS,
    audit_sections=SECTIONS,
    measures=MEASURES,
    importers=IMPORTERS,
    search=[
        Searchable(Instrument, ("reference", "tag", "title", "serial_number"), "Instruments"),
        Searchable(ImpactAssessment, ("reference", "title"), "Impact assessments"),
        Searchable(Machine, ("reference", "asset_number", "title"), "Machines"),
    ],
    gates=ANSWERS,
    where_used={"calibration.instrument": calibrated_against},
    publishes=[
        EventType(
            "calibration.out_of_tolerance",
            "An instrument was found out of tolerance as found in a calibration.",
            ("instrument_id", "event_id"),
            records={"instrument_id": "calibration.instrument", "event_id": "calibration.calibration"},
        ),
        EventType(
            INSTRUMENT_QUARANTINED,
            "An instrument was quarantined: found out of tolerance, dropped, doubtful, or found "
            "again after it was lost. It may not be used until it is released.",
            ("instrument_id", "reason"),
            records={"instrument_id": "calibration.instrument"},
        ),
        EventType(
            ITEM_DECIDED,
            "What an out-of-tolerance impact assessment decided for an affected item (hold, "
            "re-inspect, recall, no impact, notify the customer), with what the item names "
            "(``named``: a lot, an inspection or a shipment, as assessments compare names).",
            ("item_id", "assessment_id", "decision", "named", "item", "reason"),
            records={"assessment_id": "calibration.impactassessment", "item_id": "calibration.affecteditem"},
        ),
    ],
    demo=load,
    walk="tests.calibration.walk",
)
