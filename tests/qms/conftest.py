"""The kernel is tested on the widget module (tests/kernelapp): a widget owned by the head of
quality control, with one part assigned to a member of staff."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from qms.services import child_add
from tests.factories import WidgetFactory
from tests.kernelapp.models import PartFile, WidgetPart
from tests.kernelapp.walk import PNG

from .pack_workers import pack_workers  # noqa: F401 - real Celery workers for audit packs


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def png(name: str = "bracket.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG)


def part_url(part, action: str = "") -> str:
    return f"/kernel/widgets/{part.widget_id}/parts/{part.pk}/{action + '/' if action else ''}"


@pytest.fixture
def widget(head, dept):
    return WidgetFactory(owner=head, department=dept, title="Housing H-220", description="Milled from bar")


@pytest.fixture
def part(widget, head, staff):
    return child_add(model=WidgetPart, by=head, widget=widget, name="Bore", owner=staff, due_date=days(10))


@pytest.fixture
def part_file(part, head):
    return child_add(model=PartFile, by=head, part=part, file=png())
