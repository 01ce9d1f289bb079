"""Audit pack requests: asked for on a page, rendered by a Celery worker, kept for the retention
period, taken away through a logged download.

The render is guarded the way the weekly digest is (``notifications.digest``): a worker takes the
request with one conditional UPDATE (queued → rendering, with a lease), renews the lease while it
renders (a heartbeat thread, and after every part), and records the result. A worker killed
mid-render (kill -9, the OOM killer) leaves the request "rendering" with a lease that runs out; the
sweep every ten minutes puts it back in the queue (``audit_packs_sweep``), instead of waiting for
the broker's hour-long visibility timeout.
A message the broker hands back later finds the request taken or done and does nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import tempfile
import threading
import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from .. import auditpack
from ..models import AuditPack, AuditPackDownload, AuditPackFile
from ..rules import check_period

if TYPE_CHECKING:
    from ..models import User

log = logging.getLogger("qms.auditpack")
S = AuditPack.Status


def lease_seconds() -> int:
    """How long a renderer holds a pack between two parts: longer than the slowest section."""
    return int(getattr(settings, "AUDIT_PACK_LEASE_SECONDS", 120))


def max_attempts() -> int:
    return int(getattr(settings, "AUDIT_PACK_MAX_ATTEMPTS", 3))


def max_days() -> int:
    return int(getattr(settings, "AUDIT_PACK_MAX_DAYS", 3 * 366))


def retention_days() -> int:
    return int(getattr(settings, "AUDIT_PACK_RETENTION_DAYS", 90))


def _lease() -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=lease_seconds())


def _queue(pack_id: int, *, countdown: float | None = None) -> None:
    """Queue the render once the request is committed (a worker must find the row)."""
    from ..tasks import render_audit_pack

    options: dict = {"countdown": countdown} if countdown else {}
    queue = getattr(settings, "AUDIT_PACK_QUEUE", "")
    if queue:  # packs may render on workers of their own, so a pack never holds up an email
        options["queue"] = queue
    transaction.on_commit(lambda: render_audit_pack.apply_async(args=[pack_id], **options))


@transaction.atomic
def audit_pack_request(*, by: User, keys: list[str], date_from: dt.date, date_to: dt.date) -> AuditPack:
    """Ask for a pack of the chosen sections and period, rendered by a worker as ``by`` may see it.
    Bookkeeping of a read, like a sign-in: auditors may ask too (see ``qms.access``). One pack per
    person renders at a time; the period is capped by ``AUDIT_PACK_MAX_DAYS``."""
    known = {s.key for s in auditpack.sections()}
    unknown = [k for k in keys if k not in known]
    if not keys or unknown:
        raise ValidationError({"sections": "Choose at least one of the sections offered."})
    check_period(date_from, date_to, max_days=max_days())
    today = timezone.localdate()
    if date_to > today:
        # The pack states registers, overdue items and standings "as of" its last day.
        ends = f"end the period today ({today:%-d %b %Y}) at the latest"
        raise ValidationError({"date_to": f"A pack shows what has happened: {ends}."})
    active = AuditPack.objects.filter(requested_by=by, status__in=AuditPack.ACTIVE).first()
    if active is not None:
        raise ValidationError(
            {"sections": f"Your pack {active.reference} is still being rendered: wait for it to finish."}
        )
    try:
        with transaction.atomic():
            pack = AuditPack.objects.create(
                requested_by=by,
                date_from=date_from,
                date_to=date_to,
                sections=[s.key for s in auditpack.sections() if s.key in keys],
                sections_total=len(set(keys)),
                queued_at=timezone.now(),
            )
    except IntegrityError:  # a second request at the same moment
        raise ValidationError(
            {"sections": "A pack of yours is already being rendered: wait for it to finish."}
        )
    _queue(pack.pk)
    return pack


def _take(pack_id: int) -> bool:
    """queued → rendering (or a dead renderer's pack taken over), in one conditional UPDATE: two
    workers never render the same pack, and a finished pack is never rendered again."""
    now = timezone.now()
    return bool(
        AuditPack.objects.filter(pk=pack_id)
        .filter(Q(status=S.QUEUED) | Q(status=S.RENDERING, lease_until__lt=now))
        .update(
            status=S.RENDERING,
            lease_until=_lease(),
            attempts=F("attempts") + 1,
            started_at=now,
            sections_done=0,
            pages=0,
            current="",
        )
    )


def audit_pack_render(*, pack_id: int) -> str:
    """Render a queued pack (the worker's task; safe to run twice): section by section into a
    temporary file, then into the file store with its SHA-256. An error fails the request with the
    error, or queues it again while attempts are left."""
    if not _take(pack_id):
        return "not taken"
    pack = AuditPack.objects.select_related("requested_by").get(pk=pack_id)

    def progress(done: int, total: int, pages: int, current: str) -> None:
        # Every part renews the lease; a lease lost to the sweep (this worker was too slow) stops
        # this render, so two renderers never both finish one pack.
        updated = AuditPack.objects.filter(pk=pack_id, status=S.RENDERING, attempts=pack.attempts).update(
            sections_done=done, sections_total=total, pages=pages, current=current[:200], lease_until=_lease()
        )
        if not updated:
            raise LeaseLost(pack.reference)

    heartbeat = Heartbeat(pack_id, pack.attempts)
    heartbeat.start()
    try:
        with tempfile.TemporaryFile(prefix="auditpack-") as out:
            pages, _ = auditpack.pack_render(
                user=pack.requested_by,
                keys=pack.sections,
                date_from=pack.date_from,
                date_to=pack.date_to,
                out=out,
                reference=pack.reference,
                progress=progress,
            )
            _store(pack, out, pages=pages)
    except LeaseLost:
        log.warning("Audit pack %s: lease lost to the sweep; leaving it to the next render", pack.reference)
        return "lease lost"
    except Exception as exc:  # noqa: BLE001 - the request must say what went wrong, never hang
        log.exception("Audit pack %s failed (attempt %s)", pack.reference, pack.attempts)
        _failed(pack, f"{type(exc).__name__}: {exc}")
        return "failed"
    finally:
        heartbeat.finish()
    return "ready"


class Heartbeat(threading.Thread):
    """Renews the renderer's lease every third of it while a section is laid out (one section may
    take longer than a lease), on a database connection of its own. It dies with its process, so a
    killed worker's lease still runs out."""

    def __init__(self, pack_id: int, attempts: int) -> None:
        super().__init__(name=f"auditpack-{pack_id}-lease", daemon=True)
        self.pack_id, self.attempts = pack_id, attempts
        self.stopped = threading.Event()

    def run(self) -> None:
        from django.db import connection

        try:
            while not self.stopped.wait(max(0.2, lease_seconds() / 3)):
                AuditPack.objects.filter(pk=self.pack_id, status=S.RENDERING, attempts=self.attempts).update(
                    lease_until=_lease()
                )
        except Exception:  # noqa: BLE001 - a missed renewal only lets the sweep take the pack over
            log.exception("Audit pack %s: renewing the lease failed", self.pack_id)
        finally:
            connection.close()

    def finish(self) -> None:
        self.stopped.set()
        self.join(timeout=10)


class LeaseLost(RuntimeError):
    """The sweep gave this render's pack to another worker."""


def _store(pack: AuditPack, out, *, pages: int) -> None:
    out.seek(0)
    digest = hashlib.sha256()
    size = 0
    for chunk in iter(lambda: out.read(1 << 20), b""):
        digest.update(chunk)
        size += len(chunk)
    out.seek(0)
    with transaction.atomic():
        locked = AuditPack.objects.select_for_update().get(pk=pack.pk)
        if locked.status != S.RENDERING or locked.attempts != pack.attempts:
            raise LeaseLost(pack.reference)
        stored = AuditPackFile(
            pack=locked,
            original_name=f"audit-pack-{pack.reference}.pdf",
            mime_type="application/pdf",
            size=size,
            sha256=digest.hexdigest(),
            uploaded_by=pack.requested_by,
        )
        stored.file.save(f"{uuid.uuid4().hex}.pdf", File(out), save=False)
        stored.save()
        AuditPack.objects.filter(pk=pack.pk).update(
            status=S.READY,
            sha256=stored.sha256,
            size=size,
            pages=pages,
            sections_done=F("sections_total"),
            current="",
            lease_until=None,
            finished_at=timezone.now(),
            error="",
        )


def _failed(pack: AuditPack, error: str) -> None:
    retry = pack.attempts < max_attempts()
    updated = AuditPack.objects.filter(pk=pack.pk, status=S.RENDERING, attempts=pack.attempts).update(
        status=S.QUEUED if retry else S.FAILED,
        error=error[:2000],
        lease_until=None,
        queued_at=timezone.now(),
        finished_at=None if retry else timezone.now(),
        current="",
    )
    if updated and retry:
        with transaction.atomic():
            _queue(pack.pk, countdown=10 * pack.attempts)


def audit_packs_sweep(*, now: dt.datetime | None = None) -> dict:
    """The sweep (every ten minutes, as the email sweep): a pack whose renderer died (its lease
    ran out) is queued again, or failed once it has used up its attempts; a queued pack whose
    message was lost is queued again; packs past the retention period are deleted."""
    now = now or timezone.now()
    requeued = failed = 0
    stale = AuditPack.objects.filter(status=S.RENDERING, lease_until__lt=now)
    for pack in list(stale.only("pk", "attempts")):
        if pack.attempts >= max_attempts():
            failed += AuditPack.objects.filter(pk=pack.pk, status=S.RENDERING, lease_until__lt=now).update(
                status=S.FAILED,
                lease_until=None,
                finished_at=now,
                current="",
                error=(
                    f"The renderer stopped {pack.attempts} times without finishing (killed, or out of "
                    "memory). Ask for fewer sections or a shorter period."
                ),
            )
            continue
        with transaction.atomic():
            taken = AuditPack.objects.filter(pk=pack.pk, status=S.RENDERING, lease_until__lt=now).update(
                status=S.QUEUED, lease_until=None, queued_at=now, current=""
            )
            if taken:
                requeued += 1
                _queue(pack.pk)
    # A queued pack nobody took for a lease's length: its message was lost (a broker restart).
    lost_before = now - dt.timedelta(seconds=lease_seconds())
    for pk in AuditPack.objects.filter(status=S.QUEUED, queued_at__lt=lost_before).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            if AuditPack.objects.filter(pk=pk, status=S.QUEUED, queued_at__lt=lost_before).update(
                queued_at=now
            ):
                requeued += 1
                _queue(pk)
    expired = audit_packs_expire(now=now)
    if requeued or failed or expired:
        log.info("Audit pack sweep: %s queued again, %s failed, %s expired", requeued, failed, expired)
    return {"requeued": requeued, "failed": failed, "expired": expired}


def audit_packs_expire(*, now: dt.datetime | None = None) -> int:
    """Delete the files of packs older than ``AUDIT_PACK_RETENTION_DAYS``. A pack is a generated
    copy of records kept elsewhere, not a record: the request stays, with its SHA-256."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=retention_days())
    expired = 0
    for stored in AuditPackFile.objects.filter(pack__requested_at__lt=cutoff).select_related("pack"):
        with transaction.atomic():
            name, storage = stored.file.name, stored.file.storage
            AuditPack.objects.filter(pk=stored.pack_id).update(status=S.EXPIRED, expired_at=now)
            stored.delete()
            transaction.on_commit(lambda name=name, storage=storage: storage.delete(name))
            expired += 1
    return expired


def audit_pack_downloaded(*, pack: AuditPack, by: User, sha256: str, ip_address: str | None) -> None:
    """The download log: who took the pack away, when, and the SHA-256 of what they got."""
    AuditPackDownload.objects.create(pack=pack, by=by, sha256=sha256, ip_address=ip_address)


def may_see(user: User, pack: AuditPack) -> bool:
    """The requester; and the quality manager and administrator, who see every record anyway and
    look after the system. Nobody else (a pack shows what its requester may see)."""
    from ..models import Role

    return pack.requested_by_id == user.pk or user.role in (Role.QUALITY_MANAGER, Role.ADMINISTRATOR)
