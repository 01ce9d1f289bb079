"""The competence gates the training module answers, so any service can refuse an unqualified
person with a message that says what is missing (docs/kernel.md lists them):

- ``competence`` (the kernel's): may this person do this work on that date? Held at level 2 or
  more (``level=3`` for training others), not expired.
- ``inspection_signoff`` (declared here): may this person sign off inspection of this process on
  that date? They hold every competence of the process that authorises inspection sign-off.
- ``inhouse_calibration`` (declared here): may this person calibrate this instrument type in-house
  on that date? They hold every competence that authorises calibrating it.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from qms import gates
from qms.models import Process, User

from .models import Authorises, Competence, Level
from .standing import standings

DECLARED = [
    gates.Gate(
        "inspection_signoff",
        "May this person sign off inspection of this process on that date?",
        ("person", "process"),
        "An inspection signed off by someone not qualified for it proves nothing (7.2, 8.6).",
    ),
    gates.Gate(
        "inhouse_calibration",
        "May this person calibrate this type of instrument in-house on that date?",
        ("person", "instrument_type"),
        "An in-house calibration is only as good as the competence of who did it (7.1.5, 7.2).",
    ),
]


def _person(person) -> User:
    return person if isinstance(person, User) else User.objects.get(pk=person)


def _competence(competence) -> Competence:
    if isinstance(competence, Competence):
        return competence
    if isinstance(competence, int) or str(competence).isdigit():
        return Competence.objects.get(pk=int(competence))
    return Competence.objects.get(title__iexact=str(competence).strip())


def _missing(person: User, competences: list[Competence], on: dt.date, level: int) -> list[gates.Refusal]:
    """A refusal for each competence the person did not hold at ``level`` on ``on``: not
    trained, a lower level, or expired."""
    held = standings(person_ids=[person.pk], competence_ids=[c.pk for c in competences], on=on)
    by_competence = {s.competence_id: s for s in held.values()}
    wanted = Level(level).label.split("·", 1)[1].strip()
    refusals = []
    for competence in competences:
        standing = by_competence.get(competence.pk)
        need = f"level {level} ({wanted}) is needed"
        if standing is None:
            message = f"{person} has no training record in {competence} on {on:%-d %b %Y}; {need}."
        elif not standing.valid_on(on):
            message = (
                f"{person}'s qualification in {competence} expired on {standing.expires_on:%-d %b %Y}; "
                f"{need}."
            )
        elif standing.level < level:
            held_as = Level(standing.level).label.split("·", 1)[1].strip()
            message = f"{person} holds {competence} at level {standing.level} ({held_as}); {need}."
        else:
            continue
        refusals.append(gates.Refusal(message, competence.get_absolute_url()))
    return refusals


def competence_gate(*, on: dt.date, person, competence, level: int = Level.QUALIFIED) -> list[gates.Refusal]:
    """Gate ``competence``: did the person hold the competence at the level (qualified by
    default) on that date? ``person`` a user or its id; ``competence`` a competence, its id or
    its name."""
    try:
        found = _competence(competence)
    except Competence.DoesNotExist:
        return [gates.Refusal(f"There is no competence “{competence}” in the catalogue.")]
    if found.is_closed:
        return [gates.Refusal(f"{found} is retired: nobody is qualified in it.", found.get_absolute_url())]
    return _missing(_person(person), [found], on, level)


def inspection_signoff_gate(*, on: dt.date, person, process) -> list[gates.Refusal]:
    """Gate ``inspection_signoff``: the person held, on that date, every competence of the
    process that authorises signing off its inspection."""
    process = process if isinstance(process, Process) else Process.objects.get(pk=process)
    needed = list(
        Competence.objects.filter(
            process=process, status="active", authorises=Authorises.INSPECTION_SIGNOFF
        ).order_by("title")
    )
    if not needed:
        # Named with the person whose sign-off it is, and where the catalogue is kept: the
        # inspector reading the lot's page could not tell whose it was nor who acts on it.
        return [
            gates.Refusal(
                f"No competence in the catalogue authorises signing off inspection of {process}, so "
                f"{_person(person)}'s sign-off cannot be told qualified: the quality manager adds one "
                "(“also authorises: signing off inspection”) to the competence catalogue.",
                reverse("training:competence_list"),
            )
        ]
    return _missing(_person(person), needed, on, Level.QUALIFIED)


def inhouse_calibration_gate(*, on: dt.date, person, instrument_type: str) -> list[gates.Refusal]:
    """Gate ``inhouse_calibration``: the person held, on that date, every competence that
    authorises calibrating this instrument type in-house."""
    kind = str(instrument_type or "").strip()
    needed = list(
        Competence.objects.filter(
            status="active", authorises=Authorises.CALIBRATION, instrument_type__iexact=kind
        ).order_by("title")
    )
    if not needed:
        return [
            gates.Refusal(
                f"No competence in the catalogue authorises calibrating “{kind}” in-house: it must be "
                "calibrated by an accredited laboratory, or a competence added for it."
            )
        ]
    return _missing(_person(person), needed, on, Level.QUALIFIED)


ANSWERS = {
    "competence": competence_gate,
    "inspection_signoff": inspection_signoff_gate,
    "inhouse_calibration": inhouse_calibration_gate,
}
