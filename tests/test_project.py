"""The project's own promises: the service check speaks one clear line, static files collect
for production, the demo company loads once, `make test` lints, checks the services and runs the
suite, and CI runs it."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.http import HttpRequest

from qms.models import Department, Role, User

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "env, expected",
    [
        ({"DATABASE_URL": "postgres://postgres@127.0.0.1:5999/qms"}, "PostgreSQL is not reachable"),
        ({"REDIS_URL": "redis://127.0.0.1:6999/0"}, "Redis is not reachable"),
    ],
)
def test_an_unreachable_service_is_one_clear_line_not_a_traceback(env, expected):
    result = subprocess.run(
        [sys.executable, "scripts/check_services.py"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert expected in lines[0] and "start" in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_static_files_collect_with_the_production_storage(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "STATIC_ROOT": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "qms.settings",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "staticfiles.json").exists()
    # Each file's address is whitenoise's, found once and kept while the manifest is the same.
    from whitenoise.storage import CompressedManifestStaticFilesStorage

    from qms.staticstorage import StaticFilesStorage

    ours = StaticFilesStorage(location=str(tmp_path), base_url="/static/")
    theirs = CompressedManifestStaticFilesStorage(location=str(tmp_path), base_url="/static/")
    for name in ("vendor/bootstrap.min.css", "qms/app.js", "qms/favicon.svg"):
        assert ours.url(name) == theirs.url(name) != f"/static/{name}"
        assert ours.url(name) == theirs.url(name)  # the kept address
    with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
        ours.url("qms/no-such-file.css")
    ours.hashed_files = {**ours.hashed_files, ours.hash_key("qms/app.js"): "qms/app.changed.js"}
    assert ours.url("qms/app.js") == "/static/qms/app.changed.js"  # a new manifest is read afresh


@pytest.mark.django_db
def test_the_demo_company_loads_once(capsys):
    call_command("load_demo", "--if-empty")
    assert Department.objects.count() >= 9
    assert User.objects.filter(role=Role.DEPARTMENT_HEAD).count() == 9
    assert User.objects.filter(role=Role.QUALITY_MANAGER).count() == 1
    auditor = User.objects.get(role=Role.AUDITOR)
    assert auditor.access_expires_on is not None and not auditor.access_expired
    for dept in Department.objects.exclude(code="QM"):
        assert dept.head and dept.head.department == dept
    people = User.objects.count()
    call_command("load_demo", "--if-empty")
    assert User.objects.count() == people
    assert "already has people" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_demo_logins_work(client):
    call_command("load_demo", "--if-empty")
    from qms.demo import DEMO_PASSWORD, logins

    for username, _role, _who in logins():
        assert client.login(request=HttpRequest(), username=username, password=DEMO_PASSWORD), username
        client.logout()


def test_make_test_lints_checks_the_services_and_runs_the_suite_with_the_arguments_given():
    # What `make test` (the README's command) would run, without running it.
    result = subprocess.run(
        ["make", "-n", "test", "PYTEST_ARGS=-k widget -x"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    commands = [line for line in result.stdout.splitlines() if not line.startswith("echo")]
    steps = [
        "scripts/install.sh",
        "ruff check .",
        "ruff format --check .",
        "check_services.py",
        "pytest -n 2 --dist loadgroup -k widget -x",  # two test processes, one per core
    ]
    positions = [next(i for i, line in enumerate(commands) if step in line) for step in steps]
    assert positions == sorted(positions), commands


def test_make_bench_runs_every_benchmark():
    # A benchmark left out of `make bench` regresses unseen: the calibration and traceability
    # benchmarks once were, and the first run that included them found the former's query check
    # out of date.
    result = subprocess.run(["make", "-n", "bench"], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    ran = set(re.findall(r"\b(\w+_bench)\b", result.stdout))
    written = {path.stem for path in (ROOT / "bench").glob("*_bench.py")}
    assert written and ran == written


def test_ci_runs_make_test_and_then_the_audit(tmp_path):
    # A stand-in for make records what CI asks of it.
    log = tmp_path / "make.log"
    fake = tmp_path / "make"
    fake.write_text(f'#!/bin/sh\necho "$@" >> {log}\n')
    fake.chmod(0o755)
    result = subprocess.run(
        ["bash", str(ROOT / ".ci" / "run")],
        env={"PATH": f"{tmp_path}:/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert log.read_text().splitlines() == ["test", "audit"]


@pytest.mark.django_db(transaction=True)
def test_the_flush_after_a_test_on_committed_data_leaves_the_database_as_migrate_did(head):
    # tests/conftest.py: the flush that ends every transactional test empties the tables and puts
    # back the rows the migrations seeded, whatever the test did to them.
    from suppliers.models import TierPolicy

    seeded = sorted(TierPolicy.objects.values_list("tier", "audit_months"))
    assert seeded
    TierPolicy.objects.update(audit_months=99)
    TierPolicy.objects.filter(tier=seeded[0][0]).delete()
    call_command("flush", verbosity=0, interactive=False, reset_sequences=False)  # as Django's teardown
    assert sorted(TierPolicy.objects.values_list("tier", "audit_months")) == seeded
    assert not User.objects.exists() and not Department.objects.exists()


def test_no_message_writes_a_day_with_a_leading_zero():
    """Every page writes "2 Dec 2026" (``j M Y``); a message formatted with ``%d`` wrote
    "02 Dec 2026" beside it (a lot's release checks)."""
    padded = []
    for path in ROOT.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts or "migrations" in path.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"%d %b|%d %B", line):
                padded.append(f"{path.relative_to(ROOT)}:{number}")
    assert not padded, padded


def test_no_template_comment_runs_over_a_line():
    """Django's ``{# … #}`` ends on its own line: one running over two is printed on the page (the
    person's menu once showed its comment in the navigation bar). Longer notes use
    ``{% comment %}``."""
    open_comments = []
    for path in ROOT.glob("**/templates/**/*.html"):
        if ".venv" in path.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if line.count("{#") > line.count("#}"):
                open_comments.append(f"{path.relative_to(ROOT)}:{number}")
    assert not open_comments, open_comments
