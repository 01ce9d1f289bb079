"""Registers, My work and the Overview on the ten-year archive (bench/archive.py), each beside
its floors measured in the same run: a trivial page (the health check through the same client)
and the raw SQL the page runs (the KPI dashboard /reviews/ is measured with My work and the Overview).

Targets (issue #9): every register, first and deep page, filtered or not, as the quality manager
and as staff: p95 under 50 ms and within the trivial page's p95 plus 3× its raw SQL (the trivial
page measured just before each page, so both meet the same moment of the machine); My work and
the Overview p95 under 60 ms. Exits non-zero when a figure is more than 20 % past its target in
every one of its runs (a page past it is measured again, twice at most: ``bench.timing.AGAIN``).

    .venv/bin/python bench/pages_bench.py [--scale 1.0] [--runs 40]
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.archive import checkout, configure  # noqa: E402
from bench.timing import (  # noqa: E402
    Canary,
    burst_tail,
    measured_again,
    page_weight,
    percentile,
    raw_sql_ms,
    timed,
    timed_beside,
)

TOLERANCE = 1.2
# The pages everyone opens first, with their p95 targets in ms: My work and the Overview (issue #9);
# the KPI dashboard (9.1.3), twelve months of every registered measure over the archive (wt-kpi).
DUE_PAGES = (("/", "My work", 60), ("/overview/", "Overview", 60), ("/reviews/", "KPI dashboard", 1000))


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


def again(p95s: list[float]) -> str:
    """What a verdict says of a page measured more than once: the p95 of every run."""
    return f" (measured again: p95 {', '.join(f'{p95:.1f}' for p95 in p95s)})" if len(p95s) > 1 else ""


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
