"""The kernel example's one declaration: everything the kernel needs to know of it."""

from qms import gates, kpis
from qms.due import QuerysetDueProvider, RecordDueProvider
from qms.events import EventType
from qms.imports import Column, Importer, import_form
from qms.modules import Module, Searchable
from qms.raising import RaiseAction
from qms.whereused import Use

from . import services
from .forms import WidgetForm
from .models import Widget, WidgetPart


def _released(period, subject=None):
    found = Widget.objects.filter(released_at__date__range=(period.start, period.end))
    return found.filter(department=subject).count() if subject else found.count()


def _ready_gate(*, on, widget):
    return (
        []
        if widget.released_at and widget.released_at.date() <= on
        else [gates.Refusal(f"{widget} not released")]
    )


def _parts_done(widget, *, date_from, date_to, user):
    done = WidgetPart.history.filter(
        id__in=widget.parts.values("pk"), status="done", history_date__date__lte=date_to
    )
    return [
        Use(h.history_date.date(), "Part done", widget.reference, h.name, widget.get_absolute_url())
        for h in done
    ]


MODULE = Module(
    label="Widgets",
    url_name="kernelapp:widget_list",
    clause="8.5",
    url_prefix="kernel/",
    due=[
        RecordDueProvider(Widget, module="Kernel test", kind="Widget"),
        QuerysetDueProvider(
            module="Kernel test",
            kind="Widget part",
            queryset=lambda: WidgetPart.objects.filter(status="open"),
            url_name="kernelapp:widget_detail",
            key_prefix="kernelapp.part",
            reference_field="widget__reference",
            title_field="name",
            url_pk_field="widget_id",
        ),
    ],
    search=[Searchable(Widget)],
    declares=[gates.Gate("widget_released", "Was the widget released by that date?", ("widget",))],
    gates={"widget_released": _ready_gate},
    where_used={"kernelapp.widget": _parts_done},
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
        kpis.Measure("kernelapp.released", "Widgets released", "count", _released, subject="department")
    ],
    importers=[
        Importer(
            "kernelapp.widgets",
            "Widgets",
            Widget,
            columns=(
                Column("Title", "title"),
                Column("Description", "description", required=False),
                Column("Owner", "owner"),
                Column("Department", "department"),
                Column("Due", "due_date", required=False),
            ),
            form=import_form(WidgetForm),
            find=lambda data: Widget.objects.filter(title=data["title"]).first(),
            save=services.widget_import,
            done_url="/kernel/widgets/",
        )
    ],
    walk="tests.kernelapp.walk",
)
