"""What the benchmarks share: their own database, an SMTP sink in a process of its own, a query
counter for every connection (the sender's database thread included), and the verdict."""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
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

# A figure more than this far past its target fails the run (non-zero exit).
TOLERANCE = 1.2


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
    this process it would compete with the benchmark for the interpreter lock."""
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
        os.environ["EMAIL_HOST"], os.environ["EMAIL_PORT"] = "127.0.0.1", str(self.port)

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


def setup_django(*, keep: bool) -> None:
    if not keep:
        recreate_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:  # planner statistics, as a database in use would have
        cursor.execute("ANALYZE")


def populate(n_users: int, n_items: int, n_departments: int, *, due, quality_managers: int = 0) -> list:
    """People (the first of each department heads it, then ``quality_managers`` quality
    managers) and ``n_items`` open nonconformities owned round-robin, item ``i`` due ``due(i)``."""
    from capa.models import Nonconformity
    from qms.models import Department, Role, User

    departments = Department.objects.bulk_create(
        [Department(name=f"Department {i:02d}", code=f"D{i:02d}") for i in range(n_departments)]
    )

    def role(i: int) -> str:
        if i < n_departments:
            return Role.DEPARTMENT_HEAD
        return Role.QUALITY_MANAGER if i < n_departments + quality_managers else Role.STAFF

    users = User.objects.bulk_create(
        [
            User(
                username=f"user{i:05d}",
                first_name="Person",
                last_name=f"{i:05d}",
                email=f"user{i:05d}@bench.example",
                password="!unusable",
                role=role(i),
                department=departments[i % n_departments],
            )
            for i in range(n_users)
        ],
        batch_size=1000,
    )
    for dept, head in zip(departments, users[:n_departments], strict=True):
        dept.head = head
    Department.objects.bulk_update(departments, ["head"])
    items = []
    for i in range(n_items):
        owner = users[i % n_users]
        day = due(i)
        items.append(
            Nonconformity(
                reference=f"NCR-{day.year}-{i + 1:05d}",
                title=f"Dimension out of tolerance on lot {i}",
                owner=owner,
                department_id=owner.department_id,
                due_date=day,
                status="open",
                created_by=users[0],
                description="Bore diameter 0.02 mm over the upper limit.",
            )
        )
    Nonconformity.objects.bulk_create(items, batch_size=5000)
    analyze()
    return users


class QueryCounter:
    """Counts the queries of every connection, the sender's database thread included."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    def __call__(self, execute, sql, params, many, context):
        with self.lock:
            self.count += 1
        return execute(sql, params, many, context)


@contextlib.contextmanager
def counting():
    from django.db import connection as main_connection
    from django.db.backends.signals import connection_created

    counter = QueryCounter()

    def hook(sender, connection, **kwargs):
        connection.execute_wrappers.append(counter)

    connection_created.connect(hook)
    try:
        with main_connection.execute_wrapper(counter):
            yield counter
    finally:
        connection_created.disconnect(hook)


class Timer:
    """Seconds spent in wrapped functions, by name."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}

    def wrap(self, module, attribute: str, name: str) -> None:
        fn = getattr(module, attribute)

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.spent[name] = self.spent.get(name, 0.0) + time.perf_counter() - start

        setattr(module, attribute, timed)


class Verdict:
    """Each figure beside its target; fails the run when one is more than 20 % past it."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.failed = False

    def check(self, what: str, value: float, target: float, unit: str = "s") -> None:
        if value < target:
            word = "PASS"
        elif value <= target * TOLERANCE:
            word = "OVER TARGET (within 20 %)"
        else:
            word = "FAIL"
            self.failed = True
        self.lines.append(f"{word}: {what} {value:.2f}{unit} (target under {target:g}{unit})")

    def finish(self) -> None:
        for line in self.lines:
            print(line)
        if self.failed:
            raise SystemExit(1)
