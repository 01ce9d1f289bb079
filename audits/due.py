"""Due items of the audits module for the kernel's registry (My work, alerts, digest, escalation):
audits planned (owed by their lead auditor on the planned date), findings awaiting their response,
risks due for review, risk actions, and proposals waiting for a decision."""

from qms.due_providers import ChildDueProvider, QuerysetDueProvider, RecordDueProvider

from .models import Audit, Finding, Proposal, Risk, RiskAction

MODULE = "Internal audits and risks"

PROVIDERS = [
    QuerysetDueProvider(
        module=MODULE,
        kind="Internal audit",
        queryset=lambda: Audit.objects.filter(status="planned", due_date__isnull=False),
        url_name="audits:audit_detail",
        key_prefix="audits.audit",
    ),
    RecordDueProvider(Finding, module=MODULE, kind="Audit finding"),
    RecordDueProvider(Risk, module=MODULE, kind="Risk review"),
    ChildDueProvider(RiskAction, module=MODULE, kind="Risk action", title_field="title"),
    RecordDueProvider(Proposal, module=MODULE, kind="Risk proposal"),
]
