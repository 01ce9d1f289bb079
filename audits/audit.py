"""The audit pack's sections of this module: internal audits (9.2) planned or done in the period,
with their scope, team, checklist results and findings and what those raised; and the risk
register (6.1) with each risk's assessments. As the user may see them, in a constant number of
queries."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, Q

from qms import access
from qms.auditpack import AuditSection, history_of

from .models import Audit, Finding, Risk, RiskAssessment, threshold
from .selectors import raised_for


def audits_section(*, user, date_from: dt.date, date_to: dt.date) -> dict:
    in_period = Q(due_date__range=(date_from, date_to)) | Q(reported_on__range=(date_from, date_to))
    findings = access.restrict(Finding.objects.all(), user).select_related("owner", "department")
    audits = list(
        access.restrict(Audit.objects.filter(in_period), user)
        .select_related("owner", "process", "programme")
        .prefetch_related(
            "audited_departments",
            "team",
            "items",
            Prefetch("findings", queryset=findings.order_by("clause", "reference")),
        )
        .order_by("due_date", "reference")
    )
    all_findings = [f for a in audits for f in a.findings.all()]
    raised = raised_for(all_findings, user)
    history = history_of(audits, user)
    rows = []
    for audit in audits:
        items = list(audit.items.all())
        rows.append(
            {
                "audit": audit,
                "departments": list(audit.audited_departments.all()),
                "team": list(audit.team.all()),
                "answered": {
                    a: sum(1 for i in items if i.answer == a) for a in ("conforming", "finding", "na")
                },
                "findings": [(f, raised.get(f.pk, [])) for f in audit.findings.all()],
                "history": [
                    h for h in history.get(audit.pk, []) if date_from <= h.history_date.date() <= date_to
                ],
            }
        )
    return {"audits": rows}


def risks_section(*, user, date_from: dt.date, date_to: dt.date) -> dict:
    assessments = RiskAssessment.objects.filter(assessed_on__lte=date_to).select_related("assessed_by")
    risks = list(
        access.restrict(Risk.objects.filter(created_at__date__lte=date_to), user)
        .filter(Q(status="active") | Q(updated_at__date__gte=date_from))
        .select_related("owner", "process")
        .prefetch_related(Prefetch("assessments", queryset=assessments.order_by("assessed_on", "pk")))
        .order_by("-score", "reference")
    )
    return {"risks": risks, "threshold": threshold()}


SECTIONS = [
    AuditSection(
        "audits",
        "Internal audits",
        "9.2",
        "audits/audit_audits.html",
        audits_section,
        models=("audits.programme", "audits.audit", "audits.finding"),
    ),
    # The evidence freshness of 6.1: the risks and their proposals, not the audits' findings.
    AuditSection(
        "risks",
        "Risks and opportunities",
        "6.1",
        "audits/audit_risks.html",
        risks_section,
        models=("audits.risk", "audits.proposal"),
    ),
]
