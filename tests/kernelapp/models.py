from django.db import models

from qms.models import Record
from qms.workflow import Transition, Workflow


def _needs_description(record) -> str | None:
    return None if record.description.strip() else "Describe the widget before releasing it."


class Widget(Record):
    """A minimal record for testing the kernel."""

    reference_prefix = "WID"
    workflow = Workflow(
        statuses=[("draft", "Draft"), ("released", "Released"), ("closed", "Closed")],
        transitions=[
            Transition("release", "Release", ("draft",), "released", guards=(_needs_description,)),
            Transition("close", "Close", ("released",), "closed", allowed=frozenset({"head", "quality"})),
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
