from django.apps import AppConfig


class QmsConfig(AppConfig):
    name = "qms"
    verbose_name = "QMS platform"

    def ready(self) -> None:
        # Every installed module declares itself in <app>/module.py; the kernel finds them here,
        # once every app's models are loaded.
        from . import accesslog
        from .modules import discover

        discover()
        accesslog.connect()
