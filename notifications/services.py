"""What the product owes people by email, worked out from the due-item registry: due-date alerts,
the escalation ladder for overdue items (``alerts.py``), and the weekly digest (``digest.py``).
Each builds drafts, claims them (see ``delivery.py``) and sends what was claimed; running any of
them twice sends nothing new.

Every module's due items come through ``qms.due.registry``; a module added later appears in
alerts, escalations and digests without a change here.
"""

from __future__ import annotations

import datetime as dt

from .alerts import alerts_send_due, escalations_send, ladder, lead_for, step_label
from .delivery import RunReport
from .digest import digest_drafts, digest_recipients, digest_runs_finish, digest_send_weekly
from .emails import USER_FIELDS, digest_key, finish, local_today, week_key

__all__ = [
    "USER_FIELDS",
    "alerts_send_due",
    "deliveries_sweep",
    "digest_drafts",
    "digest_key",
    "digest_recipients",
    "digest_send_weekly",
    "escalations_send",
    "ladder",
    "lead_for",
    "local_today",
    "step_label",
    "week_key",
]


def deliveries_sweep(*, now: dt.datetime | None = None) -> RunReport:
    """Every ten minutes, and whenever a task comes back for a retry: finish this week's digest if
    its worker died half-way, then send every email that is owed and free to be sent."""
    return finish(digest_runs_finish(now=now))
