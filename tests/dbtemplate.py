"""The test database is a copy of a template built by running every migration once.

Migrating an empty database takes minutes here: Django re-renders every related model of the
project state for each operation, and every model relates to the user model (owner, history),
so a fresh migrate renders some 30,000 model classes. The template is built by the first test
process that needs it (the others wait on a file lock) and each test process's database is made
from it by PostgreSQL (``CREATE DATABASE … TEMPLATE``, seconds), after which Django still runs
``migrate`` on it (finding nothing to do, it proves the copy is up to date).

The template's name carries a hash of every installed app's migration files, of Django's version
and of the installed apps, so a template is never stale: a changed migration builds a new one
(and drops the old). A later run with the same migrations skips migrating altogether.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib
import tempfile
from contextlib import contextmanager
from pathlib import Path

import django
from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader


def migrations_digest() -> str:
    """A hash of everything that decides what ``migrate`` builds on an empty database."""
    from django.apps import apps

    digest = hashlib.sha256()
    digest.update(repr((django.VERSION, settings.INSTALLED_APPS, settings.AUTH_USER_MODEL)).encode())
    for config in sorted(apps.get_app_configs(), key=lambda c: c.label):
        module_name, _explicit = MigrationLoader.migrations_module(config.label)
        if module_name is None:
            continue
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue  # an app without migrations
        for directory in map(Path, getattr(module, "__path__", [])):
            for path in sorted(directory.rglob("*.py")):
                digest.update(f"{config.label}/{path.relative_to(directory)}\0".encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@contextmanager
def _locked(name: str):
    """One test process at a time (pytest-xdist workers on this machine) builds or copies it."""
    with open(Path(tempfile.gettempdir()) / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _exists(cursor, name: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
    return cursor.fetchone() is not None


def test_database_exists(name: str) -> bool:
    with connection.creation._nodb_cursor() as cursor:
        return _exists(cursor, name)


def _build(name: str, verbosity: int) -> None:
    """Migrate a new empty database, then give it the template's name (so a half-built one,
    from a run that was stopped, is never taken for a template)."""
    building = f"{name}_building"
    test = connection.settings_dict["TEST"]
    kept = test["NAME"], test.get("TEMPLATE"), connection.settings_dict["NAME"]
    test["NAME"], test["TEMPLATE"] = building, None
    try:
        connection.creation.create_test_db(verbosity=verbosity, autoclobber=True, serialize=False)
    finally:
        connection.close()
        connection.close_pool()
        test["NAME"], test["TEMPLATE"] = kept[0], kept[1]
        connection.settings_dict["NAME"] = settings.DATABASES[connection.alias]["NAME"] = kept[2]
    quote = connection.ops.quote_name
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute(f"ALTER DATABASE {quote(building)} RENAME TO {quote(name)}")


def use_template(base: str, verbosity: int = 0) -> str:
    """Make sure the template for the current migrations exists and have the test database
    created from it; returns its name."""
    name = f"{base}_tpl_{migrations_digest()}"
    quote = connection.ops.quote_name
    with _locked(f"{base}_tpl"):
        with connection.creation._nodb_cursor() as cursor:
            found = _exists(cursor, name)
            cursor.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s",
                [f"{base}\\_tpl\\_%", name],
            )
            stale = [row[0] for row in cursor.fetchall()]
            for old in stale:  # templates of migrations that changed since
                cursor.execute(f"DROP DATABASE IF EXISTS {quote(old)}")
        if not found:
            _build(name, verbosity)
    connection.settings_dict["TEST"]["TEMPLATE"] = name
    return name
