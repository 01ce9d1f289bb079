from django.apps import AppConfig


class KernelAppConfig(AppConfig):
    """A module that exists only in tests (declared in module.py, like every module)."""

    name = "tests.kernelapp"
    label = "kernelapp"
    verbose_name = "Widgets"
