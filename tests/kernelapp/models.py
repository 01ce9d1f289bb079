"""The worked example of docs/kernel.md, and the module the kernel is tested on: a widget (a record)
with its parts (child rows), each part with its files (kept in the one file store)."""

from django.conf import settings
from django.db import models

from qms.models import ChildRecord, Process, Record, StoredFile
from qms.workflow import Transition, Workflow

HEADS, QUALITY = frozenset({"head", "quality"}), frozenset({"quality"})  # who may


def _described(widget) -> str | None:
    return None if widget.description.strip() else "Describe the widget before releasing it."


def _parts_finished(widget) -> str | None:
    part = widget.parts.filter(status="open").first()
    return f"Part “{part}” is still open: finish or cancel it first." if part else None


class Widget(Record):
    """A widget: released once described, approved with a signature, closed once its parts are done."""

    reference_prefix = "WID"  # WID-2026-0001
    create_roles = frozenset({"head", "quality", "steward"})
    workflow = Workflow(
        statuses=[("draft", "Draft"), ("released", "Released"), ("closed", "Closed")],
        transitions=[
            Transition("release", "Release", ("draft",), "released", guards=(_described,)),
            Transition("close", "Close", ("released",), "closed", HEADS, guards=(_parts_finished,)),
            Transition("reopen", "Reopen", ("closed",), "released", QUALITY, reason_required=True),
        ],
        initial="draft",
        closed=frozenset({"closed"}),
    )

    description = models.TextField(blank=True)
    process = models.ForeignKey(Process, null=True, blank=True, on_delete=models.PROTECT)
    released_at = models.DateTimeField(null=True, blank=True, editable=False)

    def signed_content(self) -> tuple:
        return (self.title, self.description)  # an approval is void once either changes


class WidgetPart(ChildRecord):
    """A part of a widget, assigned to someone with a due date: a due item of its own."""

    parent_field, assignee_field, due_field = "widget", "owner", "due_date"
    assignee_fields = ("note",)  # the progress the assignee reports
    anchor, page = "#parts", "kernelapp:part_detail"
    workflow = Workflow(
        statuses=[("open", "Open"), ("done", "Done"), ("cancelled", "Cancelled")],
        transitions=[
            Transition("finish", "Done", ("open",), "done", HEADS | {"owner", "assignee"}),
            Transition(
                "cancel", "Cancel", ("open",), "cancelled", reason_required=True, style="outline-danger"
            ),
        ],
        initial="open",
        closed=frozenset({"done", "cancelled"}),
    )

    widget = models.ForeignKey(Widget, on_delete=models.CASCADE, related_name="parts")
    name = models.CharField(max_length=100)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    critical = models.BooleanField("critical to quality", default=False)
    note = models.TextField("progress note", blank=True)
    status = models.CharField(max_length=20, choices=workflow.choices, default="open", editable=False)
    done_on = models.DateField(null=True, blank=True, editable=False)

    def __str__(self) -> str:
        return self.name

    def removal_refused(self) -> str | None:
        return None if self.widget.is_draft else "Parts of a released widget are cancelled, not removed."


class PartFile(StoredFile, ChildRecord):
    """A drawing or photo of a part, in the one file store; removed only while the widget is a draft."""

    parent_field, store_folder = "part", "widgets/"
    part = models.ForeignKey(WidgetPart, on_delete=models.CASCADE, related_name="files")

    def removal_refused(self) -> str | None:
        return None if self.root.is_draft else "Files of a released widget are kept."
