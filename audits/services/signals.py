"""Live signals that move the risk register: subscribers of other modules' events (and of the
kernel's ``record.transition``), and a daily look for NCRs repeating in one department. Each
proposes a link to the risks already linked to what the signal is about, or a new risk; the
risk's owner decides. Every subscriber reads ids, looks the rows up again, and is safe to run
twice (a source proposes to a risk once)."""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from qms.models import Department, Process
from qms.registry import model_by_label

from ..models import Proposal, Risk
from .risks import linked_risks, propose

RISK_REFERENCE = re.compile(r"\bRISK-\d{4}-\d{4,}\b", re.IGNORECASE)


def _found(label: str, pk):
    model = model_by_label(label)
    if model is None or pk is None:
        return None
    return model._default_manager.filter(pk=pk).first()


def _name(obj, fallback: str) -> str:
    if obj is None:
        return fallback
    return str(
        getattr(obj, "display_reference", "")
        and f"{obj.display_reference} {getattr(obj, 'title', '')}".strip()
        or obj
    )


def _only_process(department_id: int | None) -> Process | None:
    """The department's process when it runs exactly one (an NCR names a department, not a process)."""
    found = list(Process.objects.filter(department_id=department_id, active=True)[:2])
    return found[0] if len(found) == 1 else None


def from_capa(*, capa_id: int, note: str = "", **extra) -> None:
    """``capa.risks_affected``: a CAPA closed saying risks and opportunities must be updated
    (ISO 9001 10.2.1 e). The risks it names by reference get a proposal each; none named: a new
    risk."""
    capa = _found("capa.capa", capa_id)
    if capa is None:
        return
    named = {m.upper() for m in RISK_REFERENCE.findall(note or "")}
    risks = list(
        Risk.objects.filter(reference__in=named, status="active").select_related("owner", "department")
    )
    risks += [r for r in linked_risks("capa.capa", capa_id) if r not in risks]
    propose(
        kind=Proposal.Kind.CAPA,
        title=f"{capa.reference}: {capa.title}",
        text=(note or "").strip()
        or f"{capa.reference} was closed saying risks and opportunities must be updated.",
        source_label="capa.capa",
        source_id=capa_id,
        source_reference=capa.reference,
        risks=risks,
        process=_only_process(capa.department_id),
    )


def from_supplier_change(*, change_id: int, supplier_id: int, **extra) -> None:
    """``suppliers.change_opened``: a supplier notified a change (material, process, site). The
    risks linked to the supplier get a proposal; none: a new risk."""
    change = next(
        (
            c
            for c in (_found(label, change_id) for label in ("suppliers.change", "suppliers.supplierchange"))
            if c
        ),
        None,
    )
    supplier = _found("suppliers.supplier", supplier_id)
    what = _name(supplier, f"supplier #{supplier_id}")
    propose(
        kind=Proposal.Kind.SUPPLIER_CHANGE,
        title=f"Change notified by {what}",
        text=(
            f"{_name(change, f'Change #{change_id}')} was opened for {what}: evaluate what it touches (8.4)."
        ),
        source_label=change._meta.label_lower if change is not None else "suppliers.supplier",
        source_id=change_id if change is not None else supplier_id,
        source_reference=getattr(change, "reference", "") or f"change #{change_id}",
        risks=linked_risks("suppliers.supplier", supplier_id),
    )


def from_out_of_tolerance(*, instrument_id: int, event_id: int, **extra) -> None:
    """``calibration.out_of_tolerance``: a gauge was found out of tolerance. The risks linked to
    the instrument get a proposal; none: a new risk."""
    instrument = _found("calibration.instrument", instrument_id)
    what = _name(instrument, f"instrument #{instrument_id}")
    propose(
        kind=Proposal.Kind.OUT_OF_TOLERANCE,
        title=f"Out of tolerance: {what}",
        text=(
            f"Calibration event #{event_id} found {what} out of tolerance: what was measured with it "
            "since its last good calibration is in doubt (7.1.5)."
        ),
        source_label="calibration.instrument",
        source_id=instrument_id,
        source_reference=getattr(instrument, "reference", "") or f"instrument #{instrument_id}",
        risks=linked_risks("calibration.instrument", instrument_id),
        process=_only_process(getattr(instrument, "department_id", None)) if instrument is not None else None,
    )


def from_coverage_alarm(*, competence_id: int, **extra) -> None:
    """``training.coverage_alarm``: too few qualified people for a competence in the next weeks (the
    sole qualified person in heat treatment off sick). The risks linked to the competence get a
    proposal; none: a new risk of the competence's process."""
    competence = _found("training.competence", competence_id)
    if competence is None:
        return
    alarm = competence.alarms.filter(status="open").order_by("-pk").first()
    if alarm is None:  # raised and cleared again before this delivery (a catalogue loaded at once)
        return
    text = alarm.title or f"Too few people qualified in {competence.title}."
    propose(
        kind=Proposal.Kind.COVERAGE,
        title=f"Coverage: {competence.title}",
        text=f"{text} A process that depends on one person stops when they are away (7.2).",
        source_label="training.competence",
        source_id=competence_id,
        source_reference=competence.reference,
        risks=linked_risks("training.competence", competence_id),
        process=competence.process,
    )


def repeated_ncrs(*, today: dt.date | None = None, department_ids=None) -> int:
    """NCRs repeating in one department: ``AUDIT_NCR_REPEAT`` (3) or more raised within
    ``AUDIT_NCR_DAYS`` (90) days propose a risk — to the risks linked to those NCRs, or a new one of
    the department's process. The latest NCR is the source, so the same run twice proposes once.
    Returns the proposals made."""
    from capa.models import Nonconformity

    today = today or timezone.localdate()
    since = today - dt.timedelta(days=getattr(settings, "AUDIT_NCR_DAYS", 90))
    least = getattr(settings, "AUDIT_NCR_REPEAT", 3)
    recent = Nonconformity.objects.filter(created_at__date__range=(since, today))
    if department_ids is not None:
        recent = recent.filter(department_id__in=list(department_ids))
    counts = recent.values("department_id").annotate(n=Count("pk")).filter(n__gte=least)
    made = 0
    for row in counts:
        ncrs = list(recent.filter(department_id=row["department_id"]).order_by("-created_at", "-pk"))
        latest = ncrs[0]
        department = Department.objects.get(pk=row["department_id"])
        risks: list[Risk] = []
        for ncr in ncrs:
            risks += [r for r in linked_risks("capa.nonconformity", ncr.pk) if r not in risks]
        made += len(
            propose(
                kind=Proposal.Kind.REPEATED_NCR,
                title=f"{len(ncrs)} NCRs in {department.name} within {(today - since).days} days",
                text="Repeated nonconformities: " + ", ".join(f"{n.reference} {n.title}" for n in ncrs[:8]),
                source_label="capa.nonconformity",
                source_id=latest.pk,
                source_reference=latest.reference,
                risks=risks,
                process=_only_process(department.pk),
            )
        )
    return made


def from_record_transition(*, model: str, pk: int, transition: str, status: str, by_id=None, **extra) -> None:
    """``record.transition``: an NCR moved (it was dispositioned): look for repeats in its department
    at once rather than at night. A CAPA or NCR closing may close the findings it was raised from."""
    from .audits import findings_close_for

    findings_close_for(model=model, pk=pk, transition=transition, status=status)
    if model == "capa.nonconformity":
        ncr = _found(model, pk)
        if ncr is not None:
            repeated_ncrs(department_ids=[ncr.department_id])
