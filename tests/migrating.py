"""Data-migration tests on a database of their own, migrated from empty to just before the
migration under test: only the migrations that one depends on run (a few apps' models, seconds),
where migrating the whole test database back and forth re-rendered every model of the project
four times (minutes). The test database is not touched, so the test needs no transaction of its
own and nothing is restored afterwards.

A migration that depends on most of the project (an inspection's, after calibration, documents,
suppliers and training) starts instead from a copy of the migrated template the test database
was made from (``tests/dbtemplate.py``) and is migrated back to just before it: only the
migrations after the target are unapplied, where migrating an empty database up to it took a
minute (``from_template=True``; an empty database when no template was used, ``--reuse-db``).

The migrations' own code uses the default connection (``Model.objects`` without ``using``), so
the default connection is pointed at the scratch database for the test's duration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import SimpleNamespace

from django.apps.registry import Apps
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def _switch_to(name: str) -> None:
    connection.close()
    connection.close_pool()
    connection.settings_dict["NAME"] = settings.DATABASES[connection.alias]["NAME"] = name


@contextmanager
def scratch_database(
    django_db_blocker, *, from_template: bool = False
) -> Iterator[Callable[[list[tuple[str, str]]], Apps]]:
    """An empty database (or a copy of the migrated template), dropped afterwards; yields
    ``migrate(targets)``, which migrates it to the targets and returns the historical models
    there."""
    test_name = connection.settings_dict["NAME"]
    name = f"{test_name}_migrating"
    quote = connection.ops.quote_name
    template = connection.settings_dict["TEST"].get("TEMPLATE") if from_template else None
    copy = f" TEMPLATE {quote(template)}" if template else ""

    def migrate(targets: list[tuple[str, str]]) -> Apps:
        executor = MigrationExecutor(connection)
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps

    with django_db_blocker.unblock():
        with connection.creation._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(name)}")
            cursor.execute(f"CREATE DATABASE {quote(name)}{copy}")
        _switch_to(name)
        try:
            yield migrate
        finally:
            _switch_to(test_name)
            with connection.creation._nodb_cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {quote(name)}")


def people(apps: Apps) -> SimpleNamespace:
    """The quality-control department with its head, and the quality manager, as the fixtures of
    the same names make them, in the historical models of the scratch database."""
    User = apps.get_model(settings.AUTH_USER_MODEL)
    dept = apps.get_model("qms", "Department").objects.create(name="Quality Control", code="QC")
    head = User.objects.create(username="head", role="head", department=dept)
    dept.head = head
    dept.save()
    quality_manager = User.objects.create(username="qm", role="quality")
    return SimpleNamespace(dept=dept, head=head, quality_manager=quality_manager)
