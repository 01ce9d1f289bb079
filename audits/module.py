"""Internal audits (ISO 9001 9.2) and risks and opportunities (6.1): the module's one declaration.
The register is fed by live signals: the events other modules publish (a CAPA affecting risks, a
supplier change, a coverage alarm, an out-of-tolerance gauge) and the kernel's own
``record.transition`` (NCRs repeating, a CAPA closing the findings it was raised from).
Subscribing to an event of a module not installed is harmless: it is simply never published."""

from qms.modules import Module, Searchable
from qms.raising import RaiseAction

from .audit import SECTIONS
from .demo import load
from .due import PROVIDERS
from .kpis import MEASURES
from .models import Audit, Finding, Risk
from .services import signals


def _capa_from_finding(finding) -> dict:
    import datetime as dt

    from django.utils import timezone

    return {
        "title": finding.title,
        "kind": "corrective",
        "source": "audit",
        "severity": "major" if finding.grade == Finding.Grade.MAJOR else "minor",
        "description": (
            f"Finding {finding.reference} of {finding.audit.reference} ({finding.get_grade_display()}, "
            f"clause {finding.clause}):\n{finding.evidence}"
        ),
        "department": finding.department_id,
        "owner": finding.owner_id,
        "due_date": timezone.localdate() + dt.timedelta(days=60),
    }


def _raise_actions() -> list[RaiseAction]:
    from capa.models import Capa

    return [
        RaiseAction(
            "audits.capa",
            "Raise a CAPA",
            "capa:capa_create",
            Capa,
            _capa_from_finding,
            sources=("audits.finding",),
            once=True,
        )
    ]


MODULE = Module(
    label="Audits & risks",
    url_name="audits:overview",
    tabs=[
        ("Overview", "audits:overview"),
        ("Programmes", "audits:programme_list"),
        ("Audits", "audits:audit_list"),
        ("Findings", "audits:finding_list"),
        ("Risk register", "audits:risk_list"),
        ("Proposals", "audits:proposal_list"),
    ],
    clause="9.2",
    order=80,
    url_prefix="audits/",
    due=PROVIDERS,
    audit_sections=SECTIONS,
    demo=load,
    search=[
        Searchable(Audit, ("reference", "title"), "Internal audits"),
        Searchable(Finding, ("reference", "title", "evidence"), "Audit findings"),
        Searchable(Risk, ("reference", "title", "description"), "Risks and opportunities"),
    ],
    subscribes={
        "capa.risks_affected": [signals.from_capa],
        "suppliers.change_opened": [signals.from_supplier_change],
        "calibration.out_of_tolerance": [signals.from_out_of_tolerance],
        "training.coverage_alarm": [signals.from_coverage_alarm],
        "record.transition": [signals.from_record_transition],
    },
    raise_actions=_raise_actions(),
    measures=MEASURES,
    walk="tests.audits.walk",
)
