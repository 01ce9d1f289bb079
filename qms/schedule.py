"""What the beat runs when: every schedule in one place, in the company's time zone
(``CELERY_TIMEZONE``). The hours come from the settings (``ALERT_HOUR``, ``DIGEST_HOUR``,
``DIGEST_WEEKDAY``, ``BACKUP_HOUR`` when ``BACKUP_DIR`` is set)."""

from __future__ import annotations

from celery.schedules import crontab


def beat_schedule(*, alert_hour: int, digest_hour: int, digest_weekday: int, backup_hour: int | None) -> dict:
    schedule = {
        "due-date-alerts": {
            "task": "notifications.tasks.send_due_alerts",
            "schedule": crontab(minute=0, hour=alert_hour),
        },
        "escalations": {
            "task": "notifications.tasks.send_escalations",
            "schedule": crontab(minute=15, hour=alert_hour),
        },
        "weekly-digest": {
            "task": "notifications.tasks.send_weekly_digest",
            "schedule": crontab(minute=0, hour=digest_hour, day_of_week=digest_weekday),
        },
        # Retries after a refusal are queued by the tasks themselves; this sweep also picks up what a
        # lost message or a crash left pending.
        "deliveries-flush": {
            "task": "notifications.tasks.flush_deliveries",
            "schedule": crontab(minute="*/10"),
        },
        # Webhooks retry on their own; this sweep sends what a lost message or a dead worker left.
        "webhooks-flush": {
            "task": "notifications.tasks.flush_webhooks",
            "schedule": crontab(minute="*/5"),
        },
        # The same sweep for audit packs: a pack whose renderer died is rendered again, old ones expire.
        "audit-packs-sweep": {
            "task": "qms.tasks.sweep_audit_packs",
            "schedule": crontab(minute="*/10"),
        },
        "documents-make-effective": {
            "task": "documents.tasks.make_due_revisions_effective",
            "schedule": crontab(minute=5, hour="*"),
        },
        # Before the alerts: requalifications falling due become training needs, and the coverage of
        # the next four weeks is computed afresh (an absence or an expiry entered the window overnight).
        "training-daily": {
            "task": "training.tasks.daily",
            "schedule": crontab(minute=30, hour=max(alert_hour - 1, 0)),
        },
        # Before the alerts: a supplier whose required certificate expired becomes conditional.
        "suppliers-daily": {
            "task": "suppliers.tasks.daily",
            "schedule": crontab(minute=40, hour=max(alert_hour - 1, 0)),
        },
        # NCRs repeating in one department propose a risk to the register before the alerts go out.
        "audits-daily": {
            "task": "audits.tasks.daily",
            "schedule": crontab(minute=45, hour=max(alert_hour - 1, 0)),
        },
    }
    if backup_hour is not None:  # the daily backup, on only when BACKUP_DIR names a directory
        schedule["backup"] = {
            "task": "qms.tasks.backup_scheduled",
            "schedule": crontab(minute=30, hour=backup_hour),
        }
    return schedule
