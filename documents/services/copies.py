"""Copies of revision files: every download of a revision's file is stamped with what it is
(controlled copy, superseded, draft) on every page, and logged in the print log. The stored
original is never changed; the quality manager and auditors may take it unstamped, labelled so."""

from __future__ import annotations

from django.utils import timezone

from qms.files import ServedCopy, read_stored, serves_copies
from qms.models import Role, User
from qms.pdf import stamp

from ..models import IssuedCopy, Revision, RevisionFile

UNCONTROLLED = "UNCONTROLLED WHEN PRINTED"
ORIGINAL = "UNSTAMPED ORIGINAL"


def may_take_original(user: User) -> bool:
    """The quality manager and auditors may download the file exactly as stored (to check its
    SHA-256); everyone else gets the stamped copy."""
    return user.role in (Role.QUALITY_MANAGER, Role.AUDITOR)


def stamp_text(revision: Revision, *, by: User, at) -> tuple[str, str, str]:
    """(kind, the line on every page, the words across every page) for a copy of ``revision``."""
    document = revision.document
    printed = f"printed by {by.get_full_name() or by.username} on {timezone.localtime(at):%-d %b %Y %H:%M %Z}"
    name = f"{document.number} rev {revision.label}"
    status = Revision.Status
    if revision.status == status.EFFECTIVE:
        effective = timezone.localtime(revision.effective_at).date() if revision.effective_at else None
        since = f", effective {effective:%-d %b %Y}" if effective else ""
        return IssuedCopy.Kind.CONTROLLED, f"CONTROLLED COPY — {name}{since}, {printed}", ""
    if revision.status in Revision.NOT_CURRENT:
        across = f"{revision.get_status_display().upper()} — NOT FOR USE"
        ended = timezone.localtime(revision.ended_at).date() if revision.ended_at else None
        replaced = f" by rev {revision.superseded_by.label}" if revision.superseded_by_id else ""
        when = f"{revision.get_status_display().lower()}{replaced} on {ended:%-d %b %Y}, " if ended else ""
        return IssuedCopy.Kind.SUPERSEDED, f"{across} — {name}, {when}{printed}", across
    approved = revision.status == status.APPROVED
    across = "APPROVED — NOT YET EFFECTIVE" if approved else "DRAFT — NOT APPROVED"
    return IssuedCopy.Kind.DRAFT, f"{across} — {name}, {printed}", across


@serves_copies(RevisionFile)
def revision_file_copy(stored: RevisionFile, request) -> ServedCopy | None:
    """The copy a download of a revision file gives, logged. None (the kernel then reports the
    missing file) when the stored bytes are gone."""
    user, at = request.user, timezone.now()
    revision = Revision.objects.select_related("document", "superseded_by").get(pk=stored.revision_id)
    stored.revision = revision
    data = read_stored(stored)
    if data is None:
        return None
    if request.GET.get("original") == "1" and may_take_original(user):
        kind, content, name = IssuedCopy.Kind.ORIGINAL, data, stored.download_name(ORIGINAL)
    else:
        kind, line, across = stamp_text(revision, by=user, at=at)
        content, name = None, stored.download_name()
        if stored.mime_type == "application/pdf":
            try:
                content = stamp(data, line=line, across=across)
            except ValueError:
                content = None  # a PDF no library can open to stamp: served as uncontrolled
        if content is None:
            kind, content, name = IssuedCopy.Kind.UNCONTROLLED, data, stored.download_name(UNCONTROLLED)
    IssuedCopy.objects.create(
        revision=revision,
        file=stored,
        file_name=stored.original_name,
        user=user,
        issued_at=at,
        kind=kind,
        revision_status=revision.status,
    )
    return ServedCopy(content=content, name=name, mime_type=stored.mime_type)


def issued_copies(revision: Revision, user: User) -> list[IssuedCopy] | None:
    """The print log of a revision for the quality manager and auditors (None for anyone else)."""
    if user.role not in (Role.QUALITY_MANAGER, Role.AUDITOR):
        return None
    copies = revision.issued_copies.select_related("user__department")
    return list(copies.order_by("-issued_at", "-pk")[:500])
