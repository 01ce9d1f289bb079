"""Due items of NCRs and CAPAs for the kernel's registry ("My work", alerts, digests)."""

from qms.due_providers import QuerysetDueProvider, RecordDueProvider

from .models import OPEN_ACTION_STATUSES, Action, Capa, ContainmentAction, EffectivenessCheck, Nonconformity

PROVIDERS = [
    RecordDueProvider(Nonconformity, module="CAPA", kind="NCR"),
    RecordDueProvider(Capa, module="CAPA", kind="CAPA"),
    QuerysetDueProvider(
        module="CAPA",
        kind="CAPA action",
        # A CAPA closes only when no action is open (its close guard), so an open action's CAPA is
        # never closed: no join on the CAPA's status, and the open-actions index answers in order.
        queryset=lambda: Action.objects.filter(status__in=OPEN_ACTION_STATUSES),
        url_name="capa:capa_detail",
        key_prefix="capa.action",
        anchor=Action.anchor,
        reference_field="capa__reference",
        title_field="title",
        owner_field="owner_id",
        due_field="due_date",
        url_pk_field="capa_id",
    ),
    QuerysetDueProvider(
        module="CAPA",
        kind="Containment action",
        queryset=lambda: ContainmentAction.objects.filter(status=ContainmentAction.Status.OPEN).exclude(
            capa__status__in=Capa.workflow.closed
        ),
        url_name="capa:capa_detail",
        key_prefix="capa.containment",
        anchor=ContainmentAction.anchor,
        reference_field="capa__reference",
        title_field="description",
        owner_field="owner_id",
        due_field="due_date",
        url_pk_field="capa_id",
    ),
    QuerysetDueProvider(
        module="CAPA",
        kind="Effectiveness check",
        queryset=lambda: EffectivenessCheck.objects.filter(result=EffectivenessCheck.Result.PENDING),
        url_name="capa:capa_detail",
        key_prefix="capa.check",
        anchor=EffectivenessCheck.anchor,
        reference_field="capa__reference",
        title_field="capa__title",
        owner_field="verifier_id",
        due_field="planned_date",
        url_pk_field="capa_id",
    ),
]
