"""Document control's answer to the kernel's gate "revision_effective": was this the revision
people had to work to on that date, and had the people named read it? (A lot made to an old
drawing, or by someone who had not read the new one, is gap 2 of the story in DOMAIN.md.)"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q
from django.utils import timezone

from qms.gates import Refusal
from qms.models import User
from qms.scoped import read_once

from .models import Acknowledgment, Revision


def _day(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(moment) if moment is not None else None


def was_effective(revision: Revision, on: dt.date) -> bool:
    """Effective from its effective date until the day it was superseded or made obsolete (that
    day already belongs to the revision that replaced it)."""
    if revision.effective_at is None or revision.effective_date is None or revision.effective_date > on:
        return False
    ended = _day(revision.ended_at)
    return ended is None or ended > on


def revision_effective(
    *, on: dt.date, revision: Revision | int, people: Iterable[User | int] = ()
) -> list[Refusal]:
    """The reasons work to ``revision`` on ``on`` was not in order: it was not the effective
    revision that day, and each person named who had been asked to read it and had not yet
    acknowledged it by then."""
    # Asked for each of a lot's days: the revision and its siblings are read once for them all.
    found = read_once(
        Revision.objects.select_related("document").filter(pk=getattr(revision, "pk", revision))
    )
    if not found:
        raise Revision.DoesNotExist
    revision = found[0]
    url = revision.get_absolute_url()
    refusals = []
    if not was_effective(revision, on):
        siblings = read_once(revision.document.revisions.exclude(pk=revision.pk))
        current = next((r for r in siblings if was_effective(r, on)), None)
        then = f"; revision {current.label} was" if current is not None else ""
        refusals.append(Refusal(f"{revision} was not the effective revision on {on:%-d %b %Y}{then}.", url))
    person_ids = [getattr(p, "pk", p) for p in people]
    ended = _day(revision.ended_at)
    asked = (
        Acknowledgment.objects.filter(revision=revision, user_id__in=person_ids, created_at__date__lte=on)
        .filter(Q(acknowledged_at__isnull=True) | Q(acknowledged_at__date__gt=on))
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    )
    for ack in asked:
        # A request withdrawn when the revision was replaced was still open up to that day.
        if ack.status == Acknowledgment.Status.WITHDRAWN and ended is not None and ended <= on:
            continue
        refusals.append(Refusal(f"{ack.user} had not acknowledged {revision} by {on:%-d %b %Y}.", url))
    return refusals
