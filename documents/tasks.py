"""Background jobs of document control (thin: they call a service and are safe to run twice)."""

from celery import shared_task

from .services import make_due_revisions_effective as _make_due_revisions_effective


@shared_task(name="documents.tasks.make_due_revisions_effective")
def make_due_revisions_effective() -> int:
    """Hourly: approved revisions whose effective date has come become effective."""
    return _make_due_revisions_effective()
