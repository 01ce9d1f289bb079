"""The widget module's one declaration: everything the kernel needs to know of it."""

import datetime as dt

from django.urls import reverse

from qms import gates, kpis
from qms.access import restrict
from qms.auditpack import AuditSection, history_of
from qms.due_providers import ChildDueProvider, RecordDueProvider
from qms.events import EventType
from qms.imports import Column, Importer, import_form
from qms.modules import Module, Searchable
from qms.raising import RaiseAction
from qms.services import child_add, record_create
from qms.whereused import Use

from . import services
from .forms import WidgetForm
from .models import Widget, WidgetPart


def released(period: kpis.Period, subject=None) -> int:
    """KPI: widgets released in the period (by one department, given one)."""
    found = Widget.objects.filter(released_at__date__range=(period.start, period.end))
    return found.filter(department=subject).count() if subject else found.count()


def released_by(*, on: dt.date, widget: Widget) -> list[gates.Refusal]:
    """Gate: was the widget released by that date?"""
    if widget.released_at and widget.released_at.date() <= on:
        return []
    return [
        gates.Refusal(f"{widget.reference} was not released by {on:%-d %b %Y}.", widget.get_absolute_url())
    ]


def parts_done(widget: Widget, *, date_from, date_to, user) -> list[Use]:
    """Where-used: the parts of the widget finished in the period, as far as the user may see."""
    parts = restrict(widget.parts.filter(done_on__range=(date_from or dt.date.min, date_to)), user)
    return [Use(p.done_on, "Part done", widget.reference, p.name, p.get_absolute_url(), p) for p in parts]


def audit_section(*, user, date_from, date_to) -> dict:
    """The widgets created in the period, with their history, as the user may see them."""
    widgets = restrict(Widget.objects.filter(created_at__date__range=(date_from, date_to)), user)
    widgets = list(widgets.select_related("owner", "department"))
    history = history_of(widgets, user)
    return {"widgets": [(w, history.get(w.pk, [])) for w in widgets]}


def demo(company) -> None:
    """Two widgets in quality control, one with a part due in five days."""
    head, qc = company.heads["QC"], company.departments["QC"]
    widget = record_create(model=Widget, by=head, title="Housing H-220", owner=head, department=qc)
    record_create(model=Widget, by=head, title="Cover C-10", description="Milled", owner=head, department=qc)
    child_add(model=WidgetPart, by=head, widget=widget, name="Bore", owner=head, due_date=company.days(5))


MODULE = Module(
    label="Widgets",
    url_name="kernelapp:widget_list",
    clause="8.5",
    url_prefix="kernel/",
    due=[
        RecordDueProvider(Widget, module="Widgets"),
        ChildDueProvider(WidgetPart, module="Widgets", title_field="name"),
    ],
    audit_sections=[AuditSection("widgets", "Widgets", "8.5", "kernelapp/audit_section.html", audit_section)],
    demo=demo,
    search=[Searchable(Widget, ("reference", "title", "description"))],
    declares=[gates.Gate("widget_released", "Was the widget released by that date?", ("widget",))],
    gates={"widget_released": released_by},
    where_used={"kernelapp.widget": parts_done},
    publishes=[EventType("kernelapp.widget_released", "A widget was released.", ("widget_id",))],
    subscribes={"kernelapp.widget_released": [services.inspection_part_add]},
    raise_actions=[
        RaiseAction(
            "kernelapp.follow_up",
            "Raise a follow-up widget",
            "kernelapp:widget_create",
            Widget,
            lambda w: {"title": f"Follow-up of {w.reference}", "department": w.department_id},
            sources=("kernelapp.widget",),
        )
    ],
    measures=[
        kpis.Measure(
            "kernelapp.released",
            "Widgets released",
            "count",
            released,
            subject="department",
            url=lambda period, subject=None: reverse("kernelapp:widget_list") + "?status=released",
        )
    ],
    importers=[
        Importer(
            "kernelapp.widgets",
            "Widgets",
            Widget,
            columns=(
                Column("Title", "title"),
                Column("Description", "description", required=False),
                Column("Owner", "owner", help="username"),
                Column("Department", "department", help="code or name"),
                Column("Due", "due_date", required=False, help="2026-05-31"),
            ),
            form=import_form(WidgetForm),
            find=lambda data: Widget.objects.filter(title=data["title"]).first(),
            save=services.widget_import,
            done_url="/kernel/widgets/",
        )
    ],
    walk="tests.kernelapp.walk",
)
