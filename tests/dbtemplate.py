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

On a new machine (CI's every run) there is no template yet, and migrating took 110 of a run's
680 seconds here. So the migrated schema is kept beside the tests as PostgreSQL writes it
(``tests/schema.sql.gz``: ``pg_dump`` of a template that ``migrate`` built, the hash on its
first line) and a template is made from it in a second when its hash is the current one. When it
is not (a migration was added or changed), the template is migrated as before and the file is
written again from it: commit it with the migration. Either way every test database is still
``migrate``d (nothing to do) before its tests run.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import importlib
import re
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

import django
import psycopg
from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader

SCHEMA = Path(__file__).with_name("schema.sql.gz")
_APPLIED = re.compile(r"^(INSERT INTO public\.django_migrations VALUES \(\d+, '[^']*', '[^']*', )'[^']*'\);$")


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


def _written(digest: str) -> str | None:
    """The statements of ``tests/schema.sql.gz`` if it was written from these migrations."""
    if not SCHEMA.exists():
        return None
    first, _, sql = gzip.decompress(SCHEMA.read_bytes()).decode().partition("\n")
    return sql if first == _first_line(digest) else None


def _restore(name: str, digest: str) -> bool:
    """Make the template from ``tests/schema.sql.gz`` if it was written from these migrations.
    On connections of its own (the server's maintenance database, then the new one), whatever
    state Django's connections and their pool are in."""
    sql = _written(digest)
    if sql is None:
        return False
    building = f"{name}_building"
    quote = connection.ops.quote_name
    with psycopg.connect(**_conninfo("postgres"), autocommit=True) as server:
        server.execute(f"DROP DATABASE IF EXISTS {quote(building)}")
        server.execute(f"CREATE DATABASE {quote(building)}")
        try:
            with psycopg.connect(**_conninfo(building), autocommit=True) as loading:
                loading.execute(sql)  # no parameters: the simple protocol, every statement of the dump
        except psycopg.Error as error:  # written by a newer pg_dump (a setting this server lacks) …
            print(f"tests/schema.sql.gz not loaded ({error}); migrating instead", file=sys.__stderr__)
            server.execute(f"DROP DATABASE IF EXISTS {quote(building)}")
            return False
        server.execute(f"ALTER DATABASE {quote(building)} RENAME TO {quote(name)}")
    return True


def _save(name: str, digest: str) -> None:
    """Write ``tests/schema.sql.gz`` from the template ``migrate`` just built: its schema and the
    rows the migrations put in (``django_migrations``, content types, seeded policies) as
    statements psycopg can run, without psql's own commands or the tools' versions (the same
    schema writes the same file). Without a ``pg_dump`` of the server's version, nothing is
    written and the next new machine migrates too."""
    from qms.backup import pg_environment  # libpq's environment for the configured server

    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        return
    command = [pg_dump, "--no-owner", "--no-privileges", "--inserts", "--no-password"]
    done = subprocess.run(command, capture_output=True, text=True, env=pg_environment(name), check=False)  # noqa: S603
    if done.returncode != 0:
        print(f"tests/schema.sql.gz not written: {done.stderr.strip()}", file=sys.__stderr__)
        return
    kept = [
        _APPLIED.sub(r"\1'2000-01-01 00:00:00+00');", line)  # when each migration ran: not the schema
        for line in done.stdout.splitlines()
        if not line.startswith("\\") and not line.startswith(("-- Dumped from", "-- Dumped by"))
    ]
    text = "\n".join([_first_line(digest), *kept, ""])
    SCHEMA.write_bytes(gzip.compress(text.encode(), mtime=0))
    print(f"tests/schema.sql.gz written for migrations {digest}: commit it with them", file=sys.__stderr__)


def _first_line(digest: str) -> str:
    return f"-- the schema migrate builds from migrations {digest} (tests/dbtemplate.py)"


def _conninfo(name: str) -> dict:
    settings_dict = connection.settings_dict
    info = {"dbname": name}
    for option, key in (("host", "HOST"), ("port", "PORT"), ("user", "USER"), ("password", "PASSWORD")):
        if settings_dict.get(key):
            info[option] = settings_dict[key]
    return info


def use_template(base: str, verbosity: int = 0) -> str:
    """Make sure the template for the current migrations exists and have the test database
    created from it; returns its name."""
    digest = migrations_digest()
    name = f"{base}_tpl_{digest}"
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
        if not found and not _restore(name, digest):
            _build(name, verbosity)
            _save(name, digest)  # from what migrate built, never from a template made from the file
    connection.settings_dict["TEST"]["TEMPLATE"] = name
    return name
