"""The records a person's rows add to what they read (``access.scope_q``): the records with a row
assigned to them (a CAPA where they own an action), and for a head their department's open work.
Each is one statement per model, compiled once (``qms.due_sql``), answered as a list of ids: the
register's query then stays an index scan on owner, department or these ids."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from .due_sql import StatementCache, fetch
from .registry import child_models

if TYPE_CHECKING:
    from django.db.models import Model, QuerySet

    from .models import User


def assigned_record_ids(user: User, model: type[Model]) -> list[int]:
    """The records of ``model`` that have a row assigned to ``user`` (a CAPA where they own an
    action), looked up through each row model's assignee index, in one statement. A list, not a
    subquery: the register's query then stays an index scan on owner, department or these ids.
    The statement is compiled once per model (``qms.due_sql``), the person's id its only
    parameter: a UNION of two or three row models cost a staff member's register page 0.9–3.7 ms of
    the ORM on every request."""
    if not any(child.assignee_field for child in child_models(model)):
        return []
    statement = _ASSIGNED.statement(
        model._meta.label_lower, partial(_assigned_query, model), {"user": user.pk}
    )
    # Planned for this person, not prepared: one generic plan for everyone read every review step
    # of the archive for a person who has none (the planner's average of a skewed column).
    return sorted(row[0] for row in fetch(replace(statement, constant=False)))


def _assigned_query(model: type[Model], *, user: int) -> QuerySet:
    parts = [
        child._default_manager.filter(**{child.assignee_field: user})
        .order_by()
        .values_list(f"{child.root_path()}_id", flat=True)
        for child in child_models(model)
        if child.assignee_field
    ]
    # One round trip whatever the number of row models (a CAPA's actions, containment actions
    # and effectiveness checks): their ids as one UNION, which also drops the repeats.
    return parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0].distinct()


def department_work_ids(user: User, model: type[Model]) -> list[int]:
    """The open records of ``model`` that the people of the user's department own, or where one of
    them has an open row (``ChildRecord.open_rows``): their work still to do, which is on
    the head's My work, Overview and digest and escalates to the head. One statement, the
    department's id its only parameter. Open only, and as ids: all ten years of one department's
    rows were 6,900 CAPAs, and an owner list among the register's conditions made PostgreSQL
    count a head's register in parallel (12 ms against 4)."""
    statement = _ASSIGNED.statement(
        f"{model._meta.label_lower}:department",
        partial(_department_work_query, model),
        {"department": user.department_id},
    )
    # Prepared, unlike a person's: a department's open work is a few hundred rows whichever it is,
    # so one plan serves them all, and planning this union was half its cost.
    return sorted(row[0] for row in fetch(statement))


def assigned_ids(user: User, model: type[Model]) -> list[int]:
    """The ids ``scope_q`` adds for the user: records with a row assigned to them, and for a head
    their department's open work."""
    assigned = assigned_record_ids(user, model)
    if user.is_department_head and user.department_id:
        assigned = sorted({*assigned, *department_work_ids(user, model)})
    return assigned


def _department_work_query(model: type[Model], *, department: int) -> QuerySet:
    # Not narrowed to other departments: the open records' index holds their owner, so the
    # department's own ones cost less to include than to leave out (a read of each row).
    owned = (
        model.objects.open().filter(owner__department_id=department).order_by().values_list("pk", flat=True)
    )
    rows = [
        child.open_rows()
        .filter(**{f"{child.assignee_field}__department_id": department})
        .order_by()
        .values_list(f"{child.root_path()}_id", flat=True)
        for child in child_models(model)
        if child.assignee_field
    ]
    return owned.union(*rows)


_ASSIGNED = StatementCache()
