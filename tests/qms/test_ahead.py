"""Statements sent ahead (``qms.ahead``): a register sends its filter bar's whole tables and its
rows on one connection in pipeline mode and writes the bar while PostgreSQL reads. What is read
is what the same statements give one at a time; each is run and logged once; a statement is on
the server before anything waits for it; an error is Django's; after the block the connection is
back to one statement at a time."""

from __future__ import annotations

import time

import psycopg
import pytest
from django.db import DataError, connection, transaction
from django.db.models import Count, F, OuterRef, Subquery, Value
from django.db.models.functions import Concat
from django.test.utils import CaptureQueriesContext

from capa.models import Nonconformity
from qms import ahead
from qms.due_sql import Statement, fetch
from qms.models import Department
from tests.capa.factories import NonconformityFactory
from tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ncrs(head, dept):
    return NonconformityFactory.create_batch(4, owner=head, department=dept)


_LATER = Nonconformity.objects.filter(created_at__gte=OuterRef("created_at")).exclude(pk=OuterRef("pk"))


def _named_rows(queryset):
    return queryset.annotate(
        who=Concat(F("owner__first_name"), Value(" "), F("owner__last_name"))
    ).values_list("pk", "reference", "who", "created_at", named=True)


def test_rows_sent_ahead_are_the_rows_the_queryset_gives(ncrs):
    queryset = _named_rows(Nonconformity.objects.order_by("-created_at", "-pk"))
    expected = list(queryset)
    with ahead.reading():
        sent = ahead.send_rows(queryset)
    rows = sent.rows()
    assert rows == expected and len(rows) == 4
    assert [row.reference for row in rows] == [row.reference for row in expected]
    assert rows[0].created_at.tzinfo is not None  # converted as Django converts it


def test_rows_whose_order_needs_more_columns_than_they_show_are_cut_to_the_shown_ones(ncrs):
    queryset = Nonconformity.objects.values_list("reference").distinct().order_by("-created_at")
    expected = list(queryset)
    with ahead.reading():
        sent = ahead.send_rows(queryset)
    assert sent.rows() == expected == [(n.reference,) for n in sorted(ncrs, key=lambda n: n.created_at)][::-1]


def test_a_statement_sent_ahead_is_read_by_fetch_and_run_once(ncrs, dept):
    DepartmentFactory(name="Assembly", code="ASM")
    statement = Statement('SELECT "name" FROM "qms_department" ORDER BY "name"', ())
    with CaptureQueriesContext(connection) as ctx, ahead.reading():
        ahead.send(statement)
        ahead.send(statement)  # already on its way: not sent twice
        rows = list(fetch(statement))
        ahead.send(statement)  # read already: not sent again
        again = list(fetch(statement))  # the same rows, no second round trip (two selects of it)
    assert rows == again == [("Assembly",), ("Quality Control",)]
    assert [q["sql"] for q in ctx.captured_queries].count(statement.sql) == 1
    with CaptureQueriesContext(connection) as ctx, ahead.reading():
        assert list(fetch(statement)) == rows  # a new block (a new page) reads it anew
    assert [q["sql"] for q in ctx.captured_queries].count(statement.sql) == 1


def test_a_statement_not_sent_is_run_each_time_it_is_read_in_a_block(dept):
    statement = Statement('SELECT "name" FROM "qms_department" ORDER BY "name"', ())
    with CaptureQueriesContext(connection) as ctx, ahead.reading():
        first = list(fetch(statement))
        DepartmentFactory(name="Assembly", code="ASM")
        assert list(fetch(statement)) == [("Assembly",), *first]
    assert [q["sql"] for q in ctx.captured_queries].count(statement.sql) == 2


def test_nothing_is_sent_for_a_queryset_that_cannot_match(ncrs):
    with CaptureQueriesContext(connection) as ctx, ahead.reading():
        sent = ahead.send_rows(Nonconformity.objects.filter(pk__in=[]).values_list("pk"))
    assert sent.rows() == []
    assert not [q for q in ctx.captured_queries if "capa_nonconformity" in q["sql"]]


def test_records_are_read_when_asked_for_not_sent(ncrs):
    queryset = Nonconformity.objects.order_by("pk")
    with CaptureQueriesContext(connection) as ctx, ahead.reading():
        sent = ahead.send_rows(queryset)
    assert not [q for q in ctx.captured_queries if "capa_nonconformity" in q["sql"]]
    assert sent.rows() == list(queryset) == sorted(ncrs, key=lambda n: n.pk)


@pytest.mark.parametrize(
    "narrow",
    [
        lambda qs: qs,
        lambda qs: qs.filter(status="open"),
        lambda qs: qs.annotate(raised=Count("capas")).filter(raised=0),  # grouped: Django counts
        lambda qs: qs.annotate(n=Subquery(_LATER.values("pk")[:1])).filter(n__isnull=False),
        lambda qs: qs.filter(pk__in=[]),  # nothing can match: no statement
        lambda qs: qs.distinct(),
    ],
    ids=["all", "filtered", "grouped", "subquery", "none", "distinct"],
)
def test_a_count_sent_ahead_is_the_querysets_count(ncrs, narrow):
    ncrs[0].status = "closed"
    ncrs[0].save()
    queryset = narrow(Nonconformity.objects.select_related("owner").order_by("-created_at"))
    expected = queryset.count()
    with ahead.reading():
        counting = ahead.send_count(queryset)
    assert counting.value() == expected


def test_outside_a_block_send_does_nothing_and_fetch_runs_the_statement(dept):
    statement = Statement('SELECT "code" FROM "qms_department"', ())
    with CaptureQueriesContext(connection) as ctx:
        ahead.send(statement)
        rows = list(fetch(statement))
    assert rows == [("QC",)] and len(ctx.captured_queries) == 1


def test_a_statement_runs_on_the_server_before_anything_waits_for_it():
    """The point of sending ahead: PostgreSQL is already reading while Python goes on."""
    mark = "ahead-probe-7f3a"
    statement = Statement(f"SELECT pg_sleep(0.6), '{mark}'", ())
    with ahead.reading():
        ahead.send(statement)
        seen = False
        with psycopg.connect(
            dbname=connection.settings_dict["NAME"], host="127.0.0.1", user="postgres", autocommit=True
        ) as other:
            deadline = time.monotonic() + 0.5
            while not seen and time.monotonic() < deadline:
                seen = bool(
                    other.execute(
                        "SELECT 1 FROM pg_stat_activity"
                        " WHERE state = 'active' AND query LIKE %s AND pid <> pg_backend_pid()",
                        (f"%{mark}%",),
                    ).fetchone()
                )
        assert seen, "the statement sent ahead was not running while Python went on"
        assert list(fetch(statement)) == [("", mark)]


def test_an_error_in_a_statement_sent_ahead_is_djangos_and_the_connection_goes_on(dept):
    with pytest.raises(DataError), transaction.atomic(), ahead.reading():
        statement = Statement("SELECT 1 / 0", ())
        ahead.send(statement)
        list(fetch(statement))
    assert connection.connection._pipeline is None
    assert list(Department.objects.values_list("code", flat=True)) == ["QC"]


def test_an_iterator_inside_the_block_reads_through_a_plain_cursor(ncrs):
    """A choice list Django writes itself reads its rows with ``iterator()``: a server-side
    cursor, which pipeline mode refuses."""
    with ahead.reading():
        assert sorted(Nonconformity.objects.values_list("pk", flat=True).iterator(chunk_size=2)) == sorted(
            n.pk for n in ncrs
        )


def test_after_the_block_the_connection_reads_one_statement_at_a_time(ncrs):
    with ahead.reading():
        assert connection.connection._pipeline is not None
        with ahead.reading():  # a block inside a block is the same block
            pass
        assert connection.connection._pipeline is not None
    assert connection.connection._pipeline is None
    # iterator() reads through a server-side cursor again.
    assert "chunked_cursor" not in vars(connection._connections[connection._alias])
    assert len(list(Nonconformity.objects.values_list("pk").iterator(chunk_size=2))) == 4
    assert Nonconformity.objects.aggregate(n=Count("pk"))["n"] == 4


def test_a_register_sends_its_filter_bars_tables_and_its_rows_ahead(client_for, quality_manager, ncrs):
    """The NCR register's departments (a whole table in its filter bar) and its rows are sent in
    pipeline mode, its count and the signed-in user are not (they are read one at a time)."""
    pipelined = []

    def record(execute, sql, params, many, context):
        pipelined.append((sql, connection.connection._pipeline is not None))
        return execute(sql, params, many, context)

    client = client_for(quality_manager)
    with connection.execute_wrapper(record):
        page = client.get("/capa/ncr/")
    assert page.status_code == 200 and page.content.decode().count("Burr on part") == 4
    sent = [sql for sql, on in pipelined if on]
    one_at_a_time = [sql for sql, on in pipelined if not on]
    assert len(sent) == 2
    assert 'FROM "qms_department"' in sent[0]
    assert 'FROM "capa_nonconformity"' in sent[1] and sent[1].endswith("LIMIT 51")
    assert any('FROM "django_session"' in sql for sql in one_at_a_time)
    assert any('FROM "qms_user"' in sql for sql in one_at_a_time)


def test_a_longer_register_sends_its_count_and_writes_its_rows_meanwhile(
    client_for, quality_manager, head, dept
):
    NonconformityFactory.create_batch(51, owner=head, department=dept)
    pipelined = []

    def record(execute, sql, params, many, context):
        pipelined.append((sql, connection.connection._pipeline is not None))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        page = client_for(quality_manager).get("/capa/ncr/").content.decode()
    assert "51 in all" in page and page.count("Burr on part") == 50
    counts = [(sql, on) for sql, on in pipelined if sql.startswith("SELECT COUNT(*)")]
    assert len(counts) == 1 and counts[0][1] and "capa_nonconformity" in counts[0][0]


def test_with_pipelined_reads_off_a_register_reads_one_statement_at_a_time(
    client_for, quality_manager, ncrs, settings
):
    """For a connection pooler that does not pass pipelined statements through."""
    settings.DB_PIPELINED_READS = False
    pipelined = []

    def record(execute, sql, params, many, context):
        pipelined.append(connection.connection._pipeline is not None)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        page = client_for(quality_manager).get("/capa/ncr/").content.decode()
    assert page.count("Burr on part") == 4 and "4 in all" in page
    assert pipelined and not any(pipelined)
