"""The kernel's views every record shares: attachments, the one permission-checked download of
any stored file, comments and links."""

from __future__ import annotations

from django.apps import apps
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect

from .. import access, services
from ..files import logger as file_logger
from ..forms import AttachmentForm, CommentForm, LinkForm
from ..models import Record, RecordLink, StoredFile
from ..registry import find_by_reference, model_by_label
from .base import QMSView, add_errors, render_page
from .errors import NotFound


def record_or_404(request, label: str, pk: int) -> Record:
    model = model_by_label(label)
    if model is None:
        raise Http404("No such kind of record.")
    return get_object_or_404(access.restrict(model.objects.all(), request.user), pk=pk)


class AttachmentUploadView(QMSView):
    http_method_names = ["post"]

    def post(self, request, label, pk):
        record = record_or_404(request, label, pk)
        access.require_change(request.user, record)
        form = AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.attachment_add(
                    record=record,
                    upload=form.cleaned_data["file"],
                    by=request.user,
                    description=form.cleaned_data["description"],
                )
            except ValidationError as exc:
                form.add_error("file", exc)
        if not form.is_valid():
            return render_page(request, record, forms={"attachment_form": form, "active_tab": "attachments"})
        messages.success(request, "File attached.")
        return redirect(record.get_absolute_url() + "?tab=attachments")


def stored_file_model(label: str) -> type[StoredFile]:
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        raise Http404("No such kind of file.") from None
    if not issubclass(model, StoredFile) or not model.generic_download:
        raise Http404("No such kind of file.")
    return model


def serve_stored(request, stored: StoredFile) -> FileResponse:
    """Stream a stored file as a download with a safe name, after checking the user may see the
    record it belongs to (else a 404). The one way any file leaves the store."""
    record = stored.owning_record()
    if record is None or not access.can_view(request.user, record):
        raise Http404("No such file.")
    try:
        handle = stored.file.open("rb")
    except (FileNotFoundError, OSError):
        file_logger.error("%s %s: stored file %s is missing", stored._meta.label, stored.pk, stored.file.name)
        raise NotFound("The stored file is missing. Tell the quality manager.") from None
    response = FileResponse(
        handle, as_attachment=True, filename=stored.download_name(), content_type=stored.mime_type
    )
    for header, value in stored.download_headers().items():
        response[header] = value
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


class FileDownloadView(QMSView):
    """Any stored file, by kind and number: there is no public URL for any file."""

    model = StoredFile

    def get(self, request, label, pk):
        model = stored_file_model(label)
        return serve_stored(request, get_object_or_404(model._default_manager.all(), pk=pk))


class CommentCreateView(QMSView):
    http_method_names = ["post"]

    def post(self, request, label, pk):
        record = record_or_404(request, label, pk)
        form = CommentForm(request.POST)
        if form.is_valid():
            try:
                services.comment_add(record=record, by=request.user, text=form.cleaned_data["text"])
            except ValidationError as exc:
                add_errors(form, exc)
        if not form.is_valid():
            return render_page(request, record, forms={"comment_form": form, "active_tab": "comments"})
        messages.success(request, "Comment added.")
        return redirect(record.get_absolute_url() + "?tab=comments")


class LinkCreateView(QMSView):
    http_method_names = ["post"]

    def post(self, request, label, pk):
        record = record_or_404(request, label, pk)
        access.require_change(request.user, record)
        form = LinkForm(request.POST)
        if form.is_valid():
            target = find_by_reference(form.cleaned_data["target"])
            if target is None or not access.can_view(request.user, target):
                form.add_error("target", "No record with that reference that you can see.")
            else:
                try:
                    services.link_add(
                        source=record, target=target, by=request.user, note=form.cleaned_data["note"]
                    )
                except ValidationError as exc:
                    add_errors(form, exc)
        if not form.is_valid():
            return render_page(request, record, forms={"link_form": form, "active_tab": "links"})
        messages.success(request, "Link added.")
        return redirect(record.get_absolute_url() + "?tab=links")


class LinkDeleteView(QMSView):
    http_method_names = ["post"]

    def post(self, request, label, pk, link_pk):
        record = record_or_404(request, label, pk)
        ct = ContentType.objects.get_for_model(record)
        link = get_object_or_404(
            RecordLink.objects.filter(
                Q(source_type=ct, source_id=record.pk) | Q(target_type=ct, target_id=record.pk)
            ),
            pk=link_pk,
        )
        services.link_remove(link=link, record=record, by=request.user)
        messages.success(request, "Link removed.")
        return redirect(record.get_absolute_url() + "?tab=links")
