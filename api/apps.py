from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The REST API (``/api/v1/``): the registers read through the screens' scope, the writes an
    ERP or MES needs through the screens' services, personal tokens and service accounts."""

    name = "api"
    verbose_name = "API"
    default_auto_field = "django.db.models.BigAutoField"
