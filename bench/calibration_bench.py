"""Instrument register benchmark: 20,000 instruments in 20 departments, their standing (in
service, due soon, overdue, suspect, quarantined, …) computed in the database. Measures the
register's first page, a page filtered by standing, and the CSV of the whole register, as the
quality manager (who sees everything); the number of queries is compared with a register of 200
(besides the register's count, which a register whose rows fit on one page does without).

    .venv/bin/python bench/calibration_bench.py            # build, measure, compare with the targets
    .venv/bin/python bench/calibration_bench.py --keep     # measure again on the data of the last run

Uses its own database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/qms_bench_calibration),
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

DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/qms_bench_calibration")
os.environ["DATABASE_URL"] = DB_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qms.settings")
os.environ["DB_POOL"] = "false"
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage")

PAGE_TARGET_MS = 300
CSV_TARGET_S = 5.0
SLACK = 1.2


def recreate_database() -> None:
    from urllib.parse import urlsplit

    import psycopg

    url = urlsplit(DB_URL)
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def populate(n: int, today: dt.date, *, first: int = 0) -> None:
    """``n`` instruments spread over 20 departments: most in service, some due soon or overdue,
    a few suspect, quarantined, out of service, retired or lost."""
    from calibration.models import Instrument
    from qms.models import Department, Role, User

    rng = random.Random(1187)
    departments = list(Department.objects.order_by("pk"))
    if not departments:
        departments = [Department.objects.create(name=f"Department {i}", code=f"D{i:02d}") for i in range(20)]
    owner = User.objects.filter(role=Role.QUALITY_MANAGER).first() or User.objects.create(
        username="bench-qm", role=Role.QUALITY_MANAGER, first_name="Bench", last_name="QM"
    )
    types = ["Outside micrometer", "Caliper", "Bore gauge", "Height gauge", "Pin gauge", "Gauge block set"]
    rows = []
    for i in range(first, first + n):
        status = rng.choices(
            ["in_service", "out_of_service", "quarantined", "retired", "lost"], [90, 4, 2, 3, 1]
        )[0]
        rows.append(
            Instrument(
                reference=f"INS-{today.year}-{i:05d}",
                tag=f"G-{i:05d}",
                title=f"{rng.choice(types)} {i}",
                type_name=rng.choice(types),
                location=f"Cell {rng.randint(1, 12)}",
                owner=owner,
                department=rng.choice(departments),
                created_by=owner,
                status=status,
                suspect=rng.random() < 0.01,
                due_date=today + dt.timedelta(days=rng.randint(-60, 365)),
                last_calibrated_on=today - dt.timedelta(days=rng.randint(1, 365)),
                interval_value=12,
            )
        )
    Instrument.objects.bulk_create(rows, batch_size=5000)


def timed(fn, runs: int = 5) -> tuple[float, object]:
    result = fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def measure(label: str) -> tuple[list[tuple[str, float, float]], dict]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from calibration.models import Instrument
    from qms.models import Role, User

    client = Client()
    client.force_login(User.objects.filter(role=Role.QUALITY_MANAGER).first())
    results, queries = [], {}
    total = Instrument.objects.count()
    for name, url in (
        ("register, first page", "/calibration/instruments/"),
        ("register, overdue only", "/calibration/instruments/?standing=overdue"),
        ("register, due soon, searched", "/calibration/instruments/?standing=due_soon&q=micrometer"),
    ):

        def page(url=url):
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            return response

        seconds, _ = timed(page)
        with CaptureQueriesContext(connection) as ctx:
            page()
        # The register's count is a statement of its own only when the rows fill more than one
        # page (qms.paging): a filtered register of 200 instruments may fit on its first page and
        # needs none. What must not grow with the rows is every other statement, and the count's
        # one at most.
        counts = sum(q["sql"].startswith('SELECT COUNT(*) AS "__count"') for q in ctx.captured_queries)
        queries[name] = len(ctx.captured_queries) - counts
        if counts > 1:
            queries[name] = f"{queries[name]} and {counts} counts"
        print(
            f"{label}: {name} ({total} instruments): {seconds * 1000:.0f} ms, {len(ctx.captured_queries)} queries"
        )
        results.append((f"{name} ({total})", seconds * 1000, PAGE_TARGET_MS))

    def csv():
        response = client.get("/calibration/instruments/?format=csv")
        return b"".join(response.streaming_content) if response.streaming else response.content

    seconds, content = timed(csv, runs=3)
    rows = content.count(b"\n") - 1
    print(f"{label}: whole register CSV: {seconds:.2f} s ({rows} rows)")
    results.append((f"register CSV ({total})", seconds, CSV_TARGET_S))
    return results, queries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instruments", type=int, default=20000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if not args.keep:
        recreate_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    today = timezone.localdate()
    results = []
    if not args.keep:
        call_command("migrate", verbosity=0)
        populate(200, today)
        _, small = measure("200 instruments")
        started = time.perf_counter()
        populate(args.instruments - 200, today, first=200)
        print(f"setup of {args.instruments} instruments took {time.perf_counter() - started:.1f} s")
    else:
        small = None
    results, large = measure(f"{args.instruments} instruments")
    if small is not None:
        same = small == large
        print(
            f"queries besides the register's count at 200 and {args.instruments}: {small} / {large} — "
            f"{'the same' if same else 'NOT constant'}"
        )
        if not same:
            results.append(("constant queries", 1, 0))
    failed = [(n, v, t) for n, v, t in results if v > t * SLACK]
    for name, value, target in failed:
        print(f"TOO SLOW: {name}: {value:.1f} against a target of {target}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
