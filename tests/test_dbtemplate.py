"""The test template made from ``tests/schema.sql.gz`` (``tests/dbtemplate.py``): a database made
from the file holds every migration as applied, so a test database copied from it is what
``migrate`` builds; a file of other migrations is not used; a file this server cannot load leaves
no database behind and the run migrates instead."""

import gzip

import psycopg
import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from tests import dbtemplate


def _server():
    return psycopg.connect(**dbtemplate._conninfo("postgres"), autocommit=True)


def _exists(name: str) -> bool:
    with _server() as server:
        return server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


@pytest.fixture
def scratch(django_db_setup, django_db_blocker):
    """A database name of the test's own, dropped afterwards with a half-built one."""
    name = f"{connection.settings_dict['NAME']}_schema_file"
    with django_db_blocker.unblock():
        yield name
        with _server() as server:
            for each in (name, f"{name}_building"):
                server.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(each)}")


def test_a_database_made_from_the_file_has_every_migration_applied(scratch):
    digest = dbtemplate.migrations_digest()
    assert dbtemplate._restore(scratch, digest), "tests/schema.sql.gz is not of the current migrations"
    with psycopg.connect(**dbtemplate._conninfo(scratch)) as made:
        applied = set(made.execute("SELECT app, name FROM django_migrations").fetchall())
        tables = {
            row[0] for row in made.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }
    loader = MigrationLoader(None, ignore_no_migrations=True)  # the migration files, no database
    assert set(loader.graph.nodes) <= applied
    assert set(connection.introspection.django_table_names(only_existing=False)) <= tables  # every model's


def test_a_file_of_other_migrations_is_not_used(scratch):
    assert not dbtemplate._restore(scratch, "0" * 12)
    assert not _exists(scratch)


def test_a_file_this_server_cannot_load_leaves_nothing_behind(scratch, monkeypatch, tmp_path):
    digest = dbtemplate.migrations_digest()
    unloadable = tmp_path / "schema.sql.gz"
    # As a newer pg_dump writes (``SET transaction_timeout``, which PostgreSQL 15 does not know).
    unloadable.write_bytes(
        gzip.compress(f"{dbtemplate._first_line(digest)}\nSET no_such_setting_of_any_version = 0;\n".encode())
    )
    monkeypatch.setattr(dbtemplate, "SCHEMA", unloadable)
    assert not dbtemplate._restore(scratch, digest)
    assert not _exists(scratch) and not _exists(f"{scratch}_building")
