from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = "Document control"

    def ready(self) -> None:
        from qms.registry import register_module

        from . import due

        register_module("Documents", "documents:document_list", order=10, clause="7.5")
        due.register()
