"""Fixtures shared by every test: a department pair and one user per role."""

import json
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.servers.basehttp import WSGIRequestHandler

from qms.models import Role
from tests.factories import PASSWORD, DepartmentFactory, UserFactory

# The live server the browser tests load pages from (Django's WSGI server, connections kept
# alive) sends a response's headers and its body in separate small writes; with Nagle's algorithm
# on, the second waited for the browser's delayed acknowledgment, 40 ms on Linux, on about half of
# the requests (a trivial page 81 ms a navigation against 36-50 ms with it off; the 390 px walk's
# 283 pages 25.4 -> 21.9 s). Gunicorn, which serves the product, sets TCP_NODELAY too.
WSGIRequestHandler.disable_nagle_algorithm = True


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    request,
    django_db_modify_db_settings_parallel_suffix,
    django_db_blocker,
    django_db_keepdb,
    django_db_createdb,
):
    """Each test process's database is copied from a template migrated once (tests/dbtemplate.py)
    instead of migrating an empty database in every process. With ``--reuse-db`` a kept database
    is only migrated forward, as before."""
    if request.config.getvalue("nomigrations"):
        return
    from tests.dbtemplate import test_database_exists, use_template

    worker = getattr(request.config, "workerinput", {}).get("workerid")
    name = settings.DATABASES["default"]["TEST"]["NAME"]
    with django_db_blocker.unblock():
        if django_db_keepdb and not django_db_createdb and test_database_exists(name):
            return
        base = name.removesuffix(f"_{worker}") if worker else name
        use_template(base, verbosity=request.config.option.verbose)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups off the items
def pytest_collection_modifyitems(items):
    """Under pytest-xdist (``make test`` runs two), the tests that start real Celery workers and
    kill them all run on one xdist worker, one after another, so their timings never compete
    and no worker with a short visibility timeout hands back another test's killed task.
    (pytest 9 ignores the node id xdist gives a group's items, so pyproject.toml keeps pytest 8.)"""
    for item in items:
        if item.get_closest_marker("worker"):
            item.add_marker(pytest.mark.xdist_group("celery-workers"))


@pytest.fixture(scope="session", autouse=True)
def _flush_by_delete(django_db_setup, django_db_blocker):
    """A test on committed data (``transactional_db``, the live server) ends with Django's flush:
    one TRUNCATE of every table, which takes PostgreSQL seconds (new files for some 200 tables and
    their indexes) however few rows the test wrote. Instead the tables are emptied with DELETE in
    one transaction, foreign keys checked at its commit (milliseconds), and the rows the
    migrations seeded (the suppliers' tier policies …) are put back as they were, so the next
    test meets the database as ``migrate`` left it, whichever tests ran before it in its process.
    Content types and permissions are kept: Django would only make them again (with new ids)."""
    from django.db import connection
    from django.db.backends.postgresql.operations import DatabaseOperations

    if connection.settings_dict["NAME"] != connection.settings_dict["TEST"]["NAME"]:
        yield  # no test of this run uses the database, so none was set up (nothing to flush)
        return
    kept = {"django_content_type", "auth_permission"}
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
        seeds = []
        for table in sorted(set(tables) - kept):
            cursor.execute(f"SELECT json_agg(t) FROM {connection.ops.quote_name(table)} t")  # noqa: S608
            rows = cursor.fetchone()[0]
            if rows:
                seeds.append((table, json.dumps(rows)))
    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences:
            return truncate(self, style, tables, reset_sequences=True, allow_cascade=allow_cascade)
        emptied = [f"DELETE FROM {self.quote_name(t)}" for t in tables if t not in kept]
        restored = [
            f"INSERT INTO {name} SELECT * FROM json_populate_recordset(NULL::{name}, $seed${rows}$seed$)"
            for name, rows in ((self.quote_name(t), rows) for t, rows in seeds if t in tables)
        ]
        return ["SET CONSTRAINTS ALL DEFERRED", *emptied, *restored]

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = truncate


@pytest.fixture(autouse=True)
def _attachment_dir():
    """A clean private attachment store per test."""
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    root.mkdir(parents=True, exist_ok=True)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """A real S3-protocol server (moto's standalone server) on a loopback port, for the session."""
    from tests.objectstore import S3Server

    server = S3Server(tmp_path_factory.mktemp("moto") / "moto.log")
    yield server
    server.stop()


@pytest.fixture(params=["local", "s3"])
def file_store(request, settings, _attachment_dir):
    """The file store of the test, once as the local directory and once as a bucket of the S3
    server: every test that takes it runs against both backends."""
    from tests.objectstore import Store

    if request.param == "local":
        return Store("local", root=_attachment_dir)
    s3 = request.getfixturevalue("s3_server")
    bucket = s3.new_bucket()
    settings.STORAGES = {**settings.STORAGES, "default": s3.storage_settings(bucket)}
    return Store("s3", s3=s3, bucket=bucket)


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def dept(db):
    return DepartmentFactory(name="Quality Control", code="QC")


@pytest.fixture
def other_dept(db):
    return DepartmentFactory(name="Production", code="PROD")


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", role=Role.ADMINISTRATOR, department=None)


@pytest.fixture
def quality_manager(db):
    return UserFactory(username="qm", role=Role.QUALITY_MANAGER, department=None)


@pytest.fixture
def top(db):
    """Top management: sees every record, changes the ones they own."""
    return UserFactory(username="top", role=Role.TOP_MANAGEMENT, department=None)


@pytest.fixture
def head(dept):
    user = UserFactory(username="head", role=Role.DEPARTMENT_HEAD, department=dept)
    dept.head = user
    dept.save()
    return user


@pytest.fixture
def staff(dept, head):
    return UserFactory(username="staff", role=Role.STAFF, department=dept, manager=head)


@pytest.fixture
def other_head(other_dept):
    user = UserFactory(username="otherhead", role=Role.DEPARTMENT_HEAD, department=other_dept)
    other_dept.head = user
    other_dept.save()
    return user


@pytest.fixture
def other_staff(other_dept, other_head):
    return UserFactory(username="otherstaff", role=Role.STAFF, department=other_dept, manager=other_head)


@pytest.fixture
def auditor(db):
    return UserFactory(username="auditor", role=Role.AUDITOR, department=None)


@pytest.fixture
def client_for(client):
    """Log the test client in as a user: ``client_for(user)``."""

    def login(user):
        client.force_login(user)
        return client

    return login
