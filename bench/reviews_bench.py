"""KPI dashboard benchmark (issue #16): the management review module's dashboard (/reviews/) for the
quality manager, at the scale of one year of a 500-person company's records, against its target of
300 ms, and its number of queries, which must not grow with the data.

    .venv/bin/python bench/reviews_bench.py            # or: make bench-reviews
    .venv/bin/python bench/reviews_bench.py --people 500 --runs 20

Uses its own database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/qms_bench_reviews),
which it drops, creates and migrates on every run. Exits non-zero when the median is more than 20 %
past the target or the number of queries grew with the data.
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

DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/qms_bench_reviews")
os.environ["DATABASE_URL"] = DB_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qms.settings")
os.environ["DB_POOL"] = "false"
os.environ["STATICFILES_BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
os.environ.setdefault("LOG_LEVEL", "WARNING")

TARGET_MS = 300
URL = "/reviews/"


def recreate_database() -> None:
    from urllib.parse import urlsplit

    import psycopg

    url = urlsplit(DB_URL)
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


class Company:
    """The people of a 500-person company: departments with their heads, the quality manager and
    the managing director."""

    def __init__(self, people: int, departments: int) -> None:
        from qms.models import Department, Role, User

        self.departments = Department.objects.bulk_create(
            [Department(name=f"Department {i:02d}", code=f"D{i:02d}") for i in range(departments)]
        )
        users = [
            User(
                username=f"p{i:04d}",
                first_name="Person",
                last_name=f"{i:04d}",
                password="!unusable",
                role=Role.DEPARTMENT_HEAD if i < departments else Role.STAFF,
                department=self.departments[i % departments],
            )
            for i in range(people)
        ]
        users.append(
            User(
                username="qm",
                first_name="Eva",
                last_name="Schneider",
                role=Role.QUALITY_MANAGER,
                password="!",
            )
        )
        users.append(
            User(
                username="md",
                first_name="Martin",
                last_name="Richter",
                role=Role.TOP_MANAGEMENT,
                password="!",
            )
        )
        self.people = User.objects.bulk_create(users, batch_size=1000)
        self.staff = self.people[:people]
        self.quality, self.top = self.people[-2], self.people[-1]
        for dept, head in zip(self.departments, self.people[:departments], strict=True):
            dept.head = head
        Department.objects.bulk_update(self.departments, ["head"])
        self.counter = 0

    def reference(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}-{dt.date.today().year}-{self.counter:06d}"


def populate(company: Company, *, months: int, rng: random.Random, today: dt.date) -> dict[str, int]:
    """``months`` of records: NCRs and CAPAs with actions and effectiveness checks, documents with
    revisions read and acknowledged by their distribution, objectives with monthly values and
    quarterly management reviews with decisions and actions."""
    from django.db import connection
    from django.utils import timezone

    from capa.models import Action, Capa, EffectivenessCheck, Nonconformity
    from documents.models import Acknowledgment, Document, Revision

    start = today - dt.timedelta(days=30 * months)
    span = (today - start).days
    people, qm = company.staff, company.quality

    def day() -> dt.date:
        return start + dt.timedelta(days=rng.randrange(span))

    def moment(d: dt.date) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(d, dt.time(rng.randrange(7, 17))))

    causes = ["material", "method", "machine", "man", "measurement", "environment", ""]
    ncrs = []
    for _ in range(100 * months):
        owner = rng.choice(people)
        raised = day()
        closed = rng.random() < 0.8
        ncrs.append(
            Nonconformity(
                reference=company.reference("NCR"),
                title="Burr on chamfer",
                description="3 of 50 parts.",
                owner=owner,
                department_id=owner.department_id,
                created_by=qm,
                status="closed" if closed else "open",
                due_date=raised + dt.timedelta(days=14),
                source=rng.choice(["internal", "internal", "customer", "supplier"]),
                severity=rng.choice(["minor", "minor", "major"]),
                cause_category=rng.choice(causes),
                closed_at=moment(raised + dt.timedelta(days=rng.randrange(1, 30))) if closed else None,
            )
        )
    ncrs = Nonconformity.objects.bulk_create(ncrs, batch_size=2000)
    capas, actions, checks = [], [], []
    for _ in range(20 * months):
        owner = rng.choice(people)
        raised = day()
        closed = rng.random() < 0.6
        capas.append(
            Capa(
                reference=company.reference("CAPA"),
                title="Bore oversize",
                description="Bore out of tolerance.",
                owner=owner,
                department_id=owner.department_id,
                created_by=qm,
                status="closed" if closed else rng.choice(["investigation", "actions"]),
                due_date=raised + dt.timedelta(days=60),
                closed_at=moment(raised + dt.timedelta(days=rng.randrange(20, 90))) if closed else None,
            )
        )
    capas = Capa.objects.bulk_create(capas, batch_size=2000)
    for capa in capas:
        for n in range(1, 4):
            owner = rng.choice(people)
            done = capa.status == "closed" or rng.random() < 0.5
            actions.append(
                Action(
                    capa=capa,
                    number=n,
                    title="Corrective action",
                    owner=owner,
                    due_date=day() + dt.timedelta(days=30),
                    status="done" if done else "open",
                )
            )
        if capa.status == "closed":
            judged = rng.random() < 0.7
            checks.append(
                EffectivenessCheck(
                    capa=capa,
                    planned_date=day() + dt.timedelta(days=90),
                    criteria="No recurrence",
                    planned_by=qm,
                    verifier=rng.choice(people),
                    result=rng.choice(["effective", "effective", "not_effective"]) if judged else "pending",
                    verified_at=moment(day()) if judged else None,
                )
            )
    Action.objects.bulk_create(actions, batch_size=2000)
    EffectivenessCheck.objects.bulk_create(checks, batch_size=2000)
    documents = Document.objects.bulk_create(
        [
            Document(
                reference=company.reference("DOC"),
                number=f"WI-{company.counter:06d}",
                title="Work instruction",
                doc_type="work_instruction",
                owner=(owner := rng.choice(people)),
                department_id=owner.department_id,
                created_by=qm,
                status="active",
                due_date=day() + dt.timedelta(days=365),
            )
            for _ in range(25 * months)
        ],
        batch_size=2000,
    )
    revisions = Revision.objects.bulk_create(
        [
            Revision(document=d, label="A", change_summary="First issue", status="effective", author=d.owner)
            for d in documents
        ],
        batch_size=2000,
    )
    acks = []
    for revision in revisions:
        due = day()
        for reader in rng.sample(people, 40):
            state = rng.random()
            acks.append(
                Acknowledgment(
                    revision=revision,
                    user=reader,
                    due_date=due,
                    status="acknowledged" if state < 0.9 else "pending",
                    acknowledged_at=moment(due + dt.timedelta(days=rng.randrange(-5, 4)))
                    if state < 0.9
                    else None,
                )
            )
    Acknowledgment.objects.bulk_create(acks, batch_size=5000)
    # Records were created over the period, not today.
    with connection.cursor() as cursor:
        for table, ids in (
            (Nonconformity._meta.db_table, [n.pk for n in ncrs]),
            (Capa._meta.db_table, [c.pk for c in capas]),
        ):
            cursor.execute(
                f"UPDATE {table} SET created_at = now() - (random() * %s || ' days')::interval "  # noqa: S608
                "WHERE id = ANY(%s)",
                [span, ids],
            )
    return {
        "nonconformities": len(ncrs),
        "capas": len(capas),
        "capa actions": len(actions),
        "effectiveness checks": len(checks),
        "documents": len(documents),
        "acknowledgments": len(acks),
    }


def management(company: Company, *, rng: random.Random, today: dt.date) -> dict[str, int]:
    """Twenty objectives (half on KPIs, half entered monthly with a year of values) and four
    quarterly management reviews with their decisions and actions, made through the services."""
    from decimal import Decimal

    from dateutil.relativedelta import relativedelta
    from django.utils import timezone

    from reviews import services
    from reviews.models import Objective, ObjectiveValue

    keys = ["capa.closed_on_time", "capa.ncrs", "capa.complaints", "capa.aging", "documents.ack_on_time"]
    heads = company.staff[: len(company.departments)]
    values = []
    for i in range(20):
        head = heads[i % len(heads)]
        objective = services.objective_create(
            by=company.top,
            title=f"Objective {i}",
            target=Decimal(rng.choice([2, 50, 90, 95])),
            measure_key=keys[i % len(keys)] if i % 2 else "",
            unit="%",
            better="higher",
            for_department=i % 4 == 1,
            owner=head,
            department=head.department,
            due_date=dt.date(today.year, 12, 31),
        )
        if objective.is_entered:
            for n in range(1, 13):
                month = today.replace(day=1) - relativedelta(months=n)
                values.append(
                    ObjectiveValue(
                        objective=objective,
                        month=month,
                        value=Decimal(rng.randrange(70, 100)),
                        entered_by=head,
                    )
                )
    ObjectiveValue.objects.bulk_create(values)
    Objective.objects.update(created_at=timezone.now() - dt.timedelta(days=365))
    decisions = actions = 0
    for q in range(4, 0, -1):
        end = today.replace(day=1) - relativedelta(months=3 * (q - 1)) - dt.timedelta(days=1)
        review = services.review_create(
            by=company.quality,
            title=f"Management review {q}",
            period_start=end - relativedelta(months=3) + dt.timedelta(days=1),
            period_end=end,
            due_date=end + dt.timedelta(days=10) if q > 1 else today + dt.timedelta(days=10),
            chair=company.top,
            attendees=heads[:8],
            owner=company.quality,
            department=company.departments[0],
        )
        if q == 1:
            continue  # this quarter's: planned
        services.review_hold(
            review=review, by=company.quality, held_on=min(end + dt.timedelta(days=10), today)
        )
        for k in range(3):
            decision = services.decision_add(
                review=review, by=company.quality, kind="improvement", text=f"Decision {k}"
            )
            decisions += 1
            for a in range(2):
                services.action_add(
                    decision=decision,
                    by=company.quality,
                    title=f"Action {k}.{a}",
                    owner=rng.choice(heads),
                    due_date=today + dt.timedelta(days=rng.randrange(-60, 60)),
                )
                actions += 1
    return {
        "objectives": 20,
        "objective values": len(values),
        "reviews": 4,
        "decisions": decisions,
        "review actions": actions,
    }


def measure(runs: int, url: str = URL) -> tuple[list[float], int]:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from qms.models import User

    client = Client()
    client.force_login(User.objects.get(username="qm"))
    for _ in range(2):  # warm: templates compiled, URL patterns and content types loaded
        assert client.get(url).status_code == 200
    timings = []
    for _ in range(runs):
        reset_queries()
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return timings, len(ctx.captured_queries)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--departments", type=int, default=25)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    recreate_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from qms.services import get_system_user

    get_system_user()
    rng = random.Random(9301)
    today = timezone.localdate()
    started = time.perf_counter()
    company = Company(args.people, args.departments)
    counts = management(company, rng=rng, today=today)
    counts.update(populate(company, months=1, rng=rng, today=today))
    _, small_queries = measure(3)
    more = populate(company, months=args.months - 1, rng=rng, today=today)
    for key, n in more.items():
        counts[key] += n
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"setup: {args.people} people, {args.departments} departments, "
        + ", ".join(f"{n} {k}" for k, n in counts.items())
        + f" in {time.perf_counter() - started:.1f} s"
    )
    timings, queries = measure(args.runs)
    median, worst = statistics.median(timings), max(timings)
    print(
        f"dashboard {URL} for the quality manager, {args.runs} runs: median {median:.0f} ms, "
        f"best {min(timings):.0f} ms, worst {worst:.0f} ms (load average {os.getloadavg()[0]:.1f})"
    )
    print(f"queries: {small_queries} with one month of records, {queries} with {args.months} months")
    from reviews.models import Review

    planned = Review.objects.get(status="planned")
    page, page_queries = measure(5, planned.get_absolute_url())
    print(
        f"for information: the planned review's page, every input compiled live: median "
        f"{statistics.median(page):.0f} ms, {page_queries} queries"
    )
    ok = median <= TARGET_MS * 1.2 and queries == small_queries
    verdict = "PASS" if ok else "FAIL"
    print(
        f"{verdict}: target under {TARGET_MS} ms (median {median:.0f} ms), "
        f"queries constant ({small_queries} → {queries})"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
