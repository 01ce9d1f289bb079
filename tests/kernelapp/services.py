"""The kernel example's writes: each through the kernel's services, with history and rules."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from qms import access, events, history
from qms.models import Role, User
from qms.services import password_problem, record_create, record_update, signature_record

from .models import Widget, WidgetPart


@transaction.atomic
def part_add(*, widget: Widget, by: User, name: str, owner: User, due_date: dt.date) -> WidgetPart:
    """Add a part to a widget that the user may change."""
    access.require_change(by, widget)
    part = WidgetPart(widget=widget, name=name.strip(), owner=owner, due_date=due_date)
    history.save(part, by=by, reason="Part added", validate=True)
    return part


@transaction.atomic
def part_update(*, widgetpart: WidgetPart, by: User, name: str, owner: User, due_date: dt.date) -> WidgetPart:
    access.require_change(by, widgetpart)
    widgetpart.name, widgetpart.owner, widgetpart.due_date = name.strip(), owner, due_date
    history.save(widgetpart, by=by, reason="Part changed", validate=True)
    return widgetpart


@transaction.atomic
def widget_approve(*, widget: Widget, by: User, password: str) -> None:
    """Approve a widget with an electronic signature, void once its description changes."""
    access.require_change(by, widget)
    problem = password_problem(by, password)
    if problem:
        raise ValidationError({"password": problem})
    signature_record(obj=widget, by=by, meaning="Approved", content_hash=widget_hash(widget))


@transaction.atomic
def widget_rename(*, widget: Widget, by: User, title: str) -> Widget:
    if title.strip() == widget.title:
        raise ValidationError({"title": "That is its name already."})
    return record_update(record=widget, by=by, reason="Renamed", title=title.strip())


@transaction.atomic
def part_rename(*, widgetpart: WidgetPart, by: User, name: str) -> WidgetPart:
    access.require_change(by, widgetpart)
    if len(name.strip()) < 2:
        raise ValidationError({"name": "A part needs a name of two letters or more."})
    widgetpart.name = name.strip()
    history.save(widgetpart, by=by, reason="Part renamed")
    return widgetpart


def widget_import(data: dict, *, existing: Widget | None, by: User) -> Widget:
    """One row of a widget spreadsheet: a new widget, or the existing one brought up to date."""
    if existing is None:
        return record_create(model=Widget, by=by, reason="Imported", **data)
    return record_update(record=existing, by=by, reason="Imported", **data)


def widget_hash(widget: Widget) -> str:
    import hashlib

    return hashlib.sha256(f"{widget.title}\n{widget.description}".encode()).hexdigest()


@Widget.workflow.on("release")
def _stamp_release(widget: Widget, *, by: User, **kw) -> None:
    widget.released_at = timezone.now()
    events.publish("kernelapp.widget_released", widget_id=widget.pk)


def inspection_part_add(*, widget_id: int) -> None:
    """Subscriber: a released widget gets a part to inspect it, owned by its owner."""
    widget = Widget.objects.get(pk=widget_id)
    if not widget.parts.filter(name="Inspect after release").exists():
        system = User.objects.filter(role=Role.QUALITY_MANAGER).first() or widget.owner
        part = WidgetPart(
            widget=widget,
            name="Inspect after release",
            owner=widget.owner,
            due_date=timezone.localdate() + dt.timedelta(days=7),
        )
        history.save(part, by=system, reason="Released: inspect it")
