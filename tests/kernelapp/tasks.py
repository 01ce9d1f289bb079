"""A worker's job that ends in the file store, for the two-node test: the audit pack of the
widgets, rendered by whichever worker takes it and kept as an attachment of the widget (the
stand-in for the audit-pack worker: the point is where the bytes go, not who asked)."""

import datetime as dt

from celery import current_task, shared_task
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from qms.auditpack import pack_build
from qms.files import store_upload
from qms.models import Attachment, User
from tests.kernelapp.models import Widget


@shared_task
def widget_pack_store(widget_id: int, user_id: int) -> int:
    user = User.objects.get(pk=user_id)
    widget = Widget.objects.get(pk=widget_id)
    today = timezone.localdate()
    pdf, _ = pack_build(user=user, keys=["widgets"], date_from=today - dt.timedelta(days=30), date_to=today)
    with transaction.atomic():
        attachment = store_upload(
            Attachment(record=widget, description=f"Audit pack rendered by {current_task.request.hostname}"),
            SimpleUploadedFile("audit-pack.pdf", pdf),
            by=user,
        )
    return attachment.pk
