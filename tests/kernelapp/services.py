"""The widget module's writes. Parts and files are added, changed and removed by the kernel's
services (``child_add``, ``child_update``, ``child_remove``); these are the widget's own."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from qms import access, events, history
from qms.models import User
from qms.services import get_system_user, record_create, record_update, signature_sign

from .models import Widget, WidgetPart


@Widget.workflow.on("release")
def _released(widget: Widget, *, by: User, **kwargs) -> None:
    """Releasing stamps the time, and tells whoever subscribed (after the release commits)."""
    widget.released_at = timezone.now()
    events.publish("kernelapp.widget_released", widget_id=widget.pk)


@WidgetPart.workflow.on("finish")
def _finished(part: WidgetPart, **kwargs) -> None:
    """Finishing a part stamps the day: where-used reads it."""
    part.done_on = timezone.localdate()


@transaction.atomic
def widget_approve(*, widget: Widget, by: User, password: str) -> None:
    """Approve a widget with an electronic signature, void once its title or description changes."""
    access.require_change(by, widget)
    signature_sign(obj=widget, by=by, password=password, meaning="Approved")


def widget_import(data: dict, *, existing: Widget | None, by: User) -> Widget:
    """One row of a widget spreadsheet: a new widget, or the existing one brought up to date."""
    if existing is None:
        return record_create(model=Widget, by=by, reason="Imported", **data)
    return record_update(record=existing, by=by, reason="Imported", **data)


def inspection_part_add(*, widget_id: int) -> None:
    """Subscriber: a released widget gets a part "Inspect after release" for its owner, once."""
    widget = Widget.objects.get(pk=widget_id)
    if not widget.parts.filter(name="Inspect after release").exists():  # safe to run twice
        due = timezone.localdate() + dt.timedelta(days=7)
        part = WidgetPart(widget=widget, name="Inspect after release", owner=widget.owner, due_date=due)
        history.save(part, by=get_system_user(), reason="Released: inspect it", validate=True)
