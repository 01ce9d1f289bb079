"""Coverage: for each competence and each day of the next four weeks, how many qualified people
(level 2 or 3, not expired that day) are available, absences taken into account. Computed from
the records, never entered by hand.

Days are calendar dates counted from the company's today (``timezone.localdate()``), one
``date + timedelta(days=n)`` at a time: a daylight-saving change inside the window moves no day,
and a person absent from Friday to Monday is absent on exactly those four dates.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils import timezone

from qms.models import User

from .models import Absence, Competence, Level
from .standing import Standing, standings

WINDOW_DAYS = 28


def window(today: dt.date | None = None, days: int = WINDOW_DAYS) -> list[dt.date]:
    """The dates of the next ``days`` days, today first."""
    start = today or timezone.localdate()
    return [start + dt.timedelta(days=n) for n in range(days)]


def day_range(start: dt.date, end: dt.date) -> str:
    """ "4 May" or "4–8 May" or "29 Apr – 3 May": an absence as people say it."""
    if start == end:
        return f"{start:%-d %b}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start:%-d}–{end:%-d %b}"
    return f"{start:%-d %b} – {end:%-d %b}"


def _names(people: Sequence[User], limit: int = 3) -> str:
    shown = [str(p) for p in people[:limit]]
    if len(people) > limit:
        shown.append(f"{len(people) - limit} more")
    return ", ".join(shown[:-1]) + (" and " if len(shown) > 1 else "") + shown[-1] if shown else ""


@dataclass
class Holder:
    """A person qualified in the competence, and when they are away within the window."""

    person: User
    standing: Standing
    absences: list[tuple[dt.date, dt.date]] = field(default_factory=list)

    def available_on(self, day: dt.date) -> bool:
        if not self.standing.qualified_on(day):
            return False
        return not any(start <= day <= end for start, end in self.absences)


@dataclass
class Coverage:
    """One competence over the window: qualified people available per day, against its minimum."""

    competence: Competence
    days: list[dt.date]
    holders: list[Holder]

    @property
    def minimum(self) -> int:
        return self.competence.min_coverage

    @property
    def available(self) -> list[int]:
        return [sum(1 for h in self.holders if h.available_on(day)) for day in self.days]

    @property
    def short_days(self) -> list[dt.date]:
        return [day for day, n in zip(self.days, self.available, strict=True) if n < self.minimum]

    @property
    def lowest(self) -> int:
        return min(self.available, default=0)

    def qualified_on(self, day: dt.date) -> list[Holder]:
        return [h for h in self.holders if h.standing.qualified_on(day)]

    def alarm_title(self) -> str:
        """What the alarm says, naming the one person the competence hangs on where there is one:
        "Heat treatment: only Oliver Zimmer is qualified (2 needed); absent 4–8 May"."""
        short = self.short_days
        if not short:
            return ""
        day = short[0]
        qualified = self.qualified_on(day)
        people = [h.person for h in qualified]
        needed = f"{self.minimum} needed"
        if not qualified:
            text = f"nobody is qualified ({needed})"
        elif len(qualified) < self.minimum:
            verb = "is" if len(qualified) == 1 else "are"
            text = f"only {_names(people)} {verb} qualified ({needed})"
            away = [
                f"{h.person if len(qualified) > 1 else ''} absent {day_range(s, e)}".strip()
                for h in qualified
                for s, e in h.absences[:1]
            ]
            if away:
                text += "; " + ", ".join(away)
        else:
            available = [h.person for h in qualified if h.available_on(day)]
            absent = [h.person for h in qualified if not h.available_on(day)]
            if available:
                verb = "is" if len(available) == 1 else "are"
                text = f"on {day:%-d %b} only {_names(available)} {verb} available ({needed})"
            else:
                text = f"on {day:%-d %b} nobody qualified is available ({needed})"
            text += f"; {_names(absent)} absent"
        title = f"{self.competence}: {text}"
        return title if len(title) <= 200 else title[:199] + "…"


def coverage_of(competences: Sequence[Competence], *, today: dt.date | None = None) -> list[Coverage]:
    """The coverage of each competence over the next four weeks: three queries (standings,
    absences, people) whatever the number of competences and people."""
    days = window(today)
    if not competences:
        return []
    held = standings(competence_ids=[c.pk for c in competences], current_only=True, on=days[0])
    qualified = [s for s in held.values() if s.level >= Level.QUALIFIED and s.valid_on(days[0])]
    away: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    file_ids = {s.file_id for s in qualified}
    if file_ids:
        for file_id, start, end in (
            Absence.objects.filter(file_id__in=file_ids, starts_on__lte=days[-1], ends_on__gte=days[0])
            .order_by("starts_on")
            .values_list("file_id", "starts_on", "ends_on")
        ):
            away[file_id].append((start, end))
    people = User.objects.in_bulk({s.person_id for s in qualified})
    by_competence: dict[int, list[Holder]] = defaultdict(list)
    for s in qualified:
        by_competence[s.competence_id].append(Holder(people[s.person_id], s, away.get(s.file_id, [])))
    for holders in by_competence.values():
        holders.sort(key=lambda h: (-h.standing.level, h.person.last_name, h.person.first_name))
    return [Coverage(c, days, by_competence.get(c.pk, [])) for c in competences]
