"""Statements sent ahead: a page's reads leave together, and PostgreSQL runs them while Python
writes the rest of the page.

A register page needs its filter bar's whole tables, its rows and, when it is longer than a page,
its count, and none of them needs another to be asked for. Sent one at a time, each is a round trip
Python waits through, doing nothing. Inside ``reading()`` the connection is in psycopg's pipeline
mode: ``send(statement)``, ``send_rows(queryset)`` and ``send_count(queryset)`` return as soon as
the statement is on its way, and PostgreSQL runs what it was sent, in order, while Python goes on.
A read waits for every statement sent before it too (psycopg reads results in order), so a page
sends what it reads first; ``send_rows`` compiles its statement while those run, lets them arrive
(``wait``: one round trip for all) and only then sends the rows. Leaving the block reads whatever
is left and gives the connection back to one statement at a time. What a register does
(``RecordListView.paginate_queryset``):

    with ahead.reading():
        send_choices(form)                     # the filter bar's whole tables
        sent = ahead.send_rows(page_queryset)  # compiled while they run; then the rows leave
        bar = filter_fields_html(form)         # written while PostgreSQL reads the rows
        rows = sent.rows()                     # what list(page_queryset) gives
        counting = ahead.send_count(queryset)  # a register longer than its page
        html = rows_html(rows)                 # written while PostgreSQL counts
    count = counting.value()

Query contract: the same statements as without it, each run and logged once (the query-count
tests see no difference), except that a statement sent and read twice in one block (``read``: two
selects of the same table) runs once; only when Python waits for them changes. Inside the block
every other statement works as usual (psycopg puts it in the same pipeline and waits for it), and
``QuerySet.iterator()`` reads through a plain cursor rather than a server-side one, which pipeline
mode refuses. It refuses COPY and a change of autocommit too (``transaction.atomic`` outside a
transaction): keep the block to writing a page.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import QuerySet
from django.db.models.query import NamedValuesListIterable, ValuesListIterable
from django.db.models.utils import create_namedtuple_class

# The statements sent in the current block, by statement, each with its cursor; None outside one.
_SENT: ContextVar[dict[Any, Any] | None] = ContextVar("qms_sent_ahead", default=None)
# The rows of the statements sent in the current block and read already (``read``), by statement.
_READ: ContextVar[dict[Any, list] | None] = ContextVar("qms_read_ahead", default=None)
_PIPELINE: ContextVar[Any] = ContextVar("qms_pipeline", default=None)


@contextmanager
def reading() -> Iterator[None]:
    """The default connection in pipeline mode for the block (on PostgreSQL, unless
    ``DB_PIPELINED_READS`` is off; otherwise, and inside another block, the block runs as it is)."""
    if connection.vendor != "postgresql" or _SENT.get() is not None or not settings.DB_PIPELINED_READS:
        yield
        return
    connection.ensure_connection()
    token, read_token = _SENT.set({}), _READ.set({})
    # Pipeline mode refuses a server-side cursor, which ``QuerySet.iterator()`` opens on
    # PostgreSQL (a choice list Django writes itself, say): inside the block it reads through a
    # plain cursor. This connection's own attribute, so no other thread's connection sees it.
    connection.chunked_cursor = connection.cursor
    try:
        with connection.wrap_database_errors, connection.connection.pipeline() as pipeline:
            pipelined = _PIPELINE.set(pipeline)
            try:
                yield
            finally:
                _PIPELINE.reset(pipelined)
    finally:
        del connection.chunked_cursor
        _SENT.reset(token)
        _READ.reset(read_token)


def is_reading() -> bool:
    """Whether statements sent now leave ahead (inside ``reading()``, pipelined)."""
    return _PIPELINE.get() is not None


def wait() -> None:
    """Every statement sent so far arrives (one round trip for all): a later read of one of them
    does not wait for statements sent after this."""
    pipeline = _PIPELINE.get()
    if pipeline is not None and _SENT.get():  # something is on its way
        with connection.wrap_database_errors:
            pipeline.sync()


def send(statement) -> None:
    """Send a ``due_sql.Statement`` now; ``due_sql.fetch`` reads its rows (outside a block, and for
    a statement on its way or read already in the block, nothing is done: ``fetch`` runs it as
    usual outside, and gives the rows inside)."""
    from .due_sql import prepared_cursor  # due_sql reads what is sent (``read``)

    sent = _SENT.get()
    if sent is None or statement in sent or statement in _READ.get():
        return
    cursor = prepared_cursor() if statement.constant else connection.cursor()
    cursor.execute(statement.sql, statement.params)
    sent[statement] = cursor


def read(statement) -> list | None:
    """The rows of ``statement`` when it was sent in this block: read from its cursor the first
    time and kept for the block, so a second read of the same statement (two selects of the
    departments in one filter bar) is not a second round trip; None when it was not sent."""
    kept = _READ.get()
    if kept is None:
        return None
    rows = kept.get(statement)
    if rows is None:
        cursor = take(statement)
        if cursor is None:
            return None
        with cursor:
            rows = kept[statement] = cursor.fetchall()
    return rows


def take(statement):
    """The cursor ``statement`` was sent on in this block, once, for its caller to read (a second
    take finds nothing; ``read`` keeps the rows instead); None when it was not sent."""
    sent = _SENT.get()
    return None if sent is None else sent.pop(statement, None)


_VALUES = (ValuesListIterable, NamedValuesListIterable)


class SentRows:
    """A ``values_list`` queryset's rows on their way (``send_rows``); ``rows()`` is what
    ``list(queryset)`` gives. Any other queryset is read when its rows are asked for."""

    def __init__(self, queryset: QuerySet) -> None:
        self.queryset = queryset
        self._compiler = self._cursor = None
        if _SENT.get() is None or queryset._iterable_class not in _VALUES:
            return
        if queryset._prefetch_related_lookups or queryset.db != DEFAULT_DB_ALIAS:
            return
        # Django's own steps for a queryset's rows (``SQLCompiler.execute_sql``), with a wait
        # between compiling and sending: no statement at all when nothing can match.
        self._compiler = compiler = queryset.query.get_compiler(queryset.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return
        if not sql:
            return
        wait()
        self._cursor = connection.cursor()
        self._cursor.execute(sql, params)

    def rows(self) -> list:
        compiler, cursor = self._compiler, self._cursor
        if compiler is None:
            return list(self.queryset)
        if cursor is None:  # nothing can match: Django sends nothing
            return []
        with cursor:
            fetched = cursor.fetchall()
        if compiler.has_extra_select:  # columns the order needs but the rows do not show
            fetched = [row[: compiler.col_count] for row in fetched]
        rows = list(compiler.results_iter(results=[fetched], tuple_expected=True))
        if self.queryset._iterable_class is NamedValuesListIterable:
            query = self.queryset.query
            names = self.queryset._fields or [
                *query.extra_select,
                *query.values_select,
                *query.annotation_select,
            ]
            tuple_class, new = create_namedtuple_class(*names), tuple.__new__
            rows = [new(tuple_class, row) for row in rows]
        return rows


def send_rows(queryset: QuerySet) -> SentRows:
    """The rows of ``queryset``, sent last: compiled while the statements sent before it run, then
    those are read (``wait``: they arrive before anything reads them) and it is sent, and a page
    writes what it can while PostgreSQL reads the rows."""
    return SentRows(queryset)


class SentCount:
    """How many rows a queryset has, on its way (``send_count``); ``value()`` is what
    ``queryset.count()`` gives. Counted as ``SELECT COUNT(*)`` over the queryset's ids, which
    PostgreSQL plans as Django's own count; a queryset whose rows are not its ids (distinct,
    grouped, sliced, combined) is counted by Django when asked."""

    def __init__(self, queryset: QuerySet) -> None:
        self.queryset, self._cursor, self._none = queryset, None, False
        query = queryset.query
        if _SENT.get() is None or queryset.db != DEFAULT_DB_ALIAS:
            return
        if query.distinct or query.combinator or query.group_by is not None or query.is_sliced:
            return
        ids = queryset.order_by().values("pk").query
        try:
            sql, params = ids.get_compiler(queryset.db).as_sql()
        except EmptyResultSet:
            sql, params = "", ()
        if not sql:
            self._none = True
            return
        self._cursor = connection.cursor()
        self._cursor.execute(f'SELECT COUNT(*) AS "__count" FROM ({sql}) AS "counted"', params)  # noqa: S608

    def value(self) -> int:
        if self._none:
            return 0
        if self._cursor is None:
            return self.queryset.count()
        with self._cursor as cursor:
            return cursor.fetchone()[0]


def send_count(queryset: QuerySet) -> SentCount:
    """The count of ``queryset``, sent now: a page writes its rows while PostgreSQL counts."""
    return SentCount(queryset)
