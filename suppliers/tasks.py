"""Background jobs of the supplier module (thin: they call a service and are safe to run twice)."""

from celery import shared_task

from .services import daily as _daily


@shared_task(name="suppliers.tasks.daily")
def daily() -> dict:
    """Every morning before the alerts: suppliers whose required certificate expired become
    conditionally approved, saying why."""
    return _daily()
