"""Route-walk builders of the kernel example: a widget with one part, and the part with one file."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.uploads import image_bytes
from tests.walker import builder

PNG = image_bytes("PNG")  # an image that decodes: the file store parses what it accepts


@builder("kernelapp.widget")
def build_widget(owner, department) -> dict:
    from qms.services import child_add
    from tests.factories import WidgetFactory
    from tests.kernelapp.models import PartFile, WidgetPart

    widget = WidgetFactory(owner=owner, department=department)
    due = timezone.localdate() + dt.timedelta(days=7)
    part = child_add(model=WidgetPart, by=owner, widget=widget, name="Bracket", owner=owner, due_date=due)
    photo = child_add(model=PartFile, by=owner, part=part, file=SimpleUploadedFile("bracket.png", PNG))
    return {"pk": widget.pk, "widgetpart_pk": part.pk, "partfile_pk": photo.pk, "_record": widget}


@builder("kernelapp.partfile")
def build_part_file(owner, department) -> dict:
    kwargs = build_widget(owner, department)
    return {"pk": kwargs["partfile_pk"], "_record": kwargs["_record"]}
