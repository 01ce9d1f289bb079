"""A minimal module that exists only in tests: the kernel is tested on it, independent of any real
module's rules, and it is the worked example of docs/kernel.md."""

from django.conf import settings
from django.db import models

from qms.models import ChildRecord, Process, Record
from qms.workflow import Transition, Workflow


def _needs_description(widget) -> str | None:
    return None if widget.description.strip() else "Describe the widget before releasing it."


def _no_open_part(widget) -> str | None:
    return "Finish or cancel every part first." if widget.parts.filter(status="open").exists() else None


class Widget(Record):
    """A widget: released once described and signed, closed once its parts are done."""

    reference_prefix = "WID"
    workflow = Workflow(
        statuses=[("draft", "Draft"), ("released", "Released"), ("closed", "Closed")],
        transitions=[
            Transition("release", "Release", ("draft",), "released", guards=(_needs_description,)),
            Transition(
                "close",
                "Close",
                ("released",),
                "closed",
                allowed=frozenset({"head", "quality"}),
                guards=(_no_open_part,),
            ),
            Transition(
                "reopen",
                "Reopen",
                ("closed",),
                "released",
                allowed=frozenset({"quality"}),
                reason_required=True,
            ),
        ],
        initial="draft",
        closed=frozenset({"closed"}),
    )

    description = models.TextField(blank=True)
    process = models.ForeignKey(Process, null=True, blank=True, on_delete=models.PROTECT)
    released_at = models.DateTimeField(null=True, blank=True, editable=False)


class WidgetPart(ChildRecord):
    """A part of a widget, assigned to someone with a due date: a due item of its own."""

    parent_field, assignee_field, due_field, anchor = "widget", "owner", "due_date", "#parts"
    workflow = Workflow(
        statuses=[("open", "Open"), ("done", "Done"), ("cancelled", "Cancelled")],
        transitions=[
            Transition(
                "finish",
                "Done",
                ("open",),
                "done",
                allowed=frozenset({"owner", "head", "quality", "assignee"}),
            ),
            Transition("cancel", "Cancel", ("open",), "cancelled", reason_required=True),
        ],
        initial="open",
        closed=frozenset({"done", "cancelled"}),
    )

    widget = models.ForeignKey(Widget, on_delete=models.CASCADE, related_name="parts")
    name = models.CharField(max_length=100)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    status = models.CharField(max_length=20, choices=workflow.choices, default="open", editable=False)

    def __str__(self) -> str:
        return self.name

    def removal_refused(self) -> str | None:
        return None if self.widget.is_draft else "Parts of a released widget are cancelled, not removed."
