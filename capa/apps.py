from django.apps import AppConfig


class CapaConfig(AppConfig):
    name = "capa"
    verbose_name = "CAPA and nonconformities"

    def ready(self) -> None:
        from qms.due import RecordDueProvider, registry
        from qms.registry import register_module

        from .models import Nonconformity

        register_module("NCR & CAPA", "capa:nonconformity_list", order=20, clause="10.2")
        registry.register(RecordDueProvider(Nonconformity, module="CAPA", kind="NCR"))
