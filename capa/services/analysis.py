"""Writes of the root cause analysis inside a CAPA: the 5 whys, the fishbone (6M) causes and the
8D texts. Whys and causes are draft work: they may be removed, with a reason kept in the CAPA's
history, until actions are planned (``capa.models.analysis``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models, transaction

from qms import history
from qms.models import User
from qms.services import child_remove

from ..models import Capa, Discipline, FishboneCause, Why, analysis_frozen
from ._common import require_open


def _not_frozen(capa: Capa) -> None:
    """A CAPA in verification keeps the analysis its actions were verified against."""
    if refused := analysis_frozen(capa):
        raise ValidationError(refused)


@transaction.atomic
def why_add(*, capa: Capa, by: User, answer: str) -> Why:
    """Record the next "why?" of the 5 whys."""
    require_open(by, capa)
    _not_frozen(capa)
    Capa.objects.select_for_update().filter(pk=capa.pk).first()  # one number at a time
    last = capa.whys.aggregate(m=models.Max("number"))["m"] or 0
    why = Why(capa=capa, number=last + 1, answer=answer.strip())
    history.save(why, by=by, reason=f"Why {why.number} recorded", validate=True)
    return why


@transaction.atomic
def why_update(*, why: Why, by: User, answer: str) -> Why:
    require_open(by, why.capa)
    _not_frozen(why.capa)
    why.answer = answer.strip()
    history.save(why, by=by, reason=f"Why {why.number} changed", validate=True)
    return why


@transaction.atomic
def why_remove(*, why: Why, by: User, reason: str) -> None:
    """Remove a why while the analysis is draft; the ones after it move up so the chain stays
    1, 2, 3 …"""
    capa, number = why.capa, why.number
    child_remove(child=why, by=by, reason=reason)
    for later in capa.whys.filter(number__gt=number).order_by("number"):
        later.number -= 1
        history.save(later, by=by, reason="Renumbered")


@transaction.atomic
def cause_add(
    *, capa: Capa, by: User, category: str, description: str, is_root_cause: bool = False
) -> FishboneCause:
    """Put a possible cause on the fishbone under one of the 6M."""
    require_open(by, capa)
    _not_frozen(capa)
    cause = FishboneCause(
        capa=capa, category=category, description=description.strip(), is_root_cause=is_root_cause
    )
    history.save(cause, by=by, reason="Fishbone cause added", validate=True)
    return cause


@transaction.atomic
def cause_update(
    *, cause: FishboneCause, by: User, category: str, description: str, is_root_cause: bool
) -> FishboneCause:
    require_open(by, cause.capa)
    _not_frozen(cause.capa)
    cause.category, cause.description, cause.is_root_cause = category, description.strip(), is_root_cause
    history.save(cause, by=by, reason="Fishbone cause changed", validate=True)
    return cause


@transaction.atomic
def discipline_set(*, capa: Capa, by: User, discipline: str, text: str) -> Discipline:
    """Write (or rewrite) the text of one 8D discipline for the customer's report."""
    require_open(by, capa)
    if discipline not in Discipline.D.values:
        raise ValidationError({"discipline": "Choose one of D1 to D8."})
    item = capa.disciplines.filter(discipline=discipline).first() or Discipline(
        capa=capa, discipline=discipline
    )
    item.text = text.strip()
    history.save(item, by=by, reason=f"{discipline} written", validate=True)
    return item
