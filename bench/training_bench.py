"""Competence matrix benchmark: 500 people × 200 competences, every cell trained (120,000 training
records with their requalification history), 30 job roles, absences. Measures a department's matrix
page (target under 300 ms, with a number of queries that does not grow with the department) and the
whole company's exports (CSV, XLSX: target under 5 s each; the PDF is measured too).

    .venv/bin/python bench/training_bench.py            # build, measure, compare with the targets
    .venv/bin/python bench/training_bench.py --keep     # measure again on the data of the last run

Uses its own database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/qms_bench_training),
dropped, created and migrated on every run unless --keep. Exits non-zero when a figure is more than
20 % past its target.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/qms_bench_training")
os.environ["DATABASE_URL"] = DB_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qms.settings")
os.environ["DB_POOL"] = "false"
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage")

MATRIX_TARGET_MS = 300
EXPORT_TARGET_S = 5.0
SLACK = 1.2  # fail only when more than 20 % past a target


def recreate_database() -> None:
    from urllib.parse import urlsplit

    import psycopg

    url = urlsplit(DB_URL)
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def populate(n_people: int, n_competences: int, n_departments: int, today: dt.date) -> None:
    """Departments of different sizes (from 20 to 80 people), two processes each, the competences
    spread over them, three job roles per department needing 15 competences each, everyone holding
    one or two roles, a training record in every cell (a fifth of them with an older one before)."""
    from dateutil.relativedelta import relativedelta

    from qms.models import Department, Process, Role, User
    from training.models import (
        Absence,
        Competence,
        JobRole,
        RoleAssignment,
        RoleRequirement,
        TrainingFile,
        TrainingRecord,
    )

    rng = random.Random(72)
    departments = Department.objects.bulk_create(
        [Department(name=f"Department {i:02d}", code=f"D{i:02d}") for i in range(n_departments)]
    )
    weights = [20 + (60 * i) // max(1, n_departments - 1) for i in range(n_departments)]
    sizes = [max(2, round(n_people * w / sum(weights))) for w in weights]
    sizes[-1] += n_people - sum(sizes)
    people = []
    for d, size in zip(departments, sizes, strict=True):
        for k in range(size):
            n = len(people)
            people.append(
                User(
                    username=f"p{n:04d}",
                    first_name="Person",
                    last_name=f"{n:04d}",
                    email=f"p{n:04d}@bench.example",
                    password="!unusable",
                    role=Role.DEPARTMENT_HEAD if k == 0 else Role.STAFF,
                    department=d,
                )
            )
    people = User.objects.bulk_create(people, batch_size=1000)
    heads = {}
    for user in people:
        if user.role == Role.DEPARTMENT_HEAD:
            heads[user.department_id] = user
    for d in departments:
        d.head = heads[d.pk]
    Department.objects.bulk_update(departments, ["head"])
    processes = Process.objects.bulk_create(
        [Process(name=f"Process {d.code}-{k}", department=d) for d in departments for k in range(2)]
    )
    competences = Competence.objects.bulk_create(
        [
            Competence(
                reference=f"COMP-{today.year}-{i + 1:04d}",
                title=f"Competence {i + 1:03d}",
                owner=heads[processes[i % len(processes)].department_id],
                department_id=processes[i % len(processes)].department_id,
                created_by=people[0],
                status="active",
                process=processes[i % len(processes)],
                requalify_months=rng.choice([None, None, 12, 24]),
                min_coverage=2,
            )
            for i in range(n_competences)
        ],
        batch_size=1000,
    )
    by_department: dict[int, list] = {}
    for c in competences:
        by_department.setdefault(c.department_id, []).append(c)
    roles = JobRole.objects.bulk_create(
        [
            JobRole(
                reference=f"ROLE-{today.year}-{i * 3 + k + 1:04d}",
                title=f"Role {d.code}-{k}",
                owner=heads[d.pk],
                department=d,
                created_by=people[0],
                status="active",
            )
            for i, d in enumerate(departments)
            for k in range(3)
        ]
    )
    requirements = []
    for role in roles:
        own = by_department.get(role.department_id, [])
        chosen = rng.sample(own, min(12, len(own))) + rng.sample(competences, 3)
        for c in {c.pk: c for c in chosen}.values():
            requirements.append(RoleRequirement(job_role=role, competence=c, level=rng.choice([1, 2, 2, 3])))
    RoleRequirement.objects.bulk_create(requirements)
    files = TrainingFile.objects.bulk_create(
        [
            TrainingFile(
                reference=f"TF-{today.year}-{i + 1:04d}",
                title=f"Training file: Person {p.last_name}",
                owner=p,
                department_id=p.department_id,
                created_by=people[0],
                status="open",
            )
            for i, p in enumerate(people)
        ],
        batch_size=1000,
    )
    roles_of: dict[int, list] = {}
    for role in roles:
        roles_of.setdefault(role.department_id, []).append(role)
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(file=f, job_role=role, since=today - dt.timedelta(days=400), status="held")
            for f in files
            for role in rng.sample(roles_of[f.department_id], rng.choice([1, 2]))
        ],
        batch_size=2000,
    )
    records = []
    for f in files:
        for c in competences:
            trained = today - dt.timedelta(days=rng.randint(1, 900))
            level = rng.choices([0, 1, 2, 3], weights=[5, 20, 55, 20])[0]
            expires = trained + relativedelta(months=c.requalify_months) if c.requalify_months else None
            if rng.random() < 0.2:
                earlier = trained - dt.timedelta(days=rng.randint(200, 700))
                records.append(_record(f, c, earlier, max(level - 1, 0), None, people[0]))
            records.append(_record(f, c, trained, level, expires, people[0]))
    for start in range(0, len(records), 10000):
        TrainingRecord.objects.bulk_create(records[start : start + 10000])
    Absence.objects.bulk_create(
        [
            Absence(
                file=f,
                starts_on=today + dt.timedelta(days=d),
                ends_on=today + dt.timedelta(days=d + rng.randint(0, 9)),
            )
            for f in rng.sample(files, 60)
            for d in [rng.randint(-5, 25)]
        ]
    )
    print(
        f"setup: {len(people)} people in {len(departments)} departments ({min(sizes)}–{max(sizes)} each), "
        f"{len(competences)} competences, {len(roles)} job roles, {len(records)} training records"
    )


def _record(file, competence, trained, level, expires, by):
    from training.models import TrainingRecord

    return TrainingRecord(
        file=file,
        competence=competence,
        trained_on=trained,
        method="on_the_job",
        provider="Bench",
        result="passed",
        level=level,
        expires_on=expires,
        status="recorded",
        recorded_by=by,
    )


def timed(fn, runs: int = 5) -> tuple[float, object]:
    """Median wall time of ``runs`` calls (after one to warm up) and the last result."""
    result = fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def measure() -> list[tuple[str, float, float]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from qms.models import Department, Role, User
    from tests.helpers import body

    results = []
    departments = sorted(Department.objects.all(), key=lambda d: d.members.count())
    quality = User.objects.filter(role=Role.QUALITY_MANAGER).first() or User.objects.create(
        username="bench-qm", role=Role.QUALITY_MANAGER
    )
    client = Client()
    client.force_login(quality)
    client.get("/training/")
    queries = {}
    for department in (departments[0], departments[-1]):
        url = f"/training/?department={department.pk}"

        def page(url=url):
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            return response

        seconds, response = timed(page)
        with CaptureQueriesContext(connection) as ctx:
            page()
        people = department.members.count()
        columns = response.content.decode().count('class="m-head')
        queries[department.code] = len(ctx.captured_queries)
        print(
            f"department matrix, {people} people × {columns} competences ({people * columns} cells): "
            f"{seconds * 1000:.0f} ms, {len(ctx.captured_queries)} queries"
        )
        results.append((f"department matrix ({people} people)", seconds * 1000, MATRIX_TARGET_MS))
    same = len(set(queries.values())) == 1
    print(f"queries: {queries} — {'the same for both' if same else 'NOT constant'}")
    if not same:
        results.append(("constant queries", 1, 0))
    for fmt, read in (("csv", body), ("xlsx", lambda r: r.content)):

        def export(fmt=fmt, read=read):
            response = client.get(f"/training/?scope=company&format={fmt}")
            assert response.status_code == 200
            return read(response)

        seconds, content = timed(export, runs=3)
        print(f"whole company {fmt.upper()}: {seconds:.2f} s ({len(content) / 1e6:.1f} MB)")
        results.append((f"company {fmt.upper()}", seconds, EXPORT_TARGET_S))
    for label, url in (
        ("largest department's PDF", f"/training/?department={departments[-1].pk}&format=pdf"),
        ("whole company PDF", "/training/?scope=company&format=pdf"),
    ):
        seconds, content = timed(lambda url=url: client.get(url).content, runs=3)
        print(f"{label} (A4 landscape): {seconds:.2f} s, {len(content) / 1e3:.0f} kB (reported, no target)")
    return results


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--competences", type=int, default=200)
    parser.add_argument("--departments", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help="measure on the data of the previous run")
    args = parser.parse_args()
    if not args.keep:
        recreate_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    if not args.keep:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        populate(args.people, args.competences, args.departments, timezone.localdate())
        print(f"setup took {time.perf_counter() - started:.1f} s")
    failed = False
    for label, value, target in measure():
        ok = value <= target * SLACK
        failed |= not ok
        unit = "ms" if "matrix" in label else "s" if target else ""
        print(f"{'PASS' if ok else 'FAIL'}: {label} {value:.2f} {unit} (target {target} {unit})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
