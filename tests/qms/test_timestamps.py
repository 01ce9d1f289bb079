"""Timestamps are read by psycopg's compiled loader (``qms.timestamps``) and come out exactly as
Django's own loader gives them: the same instant, in the time zone Django expects."""

import datetime as dt

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg.postgres import types
from psycopg.pq import Format

from tests.capa.factories import NonconformityFactory

pytestmark = pytest.mark.django_db

TEXTS = [
    "2017-04-29 13:15:00+00",
    "2026-12-04 09:30:12.345678+00",
    "2026-03-29 01:59:59.999999+01",  # the night clocks go forward in Berlin
    "2026-10-25 02:30:00+02",  # the hour that happens twice
    "1999-12-31 23:59:59.5-05",
    "0001-01-01 00:00:00+00",
]
SQL = "SELECT " + ", ".join(f"'{text}'::timestamptz" for text in TEXTS)


def test_the_connection_reads_timestamps_with_the_compiled_loader():
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(types["timestamptz"].oid, Format.TEXT)
    assert loader.__name__ == "CompiledTzLoader"
    assert loader.timezone == connection.timezone


def test_every_timestamp_reads_as_django_reads_it():
    with connection.cursor() as cursor:
        cursor.execute(SQL)
        ours = cursor.fetchone()
    with connection.cursor() as cursor:
        register_tzloader(connection.timezone, cursor.cursor)  # Django's own, on this cursor only
        cursor.execute(SQL)
        django = cursor.fetchone()
    assert ours == django
    assert [value.tzinfo for value in ours] == [value.tzinfo for value in django] == [dt.UTC] * len(TEXTS)
    assert ours[1] == dt.datetime(2026, 12, 4, 9, 30, 12, 345678, tzinfo=dt.UTC)


def test_a_record_reads_back_the_moment_it_was_made():
    ncr = NonconformityFactory()
    again = type(ncr).objects.get(pk=ncr.pk)
    assert again.created_at == ncr.created_at
    assert again.created_at.tzinfo is dt.UTC
