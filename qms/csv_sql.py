"""A register's CSV written by PostgreSQL: the register's own queryset (scoped to the user,
filtered, searched, ordered, exactly the screen's) with every column compiled to the text the
export shows, streamed with ``COPY (…) TO STDOUT``.

Writing 100,000 lines in Python cost five times fetching them; the database writes CSV at about the
cost of the fetch. The text is the one the Python writer gives (``csv_response``): ``str()`` of the
value, ``''`` for nothing (and for ``NOTHING``, the dash a page shows for it), dates
``2026-12-01``, date-times in UTC as Python prints them, Yes/No as ``True``/``False``, a choice's
label, a related row's name, and a cell that a spreadsheet would take for a formula (``= + - @``,
tab, CR) prefixed with ``'``. Lines end with LF.

Query contract: one statement whatever the number of rows; the rows come in the database's own
messages and go out ~64 KB at a time, so memory stays flat. The literal parameters are bound by
psycopg's client-side quoting (COPY takes no bind parameters), never by formatting.

A column compiles when it is a field of the model or of a row it points to, a choice, a record's
status, an annotation of a plain type, or a foreign key whose related model's name is known in SQL
(``name_of``: people, departments, processes, a record named ``reference title``, or a model that
declares ``name_field``, the one field its ``str()`` shows). Otherwise ``compile_export`` says None
and the register writes its CSV in Python, with the same text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Expression, F, ForeignKey, Func, Model, QuerySet, TextField, Value
from django.db.models.functions import Cast, NullIf

from .models import Department, Process, Record, User

CHUNK_BYTES = 64 * 1024

_TEXT = {"CharField", "TextField", "SlugField", "EmailField", "URLField", "FileField", "FilePathField"}
_NUMBER = {
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "PositiveBigIntegerField",
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "DecimalField",
    "UUIDField",
}
# What a register's cell says when a column has nothing to say for the row (a first calibration
# has no due date: neither on time nor late). A reader of the page sees the dash; a spreadsheet
# reads an empty cell, as for a value that is None: both CSV writers write it as nothing.
NOTHING = "—"
# A cell starting with one of = + - @ tab CR gets a leading ' (``csv_safe``); one regexp, so the
# value is computed once. In the bracket, - last is itself; tab and CR are the characters.
_FORMULA = "^([=+@\t\r-])"


# One text type for every expression here: Django builds a field for each ``Value`` whose type it
# must guess, every time a copy of it is resolved (a register page resolves its names' copies).
TEXT_FIELD = TextField()


def _literal(value: str) -> Value:  # a text constant, its type given
    return Value(value, output_field=TEXT_FIELD)


def _user_name(prefix: str) -> Expression:
    # str(user): get_full_name() ("first last", stripped) or the username. Django's SQL for
    # Coalesce(NullIf(btrim(Concat(first, " ", last)), ""), username) (``_Written``).
    return _Written(
        "COALESCE(NULLIF(btrim((COALESCE({0}, %s) || COALESCE((COALESCE(%s, %s) || COALESCE({1}, %s)), %s)),"
        " %s), %s), {2})",
        ("", " ", "", "", "", " \t\n\r\x0b\x0c", ""),
        F(f"{prefix}first_name"),
        F(f"{prefix}last_name"),
        F(f"{prefix}username"),
    )


def _record_name(prefix: str) -> Expression:
    # str(record): "reference title". Django's SQL for Concat(reference, " ", title) (``_Written``).
    return _Written(
        "(COALESCE({0}, %s) || COALESCE((COALESCE(%s, %s) || COALESCE({1}, %s)), %s))",
        ("", " ", "", "", ""),
        F(f"{prefix}reference"),
        F(f"{prefix}title"),
    )


_SLOT = re.compile(r"%s|\{(\d)\}")


class _Written(Expression):
    """A name built of a row's columns, written as the SQL Django writes for the tree of
    ``Concat``, ``Coalesce`` and ``NullIf`` it stands for (the same text and parameters: the tests
    compare them), but resolved and compiled as one node over its columns rather than a dozen
    nodes: a register page resolves its people's and records' names on every request, and the
    tree cost more than the page's SQL. ``{n}`` is the n-th column, ``%s`` the next constant."""

    def __init__(self, template: str, constants: tuple, *columns: Expression, output_field=TEXT_FIELD):
        super().__init__(output_field=output_field)
        self.template, self.constants, self.columns = template, constants, list(columns)

    def get_source_expressions(self):
        return self.columns

    def set_source_expressions(self, exprs):
        self.columns = list(exprs)

    def as_sql(self, compiler, connection):
        compiled = [compiler.compile(column) for column in self.columns]
        constants = iter(self.constants)
        params: list = []

        def put(slot: re.Match) -> str:
            if slot.group(1) is None:
                params.append(next(constants))
                return "%s"
            sql, column_params = compiled[int(slot.group(1))]
            params.extend(column_params)
            return sql

        return _SLOT.sub(put, self.template), tuple(params)


# A related row's name (its ``str()``) as SQL, for the kernel's models; a module's model declares
# ``name_field`` instead, or is named ``reference title`` as every record is.
NAMES: dict[type[Model], Callable[[str], Expression]] = {
    User: _user_name,
    Department: lambda prefix: F(f"{prefix}name"),
    Process: lambda prefix: F(f"{prefix}name"),
}


def name_of(model: type[Model]) -> Callable[[str], Expression] | None:
    """How the SQL names a ``model`` row as ``str()`` does, given the path to it; None if unknown."""
    if model in NAMES:
        return NAMES[model]
    if field := model.__dict__.get("name_field"):
        return lambda prefix: F(f"{prefix}{field}")
    if issubclass(model, Record) and model.__str__ is Record.__str__:
        return _record_name
    return None


class _Template(Expression):
    """An SQL template over one expression, written ``{x}`` as often as it needs (its parameters
    repeated as often): a CASE that reads the value more than once."""

    def __init__(self, template: str, value: Expression):
        super().__init__(output_field=TEXT_FIELD)
        self.template, self.value = template, value

    def get_source_expressions(self):
        return [self.value]

    def set_source_expressions(self, exprs):
        (self.value,) = exprs

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.value)
        return self.template.replace("{x}", f"({sql})"), tuple(params) * self.template.count("{x}")


def as_text(value: Expression, kind: str) -> Expression | None:
    """``str()`` of a value of a field of internal type ``kind``, as Python prints what psycopg
    returns; None for a type this does not know."""
    if kind in _TEXT:
        return value
    if kind in _NUMBER:
        return Cast(value, TEXT_FIELD)
    if kind == "BooleanField":
        return _Template("CASE WHEN {x} THEN 'True' WHEN NOT {x} THEN 'False' END", value)
    if kind == "DateField":
        return _Template("to_char({x}, 'YYYY-MM-DD')", value)
    if kind == "DateTimeField":
        # str() of an aware datetime from the database: UTC, microseconds only when there are some.
        return _Template(
            "to_char({x} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"
            " || CASE WHEN date_trunc('second', {x}) = {x} THEN ''"
            " ELSE to_char({x} AT TIME ZONE 'UTC', '.US') END"
            " || '+00:00'",
            value,
        )
    return None


class _Labelled(Expression):
    """A choice's label: ``CASE value WHEN key THEN label … ELSE text END``, the value read once
    (an annotation may be a subquery), its text only when it has no label."""

    def __init__(self, value: Expression, text: Expression, labels: dict):
        super().__init__(output_field=TEXT_FIELD)
        self.value, self.text, self.labels = value, text, labels

    def get_source_expressions(self):
        return [self.value, self.text]

    def set_source_expressions(self, exprs):
        self.value, self.text = exprs

    def as_sql(self, compiler, connection):
        value_sql, value_params = compiler.compile(self.value)
        text_sql, text_params = compiler.compile(self.text)
        whens = " ".join("WHEN %s THEN %s" for _ in self.labels)
        params = [p for key, label in self.labels.items() for p in (key, str(label))]
        sql = f"CASE ({value_sql}) {whens} ELSE ({text_sql}) END"
        return sql, (*value_params, *params, *text_params)


def labelled(path: str, text: Expression, labels: dict) -> Expression:
    """The label of a choice (its value as text when it has none)."""
    return _Labelled(F(path), text, labels)


def cell(text: Expression) -> Expression:
    """The cell as written: nothing for None, '' or ``NOTHING``, a formula-like start neutralised."""
    safe = Func(
        text, _literal(_FORMULA), _literal("'\\1"), function="regexp_replace", output_field=TEXT_FIELD
    )
    return NullIf(
        NullIf(safe, _literal(""), output_field=TEXT_FIELD), _literal(NOTHING), output_field=TEXT_FIELD
    )


def compile_export(queryset: QuerySet, columns: Sequence[tuple[str, Any]]) -> tuple[str, Sequence] | None:
    """The SELECT (SQL and parameters) of ``columns`` over ``queryset``, in its order; each column
    is a path and how its value is shown (a label map, the related model whose name it is, or None
    for the value as it is), the register's ``_csv_plan``. None if a column does not compile."""
    model = queryset.model
    annotations = queryset.query.annotations
    selected: dict[str, Expression] = {}
    for i, (path, shown) in enumerate(columns):
        if isinstance(shown, type):
            namer = name_of(shown)
            if namer is None:
                return None
            text = namer(f"{path}__")
        else:
            if path in annotations:
                kind = annotations[path].output_field.get_internal_type()
            else:
                field = _field(model, path)
                if field is None or isinstance(field, ForeignKey):
                    return None
                kind = field.get_internal_type()
            text = as_text(F(path), kind)
            if text is None:
                return None
            if isinstance(shown, dict):
                text = labelled(path, text, shown)
        selected[f"csv_{i}"] = cell(text)
    try:
        return queryset.values(**selected).query.sql_with_params()
    except EmptyResultSet:  # a filter that can match nothing (``.none()``): Python writes the header
        return None


def copy_lines(
    sql: str, params: Sequence, *, delimiter: str = ",", using: str = "default"
) -> Iterator[bytes]:
    """The rows of ``sql`` as CSV lines, ~64 KB per piece. Streamed: the generator holds a cursor
    while the response is read; when the client goes away, closing it cancels the COPY (psycopg
    sends the server a cancel and reads the rest), so the connection goes back clean."""
    if delimiter not in (",", ";"):
        raise ValueError(f"delimiter {delimiter!r}")
    connection = connections[using]
    select = connection.ops.compose_sql(sql, params)  # psycopg quotes each parameter as a literal
    statement = f"COPY ({select}) TO STDOUT WITH (FORMAT csv, DELIMITER '{delimiter}')"
    buffer = bytearray()
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for data in copy:
            buffer += data
            if len(buffer) >= CHUNK_BYTES:
                yield bytes(buffer)
                buffer.clear()
    if buffer:
        yield bytes(buffer)


def _field(model, path: str):
    field = None
    for part in path.split("__"):
        try:
            field = model._meta.get_field(part)
        except Exception:  # noqa: BLE001 - FieldDoesNotExist: not a column of this model
            return None
        if not field.concrete:
            return None
        model = field.related_model or model
    return field
