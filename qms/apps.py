from django.apps import AppConfig


class QmsConfig(AppConfig):
    name = "qms"
    verbose_name = "QMS platform"
