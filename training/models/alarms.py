"""Coverage alarms: a competence with fewer qualified people available than its minimum on some
day of the next four weeks. Computed from the training records and absences by
``training.services.coverage`` (never entered by hand) and shown as a due item of the head who
answers for the competence, naming the one person the process hangs on."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from .catalogue import Competence


class CoverageAlarm(models.Model):
    """One competence under its minimum coverage, from the first day it was short until it is
    covered again; re-raised as a new alarm if it falls short later."""

    class Status(models.TextChoices):
        OPEN = "open", "On"
        CLEARED = "cleared", "Cleared"

    competence = models.ForeignKey(Competence, on_delete=models.CASCADE, related_name="alarms")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="answered by"
    )
    title = models.CharField(max_length=200)
    since = models.DateField("short since", help_text="The first day with too few qualified people.")
    lowest = models.PositiveSmallIntegerField("fewest available")
    required = models.PositiveSmallIntegerField("minimum coverage")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    raised_at = models.DateTimeField(auto_now_add=True)
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["status", "since", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["competence"], condition=Q(status="open"), name="training_one_open_alarm"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return self.competence.get_absolute_url() + "#coverage"
