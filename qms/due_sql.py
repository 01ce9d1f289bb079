"""The due-item registry's SQL: each provider's queryset compiled once per shape, and every
provider's statement sent as one ``UNION ALL``.

My work and the Overview ask some thirty providers the same two questions (how many, and the most
overdue few) on every request. Building thirty querysets and compiling them cost more than the
SQL itself, and thirty round trips more again. So a provider compiles its queryset once per
*shape* (which arguments were given, how many ids), with sentinel values in place of the
arguments; each call then puts its own values where the sentinels were. The text of the SQL is
Django's, so the statement is exactly what the queryset would run.

A compiled shape is kept only if it is provably the same statement on every call: the queryset is
compiled twice and must give the same SQL and the same constant parameters (a queryset that reads
the clock gives different ones and is compiled on every call), every sentinel must come back as a
parameter unchanged, and the shapes are forgotten when the local date changes.

A kept shape's constants (statuses, a time zone, a number of days) are written into its text as the
literals Django's cursor would send, and only the arguments stay parameters: the text of a union of
kept shapes is then the same on every call, so PostgreSQL parses and plans it once per connection
(a prepared statement, when ``prepare_threshold`` is set in the database's OPTIONS) instead of
planning some thirty parts on every request, and the plan still sees the constants (a partial
index on open rows is provably usable).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.postgresql.base import CursorDebugWrapper, ServerBindingCursor
from django.db.models import QuerySet
from django.utils import timezone
from psycopg.types.numeric import Int8Dumper

from . import ahead

# Values no real argument takes: a due date in the year 1001, an id near the top of int4.
_SENTINEL_DATE = dt.date(1001, 1, 1)
_SENTINEL_ID = 2_147_000_000

Arguments = dict[str, "dt.date | int | Sequence[int] | None"]


@dataclass(frozen=True, slots=True)
class Statement:
    sql: str
    params: tuple
    # The same text on every call, its parameters only the caller's arguments: worth preparing.
    constant: bool = False


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str  # the constants written in; a placeholder for each slot, in order
    slots: tuple[tuple[str, int | None], ...]  # (argument, index in its list) of each placeholder

    def bind(self, arguments: Arguments) -> Statement:
        params = tuple(
            arguments[name] if index is None else arguments[name][index]  # type: ignore[index]
            for name, index in self.slots
        )
        return Statement(self.sql, params, constant=True)


_PLACEHOLDER = re.compile(r"%[s%]")


def _with_constants(sql: str, params: tuple, kept: set[int]) -> str:
    """``sql`` with every parameter but the ``kept`` ones written in as the literal the client-side
    cursor would send for it (a ``%`` in a literal doubled, as the text is still formatted)."""
    from django.db import connection

    position = -1

    def replace(match: re.Match) -> str:
        nonlocal position
        if match.group() == "%%":
            return "%%"
        position += 1
        if position in kept:
            return "%s"
        return connection.ops.compose_sql("%s", [params[position]]).replace("%", "%%")

    return _PLACEHOLDER.sub(replace, sql)


def _shape(arguments: Arguments) -> tuple:
    return tuple(
        (name, None if value is None else len(value) if isinstance(value, list | tuple) else "1")
        for name, value in sorted(arguments.items())
    )


def _sentinels(arguments: Arguments) -> tuple[Arguments, dict]:
    """The same arguments with a distinct sentinel in place of each value, and where each came from."""
    replaced: Arguments = {}
    origin: dict = {}
    n = 0

    def sentinel(value, name, index):
        nonlocal n
        n += 1
        s = _SENTINEL_DATE + dt.timedelta(days=n) if isinstance(value, dt.date) else _SENTINEL_ID + n
        origin[(type(s), s)] = (name, index)
        return s

    for name, value in arguments.items():
        if value is None:
            replaced[name] = None
        elif isinstance(value, list | tuple):
            replaced[name] = [sentinel(v, name, i) for i, v in enumerate(value)]
        else:
            replaced[name] = sentinel(value, name, None)
    return replaced, origin


def _sql(qs: QuerySet) -> tuple[str, tuple]:
    sql, params = qs.query.get_compiler(using=qs.db).as_sql()
    return sql, tuple(params)


class StatementCache:
    """One provider's compiled statements, by shape, for today."""

    MAX_SHAPES = 64  # the digest asks with batches of any size; a bounded cache is enough

    def __init__(self) -> None:
        self._day: dt.date | None = None
        self._compiled: dict[tuple, _Compiled | None] = {}

    def statement(self, kind: str, build: Callable[..., QuerySet], arguments: Arguments) -> Statement:
        """The SQL ``build(**arguments)`` runs, compiled once per shape of the arguments."""
        today = timezone.localdate()
        if today != self._day or len(self._compiled) >= self.MAX_SHAPES:
            self._day, self._compiled = today, {}
        if any(isinstance(v, dt.datetime) for v in arguments.values()):
            # The registry's dates are dates; a moment would be converted by the field: let Django.
            return Statement(*_sql(build(**arguments)))
        key = (kind, _shape(arguments))
        if key not in self._compiled:
            self._compiled[key] = self._compile(build, arguments)
        compiled = self._compiled[key]
        if compiled is None:  # not a stable statement: compiled with the real values every time
            return Statement(*_sql(build(**arguments)))
        return compiled.bind(arguments)

    @staticmethod
    def _compile(build: Callable[..., QuerySet], arguments: Arguments) -> _Compiled | None:
        replaced, origin = _sentinels(arguments)
        sql, params = _sql(build(**replaced))
        if (sql, params) != _sql(build(**replaced)):
            return None
        slots, kept = [], set()
        for position, p in enumerate(params):
            found = origin.get((type(p), p))
            if found is not None:
                slots.append(found)
                kept.add(position)
        if set(slots) != set(origin.values()):
            return None  # an argument was changed on its way into the SQL: nothing to substitute
        if _PLACEHOLDER.findall(sql).count("%s") != len(params):
            return None  # a placeholder we cannot tell from the text (never seen): as Django sends it
        return _Compiled(_with_constants(sql, params, kept), tuple(slots))


def union_all(parts: Sequence[tuple[Statement, int]], casts: Sequence[str]) -> Statement:
    """One statement for many, one round trip: each row starts with the index of the part it came
    from, then the part's ``width`` columns, each cast as ``casts`` says (``""`` keeps its type), and
    NULL for the columns a narrower part lacks."""
    selects, params = [], []
    for n, (statement, width) in enumerate(parts):
        names = ", ".join(f"c{i}" for i in range(width))
        columns = [
            (f"s.c{i}" if i < width else "NULL") + (f"::{cast}" if cast else "")
            for i, cast in enumerate(casts)
        ]
        selects.append(f"SELECT {n}, {', '.join(columns)} FROM ({statement.sql}) AS s({names})")  # noqa: S608
        params.extend(statement.params)
    constant = all(statement.constant for statement, _ in parts)
    return Statement(" UNION ALL ".join(selects), tuple(params), constant)


class _LoggedAsSent(CursorDebugWrapper):
    """Logs a statement (DEBUG, the query-count tests, the benchmarks' replay of a page's SQL) with
    its values written in, as Django's own cursor logs every other one, not with PostgreSQL's $1."""

    def execute(self, sql, params=None):
        with self.debug_sql(self.db.ops.compose_sql(sql, params)):
            return self._execute_with_wrappers(sql, params, many=False, executor=self._execute)


def prepared_cursor(alias: str = DEFAULT_DB_ALIAS):
    """A cursor of ``alias`` that sends its parameters apart from the text, so that PostgreSQL keeps
    the statement prepared on this connection (the default database's; another gets a plain cursor).
    psycopg prepares a text it has seen ``prepare_threshold`` times; None, the default of Django,
    turns this off, e.g. behind a PgBouncer in transaction mode older than 1.21. Wrapped by Django
    like any cursor: it is logged, counted by the query-count tests and its errors are Django's."""
    if alias != DEFAULT_DB_ALIAS:
        return connections[alias].cursor()
    connection.ensure_connection()
    if connection.vendor != "postgresql" or getattr(connection.connection, "prepare_threshold", None) is None:
        return connection.cursor()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        cursor = ServerBindingCursor(connection.connection)
    # Every id as a bigint, whatever its size: one prepared statement for every user, not one per
    # width of their id (psycopg sends the narrowest integer type by default).
    cursor.adapters.register_dumper(int, Int8Dumper)
    return _LoggedAsSent(cursor, connection) if connection.queries_logged else connection.make_cursor(cursor)


def fetch(statement: Statement, *, chunked: bool = False):
    """The rows of ``statement``; streamed in chunks for a long list (alerts, the digest); a
    constant statement through a cursor that lets PostgreSQL keep its plan (My work, the
    Overview: the same unions on every request); one sent ahead (``qms.ahead.send``) is only read,
    and read once in its block."""
    sent = None if chunked else ahead.read(statement)
    if sent is not None:  # on its way already, or read already, in this block (``qms.ahead``)
        yield from sent
        return
    if chunked:
        cursor = connection.chunked_cursor()
    elif statement.constant:
        cursor = prepared_cursor()
    else:
        cursor = connection.cursor()
    with cursor:
        cursor.execute(statement.sql, statement.params)
        while rows := cursor.fetchmany(5000):
            yield from rows


def by_department(union: Statement) -> Statement:
    """A ``union_all`` of counts by owner, rows of (part, owner, overdue, due), summed by the
    owners' departments: rows of (part, department, overdue, due); the department of someone
    without one is None."""
    from .models import User

    users, pk, dept = User._meta.db_table, User._meta.pk.column, User._meta.get_field("department").column
    return Statement(
        f'SELECT s.part, u."{dept}", SUM(s.overdue)::bigint, SUM(s.due)::bigint'  # noqa: S608
        f" FROM ({union.sql}) AS s(part, owner, overdue, due)"
        f' LEFT JOIN "{users}" u ON u."{pk}" = s.owner GROUP BY 1, 2',
        union.params,
        union.constant,
    )
