"""Weekly digest benchmark: 2,000 users, 50,000 due items (nonconformities), the whole digest end
to end (registry → render → claim → SMTP) into a local SMTP sink (aiosmtpd).

    make bench                      # or: .venv/bin/python bench/digest_bench.py
    .venv/bin/python bench/digest_bench.py --users 2000 --items 50000 --batch 500

Uses its own database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/qms_bench), which
it drops, creates and migrates on every run (--keep reuses the data of the previous run).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import multiprocessing as mp
import os
import random
import socket
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/qms_bench")
os.environ["DATABASE_URL"] = DB_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qms.settings")
os.environ["DB_POOL"] = "false"
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.smtp.EmailBackend"
os.environ.setdefault("BASE_URL", "https://qms.example.com")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CountingSink:
    """An SMTP sink that only counts: the benchmark measures our side, not a mail parser."""

    def __init__(self, messages, size) -> None:
        self.messages, self.size = messages, size

    async def handle_DATA(self, server, session, envelope):
        with self.messages.get_lock():
            self.messages.value += 1
            self.size.value += len(envelope.content)
        return "250 OK"


def run_sink(port: int, messages, size, ready) -> None:
    """The SMTP server in a process of its own, as a real mail server would be: in a thread of
    this process it would compete with the digest for the interpreter lock."""
    from aiosmtpd.controller import Controller

    controller = Controller(CountingSink(messages, size), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


class Sink:
    def __init__(self) -> None:
        self.port = free_port()
        self._messages, self._size = mp.Value("l", 0), mp.Value("d", 0.0)
        ready = mp.Event()
        self.process = mp.Process(
            target=run_sink, args=(self.port, self._messages, self._size, ready), daemon=True
        )
        self.process.start()
        if not ready.wait(20):
            raise SystemExit("the SMTP sink did not start")

    @property
    def messages(self) -> int:
        return self._messages.value

    @property
    def bytes(self) -> float:
        return self._size.value

    def stop(self) -> None:
        self.process.terminate()
        self.process.join(5)


def recreate_database() -> None:
    from urllib.parse import urlsplit

    import psycopg

    url = urlsplit(DB_URL)
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def populate(n_users: int, n_items: int, n_departments: int, today: dt.date) -> None:
    from capa.models import Nonconformity
    from qms.models import Department, Role, User

    rng = random.Random(9001)
    departments = Department.objects.bulk_create(
        [Department(name=f"Department {i:02d}", code=f"D{i:02d}") for i in range(n_departments)]
    )
    password = "!unusable"
    users = User.objects.bulk_create(
        [
            User(
                username=f"user{i:05d}",
                first_name="Person",
                last_name=f"{i:05d}",
                email=f"user{i:05d}@bench.example",
                password=password,
                role=Role.DEPARTMENT_HEAD if i < n_departments else Role.STAFF,
                department=departments[i % n_departments],
            )
            for i in range(n_users)
        ],
        batch_size=1000,
    )
    for dept, head in zip(departments, users[:n_departments], strict=True):
        dept.head = head
    Department.objects.bulk_update(departments, ["head"])
    creator = users[0]
    items = []
    for i in range(n_items):
        owner = users[i % n_users]
        items.append(
            Nonconformity(
                reference=f"NCR-{today.year}-{i + 1:05d}",
                title=f"Dimension out of tolerance on lot {i}",
                owner=owner,
                department_id=owner.department_id,
                due_date=today + dt.timedelta(days=rng.randint(-30, 45)),
                status="open",
                created_by=creator,
                description="Bore diameter 0.02 mm over the upper limit.",
            )
        )
    Nonconformity.objects.bulk_create(items, batch_size=5000)
    from django.db import connection

    with connection.cursor() as cursor:  # planner statistics, as a database in use would have
        cursor.execute("ANALYZE")


class QueryCounter:
    """Counts the queries of every connection, the sender threads' included."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    def __call__(self, execute, sql, params, many, context):
        with self.lock:
            self.count += 1
        return execute(sql, params, many, context)


@contextlib.contextmanager
def counting(counter: QueryCounter):
    from django.db import connection as main_connection
    from django.db.backends.signals import connection_created

    def hook(sender, connection, **kwargs):
        connection.execute_wrappers.append(counter)

    connection_created.connect(hook)
    try:
        with main_connection.execute_wrapper(counter):
            yield counter
    finally:
        connection_created.disconnect(hook)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--items", type=int, default=50000)
    parser.add_argument("--departments", type=int, default=40)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--keep", action="store_true", help="reuse the data of the previous run")
    args = parser.parse_args()

    sink = Sink()
    os.environ["EMAIL_HOST"], os.environ["EMAIL_PORT"] = "127.0.0.1", str(sink.port)

    if not args.keep:
        recreate_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from notifications import services
    from notifications.models import Delivery
    from qms.models import User

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    today = timezone.localdate()
    if not args.keep or not User.objects.exists():
        populate(args.users, args.items, args.departments, today)
    Delivery.objects.all().delete()
    print(
        f"setup: {User.objects.count()} users, {args.items} nonconformities, "
        f"{args.departments} departments in {time.perf_counter() - t0:.1f} s"
    )

    # Queries to build the digests of one batch, for two batch sizes (nothing claimed yet).
    users = list(
        User.objects.filter(services.digest_recipients()).order_by("pk").values(*services._USER_FIELDS)
    )
    for size in (100, 500):
        counter = QueryCounter()
        start = time.perf_counter()
        with counting(counter):
            drafts = services.digest_drafts(users[:size], today=today, week="probe")
        took = time.perf_counter() - start
        lines = sum(d.body_text.count("\n    http") for d in drafts)
        print(
            f"build a batch of {size:>3} users: {counter.count} queries "
            f"({len(drafts)} digests, {lines} lines, {took:.1f} s)"
        )

    # Where the time goes: building (registry queries + rendering) versus claiming and sending.
    spent = {"build": 0.0, "claim": 0.0, "send": 0.0}

    def timed(name, fn):
        def wrapper(*a, **kw):
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                spent[name] += time.perf_counter() - t

        return wrapper

    services.digest_drafts = timed("build", services.digest_drafts)
    services.deliveries_claim = timed("claim", services.deliveries_claim)
    services.deliveries_send = timed("send", services.deliveries_send)

    counter = QueryCounter()
    start = time.perf_counter()
    with counting(counter):
        report = services.digest_send_weekly(batch_size=args.batch)
    elapsed = time.perf_counter() - start
    batches = report.details["batches"]
    per_batch = counter.count - report.sent
    print(
        f"weekly digest end to end: {elapsed:.1f} s, {report.sent} emails sent "
        f"({sink.messages} at the SMTP sink, {sink.bytes / 1e6:.1f} MB), {batches} batches of {args.batch}; "
        f"{counter.count} queries = 1 per email (take it, record the previous one) "
        f"+ {per_batch} for {batches} batches"
    )
    print("  " + ", ".join(f"{name} {secs:.1f} s" for name, secs in spent.items()))
    assert sink.messages == report.sent == Delivery.objects.filter(status="sent").count()

    counter = QueryCounter()
    start = time.perf_counter()
    with counting(counter):
        again = services.digest_send_weekly(batch_size=args.batch)
    print(
        f"second run the same week: {time.perf_counter() - start:.1f} s, {again.sent} emails sent, "
        f"{counter.count} queries"
    )
    assert again.sent == 0 and sink.messages == report.sent
    sink.stop()
    verdict = "PASS" if elapsed < 20 else "SLOWER THAN TARGET"
    print(f"{verdict}: target under 20 s for {args.users} users and {args.items} items")


if __name__ == "__main__":
    main()
