from django.apps import AppConfig


class CapaConfig(AppConfig):
    name = "capa"
    verbose_name = "CAPA and nonconformities"

    def ready(self) -> None:
        from qms.due import QuerysetDueProvider, RecordDueProvider, registry
        from qms.registry import register_module

        from .models import (
            OPEN_ACTION_STATUSES,
            Action,
            Capa,
            ContainmentAction,
            EffectivenessCheck,
            Nonconformity,
        )

        register_module("NCR & CAPA", "capa:capa_list", order=20, clause="10.2")
        registry.register(RecordDueProvider(Nonconformity, module="CAPA", kind="NCR"))
        registry.register(RecordDueProvider(Capa, module="CAPA", kind="CAPA"))
        registry.register(
            QuerysetDueProvider(
                module="CAPA",
                kind="CAPA action",
                queryset=lambda: Action.objects.filter(status__in=OPEN_ACTION_STATUSES).exclude(
                    capa__status__in=Capa.workflow.closed
                ),
                url_name="capa:capa_detail",
                key_prefix="capa.action",
                reference_field="capa__reference",
                title_field="title",
                owner_field="owner_id",
                department_field="capa__department_id",
                due_field="due_date",
                url_pk_field="capa_id",
            )
        )
        registry.register(
            QuerysetDueProvider(
                module="CAPA",
                kind="Containment action",
                queryset=lambda: ContainmentAction.objects.filter(
                    status=ContainmentAction.Status.OPEN
                ).exclude(capa__status__in=Capa.workflow.closed),
                url_name="capa:capa_detail",
                key_prefix="capa.containment",
                reference_field="capa__reference",
                title_field="description",
                owner_field="owner_id",
                department_field="capa__department_id",
                due_field="due_date",
                url_pk_field="capa_id",
            )
        )
        registry.register(
            QuerysetDueProvider(
                module="CAPA",
                kind="Effectiveness check",
                queryset=lambda: EffectivenessCheck.objects.filter(result=EffectivenessCheck.Result.PENDING),
                url_name="capa:capa_detail",
                key_prefix="capa.check",
                reference_field="capa__reference",
                title_field="capa__title",
                owner_field="verifier_id",
                department_field="capa__department_id",
                due_field="planned_date",
                url_pk_field="capa_id",
            )
        )
