"""How the route walker fills URL kwargs: one builder per model a URL can point at.

A builder gets the owner and department a record must belong to and returns the URL kwargs that
address it and its children (``{"pk": …, "revision_pk": …}``). A URL whose view points at a model
without a builder makes the walker fail, so a new view is covered the day it exists.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.files.uploadedfile import SimpleUploadedFile

BUILDERS: dict[str, Callable] = {}


def builder(label: str):
    def register(fn):
        BUILDERS[label] = fn
        return fn

    return register


@builder("capa.nonconformity")
def build_ncr(owner, department) -> dict:
    from tests.capa.factories import NonconformityFactory

    ncr = NonconformityFactory(owner=owner, department=department)
    return {"pk": ncr.pk, "_record": ncr}


@builder("qms.attachment")
def build_attachment(owner, department) -> dict:
    from qms.services import attachment_add
    from tests.factories import WidgetFactory

    widget = WidgetFactory(owner=owner, department=department)
    from tests.uploads import pdf_bytes

    upload = SimpleUploadedFile("evidence.pdf", pdf_bytes())
    attachment = attachment_add(record=widget, upload=upload, by=owner)
    return {"pk": attachment.pk, "_record": widget}


@builder("qms.process")
def build_process(owner, department) -> dict:
    from qms.models import Process

    process = Process.objects.create(name=f"Process of {department}", department=department)
    return {"pk": process.pk}


@builder("qms.auditpack")
def build_audit_pack(owner, department) -> dict:
    """A ready audit pack asked for by the owner, with its file in the store."""
    from tests.qms.packs import ready_pack

    pack = ready_pack(owner)
    return {"pk": pack.pk}


# Further builders are registered by the walk modules each module declares (``Module.walk``).
def load_all() -> None:
    import importlib

    from qms.modules import installed

    for entry in installed():
        if entry.module.walk:
            importlib.import_module(entry.module.walk)
