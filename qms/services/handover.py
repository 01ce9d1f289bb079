"""A leaver's open work handed over. A person who leaves (their login switched off) may still own
open records and the open steps of others (a CAPA's action, a review's action, an effectiveness
check to verify): their due items, alerts and escalations would go to someone who can no longer
log in. The administrator names who takes them over; each one changes owner with a history row
saying who handed it over and why, and the departments the leaver headed get the new person as
head.

What is handed over: every record not in a closed status (``Record.owner``) unless it is about the
person (``Record.personal``: their training file), and every open child row whose assignee is a job
(an action's owner, a check's verifier, a review step's approver), not the person themselves
(``ChildRecord.personal_assignee``: a revision they were to acknowledge, a gauge they took out).

A module's rules on who may own or do a row hold here too: a module declares them with
``@refuses(Model)`` (an NCR is owned by someone who can decide its disposition; a CAPA is not
given to the verifier of its effectiveness check), each rule asked once with all the leaver's open
rows of its kind, and the hand-over is refused, naming each row, when the successor may not take
one of them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.apps import apps
from django.db import transaction
from django.db.models import QuerySet

from .. import history
from ..models import ChildRecord, Department, Record, Role, User

# Who may head a department: the roles whose scope a department is, or the whole company.
HEAD_ROLES = (Role.DEPARTMENT_HEAD, Role.QUALITY_MANAGER, Role.TOP_MANAGEMENT)


@dataclass(frozen=True, slots=True)
class Owned:
    """How many open rows of one kind a person owns."""

    label: str  # "NCRs", "CAPA actions"
    count: int


# (the leaver's open rows of one kind, in id order; the successor) -> why not, a sentence for each
# row refused. A rule reads what it needs of all the rows at once: a leaver may own hundreds.
Rule = Callable[[QuerySet, User], Iterable[str]]
_RULES: dict[type, list[Rule]] = {}


def refuses(model: type) -> Callable[[Rule], Rule]:
    """Register a module's rule on who may take over the open rows of ``model``."""

    def register(rule: Rule) -> Rule:
        _RULES.setdefault(model, []).append(rule)
        return rule

    return register


def refusals(leaver: User, to: User) -> list[str]:
    """Why ``to`` may not take over some of ``leaver``'s open work, one sentence per row refused
    (none: they may take it all), kind by kind as each rule reads its rows."""
    found = []
    for model, _field, rows in _owned_querysets(leaver):
        for rule in _RULES.get(model, ()):
            found += rule(rows.order_by("pk"), to)
    return found


def _owned_querysets(user: User) -> list[tuple[type, str, object]]:
    """(model, owner field, queryset of the open rows ``user`` owns) for every kind there is."""
    found = []
    for model in apps.get_models():
        workflow = getattr(model, "workflow", None)
        if workflow is None or model._meta.abstract or model._meta.proxy:
            continue
        if issubclass(model, Record) and not model.personal:
            field = "owner"
        elif issubclass(model, ChildRecord) and model.assignee_field and not model.personal_assignee:
            field = model.assignee_field
        else:
            continue
        status = getattr(model, "status_field", "status")
        rows = model._default_manager.filter(**{field: user, f"{status}__in": workflow.open})
        found.append((model, field, rows))
    return found


def open_work(user: User) -> list[Owned]:
    """What ``user`` owns that is still open, kind by kind (kinds with none left out)."""
    owned = []
    for model, _field, rows in _owned_querysets(user):
        count = rows.count()
        if count:
            name = model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural
            owned.append(Owned(str(name), count))
    return owned


def open_work_text(owned: list[Owned]) -> str:
    """ "2 NCRs, 1 CAPA action"."""
    return ", ".join(f"{o.count} {o.label}" for o in owned)


def may_head(user: User) -> bool:
    return user.is_active and not user.is_system and user.role in HEAD_ROLES


@transaction.atomic
def hand_over(*, leaver: User, to: User, by: User) -> int:
    """Give ``to`` every open record and job ``leaver`` owns, and the departments they head when
    ``to`` may head one; returns how many rows changed owner."""
    if to.pk == leaver.pk or not to.is_active or to.is_system or to.role == Role.AUDITOR:
        raise ValueError(f"{to} cannot take over {leaver}'s work.")
    if refused := refusals(leaver, to):
        raise ValueError(" ".join(refused))
    reason = f"Handed over from {leaver} (left) to {to}"
    moved = 0
    for _model, field, rows in _owned_querysets(leaver):
        for row in rows.select_for_update():
            setattr(row, field, to)
            history.save(row, by=by, reason=reason)
            moved += 1
    if may_head(to):
        for department in Department.objects.filter(head=leaver):
            department.head = to
            department.save(update_fields=["head"])
    return moved
