"""The root cause analysis inside a CAPA: the 5 whys, the fishbone (6M) causes and the texts of
the 8D report. Whys and causes are draft work until actions are planned; an 8D text is rewritten,
never removed."""

from __future__ import annotations

from django.db import models
from django.utils.text import capfirst

from qms.models import ChildRecord
from qms.text import shorten

from .actions import analysis_frozen
from .capa import Capa
from .ncr import CauseCategory


class _DraftAnalysis(ChildRecord):
    """A row of the analysis that may be removed, with a reason, while the analysis is draft."""

    parent_field = "capa"

    class Meta:
        abstract = True

    def removal_refused(self) -> str | None:
        if self.capa.analysis_is_draft:
            return None
        return (
            f"{capfirst(self._meta.verbose_name_plural)} are removed only while the CAPA is open, in "
            "containment or under investigation; once actions are planned the analysis stands as "
            "recorded."
        )

    @classmethod
    def add_refused(cls, parent: Capa) -> str | None:
        return analysis_frozen(parent)

    def edit_refused(self) -> str | None:
        return analysis_frozen(self.capa)


class Why(_DraftAnalysis):
    """One step of a 5 whys analysis: the answer to "why?" at that level."""

    url_kwarg, anchor = "why_pk", "#whys"

    capa = models.ForeignKey(Capa, on_delete=models.CASCADE, related_name="whys")
    number = models.PositiveSmallIntegerField()
    answer = models.TextField()

    class Meta:
        ordering = ["number"]
        verbose_name = "why"
        constraints = [models.UniqueConstraint(fields=["capa", "number"], name="uniq_capa_why_number")]

    def __str__(self) -> str:
        return f"Why {self.number}: {shorten(self.answer, 60)}"


class FishboneCause(_DraftAnalysis):
    """A possible cause on the fishbone (Ishikawa) diagram, under one of the 6M."""

    url_kwarg, anchor = "cause_pk", "#fishbone"

    capa = models.ForeignKey(Capa, on_delete=models.CASCADE, related_name="causes")
    category = models.CharField(max_length=20, choices=CauseCategory.choices)
    description = models.CharField("cause", max_length=300)
    is_root_cause = models.BooleanField("confirmed root cause", default=False)

    class Meta:
        ordering = ["category", "pk"]
        verbose_name = "fishbone cause"

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.description}"


class Discipline(ChildRecord):
    """The text of one 8D discipline (D1–D8) written for the customer's report."""

    parent_field, url_kwarg, anchor = "capa", "discipline_pk", "#eightd"

    class D(models.TextChoices):
        D1 = "D1", "D1 Team"
        D2 = "D2", "D2 Problem description"
        D3 = "D3", "D3 Interim containment actions"
        D4 = "D4", "D4 Root cause"
        D5 = "D5", "D5 Permanent corrective actions chosen"
        D6 = "D6", "D6 Corrective actions implemented and validated"
        D7 = "D7", "D7 Actions to prevent recurrence"
        D8 = "D8", "D8 Team recognition and closure"

    capa = models.ForeignKey(Capa, on_delete=models.CASCADE, related_name="disciplines")
    discipline = models.CharField(max_length=2, choices=D.choices)
    text = models.TextField()

    class Meta:
        ordering = ["discipline"]
        verbose_name = "8D discipline"
        constraints = [models.UniqueConstraint(fields=["capa", "discipline"], name="uniq_capa_discipline")]

    def __str__(self) -> str:
        return self.get_discipline_display()
