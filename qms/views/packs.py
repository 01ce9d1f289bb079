"""Audit packs: ask for one (auditors too: ``access.AUDITOR_MAY_POST``), watch the worker render it,
take it away through a logged download."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from .. import auditpack
from ..accesslog import client_ip
from ..files import file_digest
from ..forms import AuditPackForm
from ..models import AuditPack, Role
from ..rules import period_length
from ..services import auditpacks as services
from .base import QMSView, add_errors
from .errors import NotFound

RECENT = 20


def _choices() -> list[tuple[str, str]]:
    return [(s.key, f"{s.title} (ISO 9001 {s.clause})") for s in auditpack.sections()]


class AuditPackView(QMSView):
    """Choose sections and a period; the pack is rendered by a worker and appears in the list."""

    def get(self, request):
        today = timezone.localdate()
        form = AuditPackForm(
            initial={
                "sections": [s.key for s in auditpack.sections()],
                "date_from": today.replace(year=today.year - 1) + dt.timedelta(days=1),
                "date_to": today,
            },
            choices=_choices(),
        )
        return self.page(request, form)

    def post(self, request):
        form = AuditPackForm(request.POST, choices=_choices())
        if form.is_valid():
            data = form.cleaned_data
            try:
                pack = services.audit_pack_request(
                    by=request.user,
                    keys=data["sections"],
                    date_from=data["date_from"],
                    date_to=data["date_to"],
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, f"Pack {pack.reference} is queued; this page shows its progress.")
                return redirect(pack.get_absolute_url())
        return self.page(request, form, status=400)

    def page(self, request, form, status: int = 200):
        user = request.user
        mine = list(AuditPack.objects.filter(requested_by=user)[:RECENT])
        everyone = None
        if user.role in (Role.QUALITY_MANAGER, Role.ADMINISTRATOR):
            everyone = list(AuditPack.objects.select_related("requested_by")[:RECENT])
        context = {
            "form": form,
            "packs": mine,
            "everyone": everyone,
            "retention_days": services.retention_days(),
            "max_period": period_length(services.max_days()),
        }
        return render(request, "qms/auditpack_form.html", context, status=status)


def pack_or_404(request, pk: int) -> AuditPack:
    pack = get_object_or_404(AuditPack.objects.select_related("requested_by"), pk=pk)
    if not services.may_see(request.user, pack):
        raise Http404("No such audit pack.")
    return pack


class AuditPackDetailView(QMSView):
    """A pack request: its progress while it renders, then its SHA-256, download and downloads."""

    model = AuditPack

    def get(self, request, pk):
        pack = pack_or_404(request, pk)
        titles = {s.key: f"{s.title} (ISO 9001 {s.clause})" for s in auditpack.sections()}
        context = {
            "pack": pack,
            "section_titles": [titles.get(k, k) for k in pack.sections],
            "downloads": list(pack.downloads.select_related("by")[:50]),
            "retention_days": services.retention_days(),
        }
        return render(request, "qms/auditpack_detail.html", context)


class AuditPackProgressView(QMSView):
    """The progress box, polled by the page (htmx) until the pack is ready or failed."""

    model = AuditPack

    def get(self, request, pk):
        return render(request, "qms/_auditpack_progress.html", {"pack": pack_or_404(request, pk)})


class AuditPackDownloadView(QMSView):
    """The pack's PDF, to whoever may see the request; each download is logged with the SHA-256
    of the bytes served."""

    model = AuditPack

    def get(self, request, pk):
        pack = pack_or_404(request, pk)
        stored = getattr(pack, "file", None) if pack.status == AuditPack.Status.READY else None
        if stored is None:
            raise NotFound("This pack has no file: it is not ready yet, it failed, or it expired.")
        digest = file_digest(stored)
        if digest == "missing":
            raise NotFound("The stored pack is missing. Tell the quality manager.")
        services.audit_pack_downloaded(
            pack=pack, by=request.user, sha256=digest, ip_address=client_ip(request)
        )
        response = FileResponse(
            stored.file.open("rb"),
            as_attachment=True,
            filename=stored.download_name(),
            content_type="application/pdf",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["X-Checksum-SHA256"] = digest
        return response
