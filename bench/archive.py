"""The ten-year archive every benchmark runs on: a 500-person company's records over ten years,
scaled as issue #9 measured it — 2,000 people in 40 departments, 100,000 NCRs, 100,000 CAPAs with
284,000 actions, 5,000 documents with 15,000 revisions and 285,000 acknowledgments, about 2.4
million history rows, 51,000 open due items (23,000 overdue).

Built with the real models (bulk inserts and a fast password hasher; signatures verify against
the stored files, history rows exist) into a database of its own, and kept as a template
database named after the schema and the builders (a hash of every migration and every
``bench/archive_<app>.py``): the next run copies it in seconds
(``CREATE DATABASE … TEMPLATE …``). When only migrations were added since (a new module's tables, a
new index) and no archive builder changed, the earlier archive is copied and migrated forward
instead of built again (each archive records the files it was made from). Each module adds its
share with ``bench/archive_<app>.py``: ``populate(archive) -> dict[str, int]``.

    .venv/bin/python bench/archive.py            # build (or find) the archive, print what is in it
    .venv/bin/python bench/archive.py --rebuild  # build it again
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import importlib
import os
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
SERVER = ADMIN_URL.rsplit("/", 1)[0]
PASSWORD = "bench-pass"  # every archive user's password (MD5-hashed: the archive is no vault)


def migration_files() -> dict[str, str]:
    """Every migration file (path from the project root) with the SHA-256 of its text."""
    paths = sorted(ROOT.glob("*/migrations/0*.py")) + sorted(ROOT.glob("tests/*/migrations/0*.py"))
    return {str(p.relative_to(ROOT)): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def builder_files() -> dict[str, str]:
    """Every module's archive builder (``bench/archive_<app>.py``) with the SHA-256 of its text."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(ROOT.glob("bench/archive_*.py"))
    }


def schema_hash() -> str:
    """A hash of every migration file and every archive builder: a changed model, or a module
    that adds or changes its share of the archive, gives a new archive."""
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/0*.py")) + sorted(ROOT.glob("tests/*/migrations/0*.py")):
        digest.update(path.read_bytes())
    for path in sorted(ROOT.glob("bench/archive_*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def _admin():
    return psycopg.connect(ADMIN_URL, autocommit=True)


def database_exists(name: str) -> bool:
    with _admin() as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def copy_database(template: str, name: str) -> None:
    """A copy of ``template`` by its files, settled on disk before a benchmark starts: PostgreSQL
    15's default copy writes the whole archive (1.2 GB) to the WAL, and the checkpoint that follows
    writes it out in the background for minutes, during the benchmark that the copy was made for."""
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
        with contextlib.suppress(psycopg.errors.InsufficientPrivilege):  # a superuser's, or pg_checkpoint's
            conn.execute("CHECKPOINT")


def drop_database(name: str) -> None:
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def configure(database: str, **environ: str) -> None:
    """Point Django at ``database`` (before django.setup())."""
    os.environ["DATABASE_URL"] = f"{SERVER}/{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ["DB_POOL"] = "false"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("ATTACHMENT_ROOT", str(ROOT / "var" / "bench-files"))
    for key, value in environ.items():
        os.environ[key] = value


def archive_name(scale: float) -> str:
    return f"qms_archive_{schema_hash()}_{int(scale * 100)}"


def ensure(scale: float = 1.0, *, rebuild: bool = False) -> str:
    """The name of the archive template for this schema and scale, built if needed (in a process
    of its own, so the caller's Django is still free to be set up on its working copy)."""
    import subprocess

    name = archive_name(scale)
    if rebuild or not database_exists(name):
        earlier = None if rebuild else forwardable(scale)
        step = ["--forward", earlier] if earlier else []
        subprocess.run(  # noqa: S603 - our own script
            [sys.executable, str(Path(__file__)), "--build", name, "--scale", str(scale), *step], check=True
        )
    return name


META = "bench_archive_files"  # in each archive: the migration and builder files it was made from


def forwardable(scale: float) -> str | None:
    """An archive of an earlier schema that only lacks migrations added since (a new module's
    tables, a new index): every migration it applied is unchanged, and so is every archive
    builder. Copying it and migrating forward takes seconds; building takes twenty minutes."""
    migrations, builders = migration_files(), builder_files()
    with _admin() as conn:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s ORDER BY datname",
                [f"qms_archive_%_{int(scale * 100)}"],
            )
        ]
    for name in names:
        import psycopg

        try:
            with psycopg.connect(f"{SERVER}/{name}") as conn:
                rows = conn.execute(f"SELECT kind, path, sha FROM {META}").fetchall()  # noqa: S608
        except psycopg.Error:
            continue  # an archive from before the table existed, or one half built
        made_from = {"migration": {}, "builder": {}}
        for kind, path, sha in rows:
            made_from[kind][path] = sha
        if made_from["builder"] == builders and all(
            migrations.get(path) == sha for path, sha in made_from["migration"].items()
        ):
            return name
    return None


def record_files(connection) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {META} (kind text, path text, sha text)")
        cursor.execute(f"DELETE FROM {META}")  # noqa: S608
        for kind, files in (("migration", migration_files()), ("builder", builder_files())):
            for path, sha in files.items():
                cursor.execute(f"INSERT INTO {META} VALUES (%s, %s, %s)", [kind, path, sha])  # noqa: S608


def forward(earlier: str, name: str) -> None:
    """The archive ``earlier`` copied as ``name`` and migrated to today's schema."""
    started = time.perf_counter()
    copy_database(earlier, name)
    configure(name)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    record_files(connection)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"archive {name}: {earlier} migrated forward in {time.perf_counter() - started:.0f} s")


def checkout(scale: float = 1.0, *, into: str = "qms_bench_run", rebuild: bool = False) -> str:
    """A fresh working copy of the archive for a benchmark run; Django configured to use it."""
    template = ensure(scale, rebuild=rebuild)
    copy_database(template, into)
    configure(into)
    return into


# --- building ------------------------------------------------------------------------------------


@dataclass
class Archive:
    """What module builders receive."""

    today: dt.date
    rng: random.Random
    scale: float
    years: int = 10
    people: list = field(default_factory=list)
    departments: list = field(default_factory=list)
    heads: dict = field(default_factory=dict)
    quality: object = None
    system: object = None
    processes: list = field(default_factory=list)

    def n(self, full: int) -> int:
        """``full`` scaled to this archive (at least 1)."""
        return max(1, int(full * self.scale))

    def moment(self, *, days_ago_max: int | None = None, days_ago_min: int = 0) -> dt.datetime:
        """A random moment in the archive's years (or the last ``days_ago_max`` days), in working hours."""
        from django.utils import timezone

        span = days_ago_max if days_ago_max is not None else self.years * 365
        day = self.today - dt.timedelta(days=self.rng.randint(days_ago_min, span))
        at = dt.datetime.combine(day, dt.time(self.rng.randint(6, 17), self.rng.randint(0, 59)))
        return timezone.make_aware(at)

    def person(self):
        return self.people[self.rng.randrange(len(self.people))]


class References:
    """Reference numbers for bulk-inserted records, per prefix and year (``NCR-2026-0042``), after
    any number already handed out (an earlier builder's, or the kernel's); ``save()`` sets the kernel's counters after them, so records
    created later through the services continue the archive's numbers."""

    def __init__(self):
        self.numbers: dict[tuple[str, int], int] = {}

    def next(self, prefix: str, year: int) -> str:
        key = (prefix, year)
        if key not in self.numbers:
            from qms.models import ReferenceCounter

            found = ReferenceCounter.objects.filter(prefix=prefix, year=year).first()
            self.numbers[key] = found.last if found else 0
        self.numbers[key] += 1
        return f"{prefix}-{year}-{self.numbers[key]:04d}"

    def number(self, records: list, prefix: str) -> None:
        """Put ``records`` in the order they were created and give each the next reference of
        its creation year, as the kernel would have handed them out."""
        records.sort(key=lambda record: record.created_at)
        for record in records:
            record.reference = self.next(prefix, record.created_at.year)

    def save(self) -> None:
        from qms.models import ReferenceCounter

        ReferenceCounter.objects.bulk_create(
            [ReferenceCounter(prefix=p, year=y, last=n) for (p, y), n in sorted(self.numbers.items())],
            update_conflicts=True,
            unique_fields=["prefix", "year"],
            update_fields=["last"],
        )


@contextlib.contextmanager
def as_given_dates(*models):
    """Let bulk inserts keep the dates the archive gives (no auto_now / auto_now_add)."""
    saved = []
    for model in models:
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                saved.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def history(objs, entries, *, user_of=None):
    """History rows for ``objs`` (one model): ``entries(obj)`` gives (when, type "+"/"~", reason,
    changes) per row, where changes are attribute values as they were after that row. Rows are
    bulk-inserted; returns how many."""
    if not objs:
        return 0
    model = type(objs[0])
    historical = model.history.model
    names = [f.attname for f in model._meta.concrete_fields]
    rows = []
    for obj in objs:
        base = {name: getattr(obj, name) for name in names}
        for when, kind, reason, changes in entries(obj):
            values = {**base, **changes}
            rows.append(
                historical(
                    **values,
                    history_date=when,
                    history_type=kind,
                    history_change_reason=reason,
                    history_user_id=(user_of(obj) if user_of else None),
                )
            )
    historical.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def build(name: str, scale: float) -> None:
    started = time.perf_counter()
    drop_database(name)
    with _admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    configure(name)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    archive = Archive(today=timezone.localdate(), rng=random.Random(2026), scale=scale)
    counts = people(archive)
    from qms.modules import installed

    for entry in installed():
        module_name = f"bench.archive_{entry.app.label}"
        try:
            builder = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        t0 = time.perf_counter()
        found = builder.populate(archive)
        for kind, number in found.items():
            counts[kind] = counts.get(kind, 0) + number
        print(
            f"  {entry.app.label}: {', '.join(f'{v:,} {k}' for k, v in found.items())} ({time.perf_counter() - t0:.0f} s)"
        )
    record_files(connection)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(
        f"archive {name} built in {time.perf_counter() - started:.0f} s: "
        + ", ".join(f"{v:,} {k}" for k, v in counts.items())
    )


def people(archive: Archive) -> dict[str, int]:
    """2,000 people in 40 departments (the stewards' codes among them), the quality manager, top
    management, one external auditor, the system account; and the process catalogue."""
    from django.contrib.auth.hashers import make_password

    from qms.models import Department, Process, Role, User
    from qms.services import get_system_user

    codes = ["QM", "PROD", "PROC", "QC", "WH", "SALES", "MAINT", "CAL", "ENG", "HR"]
    codes += [f"CELL{i:02d}" for i in range(1, 41 - len(codes))]
    departments = Department.objects.bulk_create([Department(name=f"Department {c}", code=c) for c in codes])
    password = make_password(PASSWORD, hasher="md5")
    total = archive.n(2000)
    users = []
    for i in range(total):
        dept = departments[i % len(departments)]
        role = Role.DEPARTMENT_HEAD if i < len(departments) else Role.STAFF
        users.append(
            User(
                username=f"p{i:05d}",
                first_name=archive.rng.choice(["Anna", "Ben", "Clara", "David", "Emre", "Fiona", "Georg"]),
                last_name=f"Person{i:05d}",
                email=f"p{i:05d}@archive.example",
                password=password,
                role=role,
                department=dept,
                job_title="Head" if role == Role.DEPARTMENT_HEAD else "Operator",
            )
        )
    users = User.objects.bulk_create(users, batch_size=2000)
    for dept, head in zip(departments, users[: len(departments)], strict=True):
        dept.head = head
        archive.heads[dept.pk] = head
    Department.objects.bulk_update(departments, ["head"])
    extra = [
        User(
            username="qm",
            first_name="Eva",
            last_name="Quality",
            email="qm@archive.example",
            password=password,
            role=Role.QUALITY_MANAGER,
            department=departments[0],
        ),
        User(
            username="director",
            first_name="Max",
            last_name="Director",
            email="md@archive.example",
            password=password,
            role=Role.TOP_MANAGEMENT,
            department=departments[0],
        ),
        User(
            username="auditor",
            first_name="Rita",
            last_name="Auditor",
            email="ra@archive.example",
            password=password,
            role=Role.AUDITOR,
        ),
    ]
    extra = User.objects.bulk_create(extra)
    archive.quality = extra[0]
    archive.system = get_system_user()
    archive.people = users
    archive.departments = departments
    archive.processes = Process.objects.bulk_create(
        [Process(name=f"Process {i:02d}", department=departments[i % len(departments)]) for i in range(20)]
    )
    return {"people": len(users) + len(extra), "departments": len(departments)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = the full archive")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--build", metavar="NAME", help=argparse.SUPPRESS)
    parser.add_argument("--forward", metavar="EARLIER", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build and args.forward:
        forward(args.forward, args.build)
        return
    if args.build:
        build(args.build, args.scale)
        return
    name = ensure(args.scale, rebuild=args.rebuild)
    print(f"archive ready: {name} (copy it with bench.archive.checkout())")


if __name__ == "__main__":
    main()
