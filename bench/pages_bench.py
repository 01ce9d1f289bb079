"""Registers, My work and the Overview on the ten-year archive (bench/archive.py), each beside
its floors measured in the same run: a trivial page (the health check through the same client)
and the raw SQL the page runs (the KPI dashboard /reviews/ is measured with My work and the Overview).

Targets (issue #9): every register, first and deep page, filtered or not, as the quality manager
and as staff: p95 under 50 ms and within the trivial page's p95 plus 3× its raw SQL (the trivial
page measured just before each page, so both meet the same moment of the machine); My work and
the Overview p95 under 60 ms. Exits non-zero when a figure is more than 20 % past its target in
every one of its runs (a page past it is measured again, twice at most: ``AGAIN``).

    .venv/bin/python bench/pages_bench.py [--scale 1.0] [--runs 40]
"""

from __future__ import annotations

import argparse
import functools
import re
import statistics
import sys
import time
import timeit
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.archive import checkout, configure  # noqa: E402

T = TypeVar("T")

TOLERANCE = 1.2
# A page past its target + 20 % is measured again, at most this many times, and the best of its
# runs judged, as the digest's and the alerts' benchmarks judge the best of three runs: on this
# shared 2-core machine one moment of another tenant sets the p95 of forty 5 ms requests, and a
# regression is past its target on every run. Every run is printed beside the verdict.
AGAIN = 2
# The pages everyone opens first, with their p95 targets in ms: My work and the Overview (issue #9);
# the KPI dashboard (9.1.3), twelve months of every registered measure over the archive (wt-kpi).
DUE_PAGES = (("/", "My work", 60), ("/overview/", "Overview", 60), ("/reviews/", "KPI dashboard", 1000))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@dataclass(frozen=True)
class Run:
    """One measurement of a register page (``timed_beside``) and the SQL it runs: its target is the
    lower of 50 ms and the trivial page's p95, taken just before it, plus 3x that SQL."""

    took: list[float]
    floor: list[float]
    records: list[float]
    moments: list[float]
    sql: float

    @property
    def p95(self) -> float:
        return percentile(self.took, 95)

    @property
    def target(self) -> float:
        return min(50.0, percentile(self.floor, 95) + 3 * self.sql)

    def within(self) -> bool:
        """Within the target + 20 %: the verdict."""
        return self.p95 <= self.target * TOLERANCE

    def within_at_median(self) -> bool:
        """The page's p50 against the trivial page's p50 plus 3x its SQL (+ 20 %): a reading."""
        return (
            statistics.median(self.took)
            <= min(50.0, statistics.median(self.floor) + 3 * self.sql) * TOLERANCE
        )


def measured_again(measure: Callable[[], T], within: Callable[[T], bool]) -> list[T]:
    """Every run of ``measure()``: once, and again while its last run is not ``within`` the
    target, ``1 + AGAIN`` runs at most. The caller judges the best of them."""
    runs = [measure()]
    while not within(runs[-1]) and len(runs) <= AGAIN:
        runs.append(measure())
    return runs


def again(p95s: list[float]) -> str:
    """What a verdict says of a page measured more than once: the p95 of every run."""
    return f" (measured again: p95 {', '.join(f'{p95:.1f}' for p95 in p95s)})" if len(p95s) > 1 else ""


def timed(client, url: str, runs: int) -> list[float]:
    for _ in range(3):  # warm the caches and the query plans
        client.get(url)
    took = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        took.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return took


def timed_beside(
    client, url: str, runs: int, floor_url: str = "/health/", *, as_records: bool = False, canary=None
) -> tuple[list[float], list[float], list[float], list[float]]:
    """The page's times, and the trivial page's taken just before them: the floor then meets the
    same moment of the machine as the page (a shared 2-core machine drifts by a factor of two
    within minutes, and one floor measured at the start set every target by its luck). The floor's
    requests run in a row, not in turn with the page's, so none of them pays for the page's
    garbage or its cold caches. With ``as_records``, the page read as records
    (``RecordListView.read_as_values`` off) too, in turn with the page: the third list. With a
    ``canary`` (``Canary``), the same millisecond of pure Python timed after each request of the
    page: the fourth list, how fast the machine was at that moment."""
    from qms.views.lists import RecordListView

    def get(address: str, *, values: bool = True) -> float:
        RecordListView.read_as_values = values
        start = time.perf_counter()
        response = client.get(address)
        took = (time.perf_counter() - start) * 1000
        RecordListView.read_as_values = True
        assert response.status_code == 200, (address, response.status_code)
        return took

    floor = [get(floor_url) for _ in range(3 + runs)][3:]  # three to warm up
    took, records, moments = [], [], []
    for _ in range(3 + runs):
        took.append(get(url))
        if canary is not None:
            moments.append(canary.ms())
        if as_records:
            records.append(get(url, values=False))
    return took[3:], floor, records[3:], moments[3:]


def _work(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


class Canary:
    """A millisecond of pure Python (no I/O, nothing allocated to speak of), timed after each of a
    page's requests. This machine has moments, tens to a hundred milliseconds long, when all of it
    runs 1.2-1.6x slower with nothing else running (5 ms bursts on an idle core, 15-20 s: 2.5 % to
    15 % of them slower than 1.2x their median, in runs of up to 11 to 36 in a row, from one hour
    to the next; bench/README.md). Forty requests of a 5 ms page last 200 ms, and one such moment
    sets their p95. The canary changes no verdict:
    it says, of a page past its target, whether its slowest requests met such a moment (the canary
    beside them over 1.2x its median beside that page's requests; after a request it runs ~10 %
    slower than alone, its caches cooled by the page, so it is compared with itself there)."""

    def __init__(self, ms: float = 1.0) -> None:
        n = 100_000
        each = statistics.median(timeit.repeat(lambda: _work(n), number=1, repeat=10))
        self.n = max(1, int(n * ms / 1000 / each))

    def ms(self) -> float:
        start = time.perf_counter()
        _work(self.n)
        return (time.perf_counter() - start) * 1000

    @staticmethod
    def slow(moments: list[float]) -> list[bool]:
        usual = statistics.median(moments)
        return [moment > 1.2 * usual for moment in moments]

    @classmethod
    def slow_at_the_tail(cls, took: list[float], moments: list[float], slowest: int = 3) -> int:
        """Of the page's ``slowest`` requests (those at or past its p95 in 40), how many met the
        machine running slow."""
        slow = cls.slow(moments)
        return sum(slow[i] for i in sorted(range(len(took)), key=took.__getitem__)[-slowest:])


def burst_tail(ms: float = 5.0, runs: int = 200) -> tuple[float, float]:
    """p50 and p95 of the same ``ms`` of pure Python, no I/O and no allocation to speak of: how
    much the machine itself (another tenant, CPU steal) stretches a burst as long as a register
    page's Python. On a quiet machine p95 is within a few per cent of p50; where it is not, every
    page's p95 carries that stretch and the trivial page, five times shorter, mostly escapes it."""

    def each_ms(n: int, repeat: int) -> list[float]:
        return [s * 1000 for s in timeit.repeat(lambda: _work(n), number=1, repeat=repeat)]

    n = 100_000
    n = int(n * ms / min(each_ms(n, 5)))  # calibrated: n steps take about ``ms`` at best
    times = each_ms(n, runs)
    return statistics.median(times), percentile(times, 95)


def reads(statements: list[str]) -> list[str]:
    """The statements of ``statements`` that only read, to be run again for the floor: a SELECT
    or a union of parenthesised SELECTs (a staff reader's scope: the records their assigned rows
    belong to, on every staff page of the CAPA and training registers); not a write, a savepoint
    or a WITH (the kernel's one WITH inserts a history row)."""
    return [sql for sql in statements if re.match(r"[(\s]*SELECT\b", sql, re.IGNORECASE)]


def raw_sql_ms(client, url: str) -> float:
    """The page's queries run on their own, without Django: the floor of what it must cost."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    statements = reads([q["sql"] for q in ctx.captured_queries])
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()
        best = min(best, (time.perf_counter() - start) * 1000)
    return best


def page_weight(client, url: str) -> tuple[int, int]:
    """How many statements the page runs and how many bytes it sends."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    return len(ctx.captured_queries), len(response.content)


def capa_with_actions(wanted: int = 50):
    """An open CAPA of the working copy with ``wanted`` actions (issue #9 measured "a CAPA page
    with 50 actions"; the archive's have up to three), the missing ones added through the service
    as the quality manager."""
    import datetime as dt

    from django.db.models import Count

    from capa.models import Action, Capa
    from capa.services import action_add
    from qms.models import User

    capa = Capa.objects.exclude(status="closed").annotate(n=Count("actions")).order_by("-n", "pk").first()
    quality = User.objects.get(username="qm")
    for i in range(capa.n, wanted):
        action_add(
            capa=capa,
            by=quality,
            kind=Action.Kind.CORRECTIVE,
            title=f"Benchmark action {i + 1}: re-train the second shift on the revised set-up sheet",
            owner=capa.owner,
            due_date=min(capa.due_date, dt.date.today() + dt.timedelta(days=i)),  # by the CAPA's target
        )
    return capa


def record_pages() -> list[tuple[str, str]]:
    """The archive's heaviest record pages: the document with the most revisions, a CAPA with 50
    actions, and an NCR. No target (issue #9 names none for them): a reading."""
    from django.db.models import Count

    from capa.models import Nonconformity
    from documents.models import Document
    from qms.history import history_count

    document = Document.objects.annotate(n=Count("revisions")).order_by("-n", "pk").first()
    with_big_drawing(document)
    capa = capa_with_actions()
    ncr = Nonconformity.objects.order_by("pk").first()
    return [
        (f"document, {document.n} revisions, a 20 MB drawing", document.get_absolute_url()),
        (f"CAPA, {capa.actions.count()} actions", capa.get_absolute_url()),
        (f"its history, {history_count(capa)} rows", capa.get_history_url()),
        ("NCR", ncr.get_absolute_url()),
    ]


BIG_DRAWING = "bench/drawing-20mb.pdf"


def with_big_drawing(document) -> None:
    """The document's current revision drawn as drawings are: one PDF of 20 MB, signed over its
    hash. The archive's files are a few hundred bytes, so the page never showed what reading a
    file costs (it read every byte on every view until 6 Dec 2026: bench/README.md). In the
    working copy only; the file is the same on every run and written once."""
    import hashlib
    import random

    from django.contrib.contenttypes.models import ContentType
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from documents.models import Revision
    from documents.services import content_hash
    from qms.models import Signature

    body = b"%PDF-1.4\n" + random.Random(20).randbytes(20 * 1024 * 1024) + b"\n%%EOF\n"
    if not default_storage.exists(BIG_DRAWING):
        default_storage.save(BIG_DRAWING, ContentFile(body))
        time.sleep(2.1)  # past the moments in which the store's digest is not kept (qms.files)
    digest = hashlib.sha256(body).hexdigest()
    revision = document.revisions.get(status=Revision.Status.EFFECTIVE)
    revision.files.update(file=BIG_DRAWING, size=len(body), sha256=digest)
    Signature.objects.filter(
        content_type=ContentType.objects.get_for_model(Revision), object_id=revision.pk
    ).update(content_hash=content_hash(revision, file_hashes=[digest] * revision.files.count()))


def register_pages() -> list[tuple[str, type]]:
    from django.urls import get_resolver

    from qms.views.lists import RecordListView
    from tests.qms.test_route_walker import iter_patterns

    found = []
    for _namespace, pattern, route in iter_patterns(get_resolver().url_patterns):
        view_class = getattr(pattern.callback, "view_class", None)
        if view_class and issubclass(view_class, RecordListView) and not route.startswith("kernel"):
            model = pattern.callback.view_initkwargs.get("model") or view_class.model
            found.append(("/" + route, model, view_class))
    return found


def deep_token(view_class, model, user) -> str:
    """The keyset token of a page near the end of the register (as a user paging deep reaches)."""
    from django.test import RequestFactory

    from qms.paging import _encode

    request = RequestFactory().get("/")
    request.user = user
    view = view_class(model=model)
    view.setup(request)
    ordering = view.get_ordering()
    queryset = view.get_queryset().order_by(*ordering)
    count = queryset.count()
    row = queryset[max(0, count - 60)] if count else None
    if row is None:
        return ""
    return _encode([getattr(row, name.lstrip("-")) for name in ordering])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--only", default="", help="measure only the pages whose URL contains this")
    parser.add_argument(
        "--pages",
        choices=("all", "registers", "due", "records"),
        default="all",
        help="due: My work, Overview, KPIs; records: the heaviest record pages (a reading)",
    )
    parser.add_argument(
        "--as-records",
        action="store_true",
        help="each register read as records too, in turn (the values' gain)",
    )
    parser.add_argument("--database", default="qms_bench_run", help="the working copy of the archive")
    parser.add_argument(
        "--reuse", action="store_true", help="measure --database as it is (e.g. a copy you migrated yourself)"
    )
    parser.add_argument(
        "--as",
        dest="readers",
        default="quality manager,staff",
        help="whom the registers are read as: quality manager, staff, head (comma-separated)",
    )
    args = parser.parse_args()
    if args.reuse:
        configure(args.database)
    else:
        checkout(args.scale, into=args.database)
    import django

    django.setup()
    from django.test import Client

    from qms.models import Role, User

    quality = User.objects.get(username="qm")
    staff = User.objects.filter(role=Role.STAFF, department__code="PROD").order_by("pk").first()
    head = User.objects.filter(role=Role.DEPARTMENT_HEAD, department__code="PROD").first()
    clients = {}
    for who, user in (("quality manager", quality), ("staff", staff), ("head", head)):
        clients[who] = Client()
        clients[who].force_login(user)

    trivial = timed(clients["quality manager"], "/health/", args.runs)
    trivial_p95 = percentile(trivial, 95)
    print(f"floor: trivial page p50 {statistics.median(trivial):.1f} ms, p95 {trivial_p95:.1f} ms")
    burst_p50, burst_p95 = burst_tail()
    print(
        f"machine: the same 5 ms of pure Python p50 {burst_p50:.1f} ms, p95 {burst_p95:.1f} ms "
        f"({burst_p95 / burst_p50:.2f}x: what this machine adds to a page's p95 by itself)"
    )
    canary = Canary()
    print(f"canary: {canary.ms():.2f} ms of pure Python after each request of a register (Canary)\n")
    slow_moments: list[bool] = []
    machine_slow: list[str] = []
    failures = []
    registers = {"measured": 0, "under 50 ms": 0, "within the target": 0, "within it + 20 %": 0}
    # Not a verdict, a reading: the page's p50 against the trivial page's p50 plus 3x its SQL, the
    # same comparison with the machine's tail (``burst_tail``) taken out of both sides.
    at_median = 0
    first_within = 0  # within the target + 20 % at the first measurement, before any measured again
    records_head = f" {'records p50':>11} {'p95':>6}" if args.as_records else ""
    print(f"{'page':58} {'as':16} {'p50':>7} {'p95':>7} {'SQL':>6} {'floor':>6}{records_head}  target")
    as_records: list[tuple[float, float]] = []
    for url, model, view_class in register_pages():
        if args.pages in ("due", "records") or args.only not in url:
            continue
        for who in [w.strip() for w in args.readers.split(",")]:
            client = clients[who]
            user = {"quality manager": quality, "staff": staff, "head": head}[who]
            token = deep_token(view_class, model, user)
            for label, page in (
                ("first page", url),
                ("deep page", f"{url}?after={token}" if token else url),
                ("open only", f"{url}?status=_open"),
                ("search", f"{url}?q=2026"),
            ):
                # The page's SQL is replayed once, after its first run has warmed it, whatever the runs.
                sql_of = functools.cache(raw_sql_ms)
                runs = measured_again(
                    lambda page=page, client=client, sql_of=sql_of: Run(
                        *timed_beside(client, page, args.runs, as_records=args.as_records, canary=canary),
                        sql_of(client, page),
                    ),
                    Run.within,
                )
                sql = runs[0].sql
                for run in runs:
                    slow_moments += Canary.slow(run.moments)
                first_within += runs[0].within()
                at_median += runs[0].within_at_median()
                best = min(runs, key=lambda run: run.p95 / run.target)
                p50, p95, target = statistics.median(best.took), best.p95, best.target
                verdict = "ok" if best.within() else "SLOW"
                slow = Canary.slow_at_the_tail(best.took, best.moments)
                if best.records:
                    as_records.append((p50, statistics.median(best.records)))
                registers["measured"] += 1
                registers["under 50 ms"] += p95 <= 50.0
                registers["within the target"] += p95 <= target
                registers["within it + 20 %"] += best.within()
                print(
                    f"{url + ' ' + label:58} {who:16} {p50:7.1f} {p95:7.1f} {sql:6.1f} {percentile(best.floor, 95):6.1f}"
                    + (
                        f" {statistics.median(best.records):11.1f} {percentile(best.records, 95):6.1f}"
                        if best.records
                        else ""
                    )
                    + f"  <{target:.0f} {verdict}"
                    + again([run.p95 for run in runs])
                    + (f" (machine slow at {slow} of its 3 slowest)" if verdict != "ok" else "")
                )
                if verdict != "ok":
                    failures.append(f"{url} {label} as {who}: p95 {p95:.1f} ms (target {target:.0f})")
                    if slow >= 2:
                        machine_slow.append(failures[-1])
    if registers["measured"]:
        # The figures bench/README.md reports: the target is the lower of 50 ms and the trivial
        # page's p95 (measured just before the page) plus 3x the page's SQL.
        measured = registers.pop("measured")
        print("\nregisters, p95: " + "; ".join(f"{n} of {measured} {what}" for what, n in registers.items()))
        print(
            f"registers, p95 at the first measurement: {first_within} of {measured} within the target + 20 %"
        )
        print(
            f"registers, p50 against the trivial page's p50 plus 3x SQL (a reading, not the target): "
            f"{at_median} of {measured} within it + 20 %"
        )
        print(
            f"the canary after {len(slow_moments)} requests: "
            f"{sum(slow_moments) / len(slow_moments):.1%} of them over 1.2x its median beside their page; "
            f"{len(machine_slow)} of the {len(failures)} pages past their target met it at two or three of "
            f"their three slowest requests"
        )
        if as_records:
            values_p50, records_p50 = (sum(pair[i] for pair in as_records) for i in (0, 1))
            print(f"read as values: {values_p50:.0f} ms of p50 in all, read as records {records_p50:.0f} ms")
    print()
    for url, label, target in DUE_PAGES:
        if args.pages in ("registers", "records") or args.only not in url:
            continue
        for who, client in clients.items():
            runs = measured_again(
                lambda client=client, url=url: timed(client, url, args.runs),
                lambda took, target=target: percentile(took, 95) <= target * TOLERANCE,
            )
            sql = raw_sql_ms(client, url)
            took = min(runs, key=lambda run: percentile(run, 95))
            p50, p95 = statistics.median(took), percentile(took, 95)
            verdict = "ok" if p95 <= target * TOLERANCE else "SLOW"
            measured = again([percentile(run, 95) for run in runs])
            print(f"{label:58} {who:16} {p50:7.1f} {p95:7.1f} {sql:6.1f}  <{target} {verdict}{measured}")
            if verdict != "ok":
                failures.append(f"{label} as {who}: p95 {p95:.1f} ms (target {target})")
    if args.pages in ("all", "records"):
        print(
            f"\n{'record page (quality manager; a reading, no target)':58} {'':16} {'p50':>7} {'p95':>7} "
            f"{'SQL':>6} {'statements':>10} {'KB':>5}"
        )
        for label, url in record_pages():
            client = clients["quality manager"]
            took = timed(client, url, args.runs)
            statements, size = page_weight(client, url)
            print(
                f"{label + ' ' + url:58} {'':16} {statistics.median(took):7.1f} {percentile(took, 95):7.1f} "
                f"{raw_sql_ms(client, url):6.1f} {statements:10} {size // 1024:5}"
            )
    if failures:
        print("\nFAIL (more than 20 % past target):\n  " + "\n  ".join(failures))
        raise SystemExit(1)
    print("\nPASS: every page within its target")


if __name__ == "__main__":
    main()
