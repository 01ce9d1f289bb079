"""NCR and CAPA (ISO 9001 10.2): the module's one declaration."""

from qms.events import EventType
from qms.modules import Module, Searchable
from qms.raising import RaiseAction
from qms.widgets import PickerSource

from .audit import SECTIONS
from .demo import load
from .due import PROVIDERS
from .forms import capa_initial, ncr_initial
from .gates import ANSWERS
from .kpis import MEASURES
from .models import Capa, Nonconformity
from .services.ncr import NCR_RAISED

MODULE = Module(
    label="NCR & CAPA",
    url_name="capa:capa_list",
    tabs=[
        ("NCR register", "capa:nonconformity_list"),
        ("CAPA register", "capa:capa_list"),
        ("Effectiveness checks", "capa:check_list"),
        ("Pareto & aging", "capa:analysis"),
    ],
    clause="10.2",
    order=20,
    # 100,000 NCRs in a ten-year archive: the NCRs a new CAPA is raised for are found by typing.
    pickers={
        Nonconformity: PickerSource(
            "Type an NCR number, part or lot…", "Find an NCR", fields=("reference", "title", "part", "lot")
        )
    },
    due=PROVIDERS,
    audit_sections=SECTIONS,
    # Nothing is released or shipped while an NCR on it waits for its disposition.
    gates=ANSWERS,
    demo=load,
    search=[
        Searchable(Nonconformity, ("reference", "title", "part", "lot"), "Nonconformities (NCR)"),
        Searchable(Capa, ("reference", "title", "customer_reference"), "CAPAs"),
    ],
    raise_actions=[
        # Anything can turn out to be a nonconformity: an audit finding, a gauge, a document.
        RaiseAction("capa.ncr", "Raise an NCR", "capa:nonconformity_create", Nonconformity, ncr_initial),
        RaiseAction(
            "capa.capa",
            "Raise a CAPA",
            "capa:capa_create",
            Capa,
            lambda ncr: capa_initial([ncr]),
            sources=("capa.nonconformity",),
            once=True,
            has_one=lambda ncr: ncr.capas.exists(),  # a CAPA that names it, raised from it or not
        ),
    ],
    # A CAPA closed saying risks and opportunities must be updated (10.2.1 e): the note names the
    # risks (by reference) or a new one; the risk register turns it into kernel links.
    publishes=[
        EventType(
            "capa.risks_affected",
            "A CAPA was closed saying risks and opportunities must be updated.",
            ("capa_id", "note"),
            records={"capa_id": "capa.capa"},
        ),
        EventType(
            NCR_RAISED,
            "A nonconformance report (NCR) was raised, from any module or from outside.",
            ("nonconformity_id",),
            records={"nonconformity_id": "capa.nonconformity"},
        ),
    ],
    measures=MEASURES,
    walk="tests.capa.walk",
)
