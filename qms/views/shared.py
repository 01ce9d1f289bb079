"""The kernel's views every record shares: attachments, the one permission-checked download of
any stored file, comments and links."""

from __future__ import annotations

import io

from django.apps import apps
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from .. import access, services
from ..files import FileDamaged, StoreUnavailable, open_verified, served_copy
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
        access.require_attach(request.user, record)
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
                if getattr(exc, "code", None) == "closed":  # closed since the page opened: no form
                    messages.error(request, exc.message)
                    return redirect(record.get_absolute_url() + "?tab=attachments")
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


def serve_stored(request, stored: StoredFile) -> HttpResponse:
    """Stream a stored file as a download with a safe name, after checking the user may see the
    record it belongs to (else a 404) and that its bytes still match the SHA-256 recorded at
    upload. The one way any file leaves the store, whichever store it is (a local directory or
    an object store: never a public or signed URL)."""
    record = stored.owning_record()
    if record is None or not access.can_view(request.user, record):
        raise Http404("No such file.")
    copy = served_copy(stored, request)  # a controlled document's stamped copy, for one
    if copy is not None:
        response = FileResponse(
            io.BytesIO(copy.content), as_attachment=True, filename=copy.name, content_type=copy.mime_type
        )
        return _safe_download(response, stored)
    try:
        handle = open_verified(stored)
    except FileNotFoundError:
        file_logger.error("%s %s: stored file %s is missing", stored._meta.label, stored.pk, stored.file.name)
        raise NotFound("The stored file is missing. Tell the quality manager.") from None
    except FileDamaged:
        return file_refused(
            request,
            "The stored file no longer matches the fingerprint (SHA-256) taken when it was uploaded: "
            "it was changed or damaged in the file store, so it is not handed out. Tell the quality "
            "manager; it must be restored from a backup.",
            status=409,
        )
    except StoreUnavailable:
        response = file_refused(
            request,
            "The file store did not answer. Try again in a few minutes; if it keeps happening, tell "
            "the administrator.",
            status=503,
        )
        response["Retry-After"] = "60"
        return response
    response = FileResponse(
        handle, as_attachment=True, filename=stored.download_name(), content_type=stored.mime_type
    )
    return _safe_download(response, stored)


def _safe_download(response: FileResponse, stored: StoredFile) -> FileResponse:
    for header, value in stored.download_headers().items():
        response[header] = value
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def file_refused(request, message: str, *, status: int) -> HttpResponse:
    """A page in the site's layout saying why a file is not handed out."""
    return render(request, "qms/file_refused.html", {"message": message}, status=status)


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
