"""An expression over a model's own columns, resolved and compiled once per process.

A ``Case`` of a few ``When`` conditions costs a register page more than its SQL: Django builds,
resolves and compiles every condition, lookup and value again on each request, and again for the
page's count (the instruments' standing: 0.23 ms to build and 0.24 ms more to compile, on a page
whose SQL takes about 1 ms); a correlated subquery (a training file's roles held, a CAPA's open
actions) more again. ``once(model, build, *args)`` compiles ``build(*args)`` the first time it is
asked for with those arguments and afterwards gives the same SQL text and parameters as one node
over the columns it reads (``csv_sql._Written``): each column is still a column of the query it is
used in, so a join, a subquery or a relabelled alias writes it right.

The expression reads the model's own columns, directly or from a subquery correlated to them
(``OuterRef``); it joins nothing and holds no window. A subquery's own tables are given aliases of
their own (``o3_0``, where Django writes ``U0``), so that wherever the query that uses it is put
(itself a subquery, whose tables Django calls ``U0``…) its text means what it meant; so are those
of a subquery within it (``sum_of`` a ``count_of``), and a third level is refused.

    standing = once(Instrument, standing_case, today)  # a new day, a new compile
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Expression, F, Field, Func, IntegerField, Model, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.db.models.sql import Query
from django.utils import timezone

from .csv_sql import _Written

_COMPILED: dict[tuple, tuple[str, tuple, tuple[str, ...], Any]] = {}
_SERIAL = itertools.count()


def once(model: type[Model], build: Callable[..., Expression], *args: Any) -> Expression:
    """``build(*args)`` over ``model``'s columns, compiled once per (model, build, args) in the
    current time zone; ``args`` are hashable (a day, a number)."""
    # The current time zone is in the key: a date of a datetime is compiled in it (``TruncDate``).
    key = (model, build, args, timezone.get_current_timezone_name())
    found = _COMPILED.get(key)
    if found is None:
        if len(_COMPILED) >= 256:  # a new day's arguments: yesterday's are not asked for again
            _COMPILED.clear()
        found = _COMPILED[key] = _compile(model, build(*args))
    template, constants, columns, output_field = found
    return _Written(template, constants, *(F(name) for name in columns), output_field=output_field)


def count_of(rows: QuerySet, parent: str) -> Subquery:
    """How many of ``rows`` belong to the row of the query it is put in (``rows.filter(<parent>=
    the row)``), 0 for none: a correlated ``SELECT COUNT(…)`` for the rows a register shows, never a
    ``GROUP BY`` over a join of the register with ``rows`` (which counts every row of both before
    a page can be chosen). For ``once``: ``once(Capa, open_actions)`` with ``open_actions`` a
    function returning ``count_of(Action.objects.filter(status__in=…), "capa")``."""
    return _per_row(rows, parent, "COUNT", F("pk"), IntegerField())


def least_of(rows: QuerySet, parent: str, field: str) -> Subquery:
    """The smallest ``field`` of ``rows`` belonging to the row of the query it is put in, None for
    none (``Min`` over the relation without its ``GROUP BY``, as ``count_of``): a machine's next
    maintenance, the earliest due date of its active plans."""
    return _per_row(rows, parent, "MIN", F(field), None)  # of the field's type


def sum_of(rows: QuerySet, parent: str, expression: Expression) -> Coalesce:
    """The sum of ``expression`` over ``rows`` belonging to the row of the query it is put in, 0
    for none: ``expression`` may itself be a ``count_of`` for each of ``rows`` (a machine's approved
    postponements, counted plan by plan through the postponements' index on their plan)."""
    return Coalesce(_per_row(rows, parent, "SUM", expression, IntegerField()), 0)


def _per_row(
    rows: QuerySet, parent: str, function: str, value: Expression, output_field: Field | None
) -> Subquery:
    # ``Func``, not Django's aggregate: an aggregate would group the subquery by its select.
    found = rows.filter(**{parent: OuterRef("pk")}).order_by().annotate(n=Func(value, function=function))
    return Subquery(found.values("n"), output_field=output_field)


def _compile(model: type[Model], expression: Expression) -> tuple[str, tuple, tuple[str, ...], Any]:
    query = Query(model)
    resolved = expression.resolve_expression(query, allow_joins=False)
    nodes = list(_nodes(resolved))
    if query.alias_map.keys() - {model._meta.db_table} or any(
        getattr(node, "contains_over_clause", False) for node in nodes
    ):
        raise ValueError(f"{expression!r} reads more than the own columns of {model.__name__}")
    for node in nodes:
        if isinstance(node, Query):
            _own_aliases(node, expression)
    compiler = query.get_compiler(DEFAULT_DB_ALIAS)
    sql, params = compiler.compile(resolved)
    if "{" in sql:
        raise ValueError(f"{expression!r} writes a brace, which the template would read as a column")
    # Each of the model's columns, e.g. "calibration_instrument"."due_date", becomes its slot,
    # wherever it is read (a subquery reads its outer row's columns by this name too); the text is
    # quoted whole, so no column's text is a prefix of another's.
    table = compiler.quote_name_unless_alias(model._meta.db_table)
    named = {field.column: field.name for field in model._meta.concrete_fields}
    columns: list[str] = []
    for column in re.findall(re.escape(table) + r'\."([^"]+)"', sql):
        if named.get(column) is None:
            raise ValueError(f"{expression!r} reads {column}, not a column of {model.__name__}")
        if named[column] not in columns:
            columns.append(named[column])
    if len(columns) > 10:
        raise ValueError(f"{expression!r} reads more than ten columns (a slot is one digit)")
    for i, name in enumerate(columns):
        sql = sql.replace(f'{table}."{model._meta.get_field(name).column}"', f"{{{i}}}")
    return sql, tuple(params), tuple(columns), resolved.output_field


def _own_aliases(subquery: Query, expression: Expression, depth: int = 0) -> None:
    """A subquery's tables renamed to aliases of their own (``o3_0``, ``o3_1``…): no query Django
    builds names a table so, however deep it puts the text. A subquery within it (a machine's plans'
    postponements, counted per plan) is renamed first; one within that is refused."""
    inner = [*_nodes(subquery.where), *(n for a in subquery.annotations.values() for n in _nodes(a))]
    for node in inner:
        if isinstance(node, Query):
            if depth:
                raise ValueError(f"{expression!r} holds a subquery within a subquery within a subquery")
            _own_aliases(node, expression, depth + 1)
    serial = next(_SERIAL)
    subquery.change_aliases({alias: f"o{serial}_{i}" for i, alias in enumerate(subquery.alias_map)})


def _nodes(expression):
    """Every node of a resolved expression, conditions (``WhereNode``) and lookups included; a
    subquery's ``Query`` is a node, not walked into."""
    yield expression
    if isinstance(expression, Query):
        return
    children = getattr(expression, "children", None)  # a WhereNode: its lookups and nested nodes
    if children is None:
        get_sources = getattr(expression, "get_source_expressions", None)
        children = get_sources() if get_sources is not None else ()
    for child in children:
        if child is not None:
            yield from _nodes(child)
