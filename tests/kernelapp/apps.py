from django.apps import AppConfig


class KernelAppConfig(AppConfig):
    """A module that exists only in tests: the kernel's behaviour is tested on it, independent of
    any real module's business rules. It is also the proof that a module needs only a model, a
    form, a due-item provider and a few lines of URLs."""

    name = "tests.kernelapp"
    label = "kernelapp"

    def ready(self) -> None:
        from qms.due import RecordDueProvider, registry

        from .models import Widget

        registry.register(RecordDueProvider(Widget, module="Kernel test", kind="Widget"))
