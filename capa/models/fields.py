"""Fields several CAPA models declare alike."""

from __future__ import annotations

from django.conf import settings
from django.db import models


def stamped_by(verbose_name: str | None = None) -> models.ForeignKey:
    """Who did a step (decided the disposition, closed the CAPA, signed the check): set by the
    step's effect in ``capa.services``, never typed into a form."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=verbose_name,
    )
