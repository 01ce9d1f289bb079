from django.apps import AppConfig
from django.contrib.staticfiles import apps as staticfiles


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


class StaticFilesConfig(staticfiles.StaticFilesConfig):
    """The static files, less two bundles nothing of ours serves: ReDoc (the API's docs page is
    Swagger UI) and Django REST framework's browsable-API assets (the API renders JSON only).
    Together they were 6 MB of the 14 MB that ``collectstatic`` hashes and compresses."""

    default = False  # "qms" in INSTALLED_APPS still means QmsConfig
    ignore_patterns = [*staticfiles.StaticFilesConfig.ignore_patterns, "redoc", "rest_framework"]
