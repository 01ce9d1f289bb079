"""The kernel's Celery tasks: thin, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from . import backup


@shared_task
def backup_scheduled() -> dict:
    """The daily backup (on when BACKUP_DIR is set; see qms/schedule.py)."""
    result = backup.backup_scheduled()
    if result is None:
        return {"backup": "off (BACKUP_DIR is not set)"}
    if result.problems:
        # A stored file that no longer matches its record is news for the administrator, not
        # something to retry: the archive holds what there is.
        backup.log.error("Backup %s: %s", result.path, "; ".join(result.problems))
    return {"archive": str(result.path), "files": result.files, "problems": len(result.problems)}


@shared_task
def render_audit_pack(pack_id: int) -> str:
    """Render one requested audit pack (queued on commit of the request; safe to run twice)."""
    from .services.auditpacks import audit_pack_render

    return audit_pack_render(pack_id=pack_id)


@shared_task
def sweep_audit_packs() -> dict:
    """Every ten minutes, with the email sweep: packs whose renderer died are rendered again, old
    packs expire (``qms.services.auditpacks.audit_packs_sweep``)."""
    from .services.auditpacks import audit_packs_sweep

    return audit_packs_sweep()
