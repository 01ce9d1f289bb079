"""Forms of the kernel example that only the kernel's tests need (tests/qms/test_form_pages.py):
a form that is a page of its own, and a form about a row that has no page of its own. Kept apart so
the example module stays the short how-to docs/kernel.md quotes."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction

from qms import access, history
from qms.forms import ChildForm
from qms.models import User
from qms.services import record_update
from qms.views import form_urlpatterns

from .models import PartFile, Widget


class RenameForm(ChildForm):
    title = forms.CharField(max_length=200)


class FileRenameForm(ChildForm):
    name = forms.CharField(max_length=100)


@transaction.atomic
def widget_rename(*, widget: Widget, by: User, title: str) -> Widget:
    if title.strip() == widget.title:
        raise ValidationError({"title": "That is its name already."})
    return record_update(record=widget, by=by, reason="Renamed", title=title.strip())


@transaction.atomic
def file_rename(*, partfile: PartFile, by: User, name: str) -> PartFile:
    access.require_change(by, partfile)
    if len(name.strip()) < 2:
        raise ValidationError({"name": "A file needs a name of two letters or more."})
    partfile.original_name = name.strip()
    history.save(partfile, by=by, reason="File renamed")
    return partfile


def urlpatterns() -> list:
    """Declared after the example's own URLs (their pages come first)."""
    return [
        *form_urlpatterns(Widget, name="rename", form=RenameForm, service=widget_rename, page=True),
        *form_urlpatterns(
            PartFile, name="rename", form=FileRenameForm, service=file_rename, success="Renamed."
        ),
    ]
