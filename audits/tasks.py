"""Background jobs of the audits module (thin: they call a service and are safe to run twice)."""

from celery import shared_task

from .services.signals import repeated_ncrs


@shared_task(name="audits.tasks.daily")
def daily() -> int:
    """Every morning: NCRs repeating in one department propose a risk (once per latest NCR)."""
    return repeated_ncrs()
