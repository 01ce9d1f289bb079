"""Audit packs for tests: a ready one with a small PDF in the store."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.utils import timezone

from qms.models import AuditPack, AuditPackFile

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def ready_pack(user, *, content: bytes = PDF, **fields) -> AuditPack:
    today = timezone.localdate()
    digest = hashlib.sha256(content).hexdigest()
    pack = AuditPack.objects.create(
        requested_by=user,
        date_from=fields.pop("date_from", today.replace(day=1)),
        date_to=fields.pop("date_to", today),
        sections=fields.pop("sections", ["capa"]),
        status=AuditPack.Status.READY,
        sections_total=1,
        sections_done=1,
        pages=1,
        sha256=digest,
        size=len(content),
        finished_at=timezone.now(),
        **fields,
    )
    stored = AuditPackFile(
        pack=pack,
        original_name=f"audit-pack-{pack.reference}.pdf",
        mime_type="application/pdf",
        size=len(content),
        sha256=digest,
        uploaded_by=user,
    )
    stored.file.save("walked.pdf", ContentFile(content), save=False)
    stored.save()
    return pack
