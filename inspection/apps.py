from django.apps import AppConfig


class InspectionConfig(AppConfig):
    name = "inspection"
    verbose_name = "Lots, inspection and release"
    default_auto_field = "django.db.models.BigAutoField"
