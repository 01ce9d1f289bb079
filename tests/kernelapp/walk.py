"""Route-walk builder of the kernel example: a widget with one part."""

import datetime as dt

from django.utils import timezone

from tests.walker import builder


@builder("kernelapp.widget")
def build_widget(owner, department) -> dict:
    from tests.factories import WidgetFactory
    from tests.kernelapp import services

    widget = WidgetFactory(owner=owner, department=department)
    part = services.part_add(
        widget=widget,
        by=owner,
        name="Bracket",
        owner=owner,
        due_date=timezone.localdate() + dt.timedelta(days=7),
    )
    return {"pk": widget.pk, "widgetpart_pk": part.pk, "_record": widget}
