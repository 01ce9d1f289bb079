"""Background jobs of the training module (thin: they call a service and are safe to run twice)."""

from celery import shared_task

from .services import daily as _daily


@shared_task(name="training.tasks.daily")
def daily() -> dict:
    """Every morning before the alerts: requalifications falling due become training needs, and
    the coverage alarms of the next four weeks are computed afresh."""
    return _daily()
