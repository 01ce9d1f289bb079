"""Traceability benchmark: 10,000 production lots, 50,000 inspections with 1,000,000 results per
characteristic, 2,000 goods receipts consumed by the lots, 500 shipments of 20 lots each. Measures
backward traceability from a shipment (shipment → lots → material lots, operators, inspections and
the gauges they used, drawing revisions: three levels) and forward traceability from a material
lot (receipt → lots → shipments and customers). Target: under 200 ms each, in a number of queries
that does not grow with the data.

    .venv/bin/python bench/inspection_bench.py          # build, measure, compare with the target
    .venv/bin/python bench/inspection_bench.py --keep   # measure again on the data of the last run

Uses its own database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/qms_bench_inspection),
dropped, created and migrated on every run unless --keep. The bulk of the rows is written with
INSERT … SELECT over generate_series (the services write the few records the rows point at).
Exits non-zero when a figure is more than 20 % past its target.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/qms_bench_inspection")
os.environ["DATABASE_URL"] = DB_URL
# The tests' settings: the builders of tests/inspection write the few records the rows point at.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ["DB_POOL"] = "false"
os.environ.setdefault("LOG_LEVEL", "WARNING")

TARGET_MS = 200
SLACK = 1.2
LOTS, INSPECTIONS_PER_LOT, RESULTS_PER_INSPECTION = 10_000, 5, 20
RECEIPTS, LOTS_PER_SHIPMENT = 2_000, 20


def recreate_database() -> None:
    from urllib.parse import urlsplit

    import psycopg

    url = urlsplit(DB_URL)
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def populate() -> None:
    from django.db import connection

    from qms.models import Department, Role, User
    from tests.factories import PASSWORD
    from tests.inspection import factories as f

    qc, _ = Department.objects.get_or_create(code="QC", defaults={"name": "Quality control"})
    qm, _ = User.objects.get_or_create(
        username="qm", defaults={"role": Role.QUALITY_MANAGER, "department": qc}
    )
    qm.set_password(PASSWORD)  # the builders sign the drawing's approval
    qm.save()
    plan = f.plan(owner=qm)
    lot = f.lot(owner=qm)  # the drawing revision every lot points at
    supplier = f.supplier("Steel AG")
    gauges = [f.gauge() for _ in range(20)]
    characteristic = plan.characteristics.first()
    ids = {
        "qm": qm.pk,
        "dept": qm.department_id,
        "rev": lot.drawing_revision_id,
        "plan": plan.pk,
        "char": characteristic.pk,
        "supplier": supplier.pk,
        "g0": gauges[0].pk,
        "lots": LOTS,
        "per": INSPECTIONS_PER_LOT,
        "results": RESULTS_PER_INSPECTION,
        "receipts": RECEIPTS,
        "per_shipment": LOTS_PER_SHIPMENT,
    }
    statements = [
        # goods receipts
        """INSERT INTO inspection_goodsreceipt (reference, title, owner_id, department_id, status, created_at,
            updated_at, created_by_id, supplier_id, part_number, po_reference, quantity, received_on, supplier_lot)
           SELECT 'GR-B-' || g, 'Bar ' || g, %(qm)s, %(dept)s, 'accepted', now(), now(), %(qm)s, %(supplier)s,
                  'BAR-42', '', 100000, current_date - (g %% 700), 'L' || g
           FROM generate_series(1, %(receipts)s) g""",
        # production lots
        """INSERT INTO inspection_productionlot (reference, title, owner_id, department_id, status, created_at,
            updated_at, created_by_id, lot_number, part_number, drawing_revision_id, quantity, work_centre,
            started_on, customer, release_checks)
           SELECT 'LOT-B-' || g, 'Lot ' || g, %(qm)s, %(dept)s, 'shipped', now(), now(), %(qm)s, 'B-' || g,
                  'H-220', %(rev)s, 1000, 'Cell ' || (g %% 8), current_date - (g %% 700), 'Customer ' || (g %% 50),
                  '[]'::jsonb
           FROM generate_series(1, %(lots)s) g""",
        # each lot consumes two receipts
        """INSERT INTO inspection_materialuse (lot_id, receipt_id, quantity)
           SELECT l.id, r.id, 10 FROM inspection_productionlot l
           JOIN inspection_goodsreceipt r ON r.reference IN ('GR-B-' || (l.id %% %(receipts)s + 1),
                                                            'GR-B-' || ((l.id * 7) %% %(receipts)s + 1))""",
        # operators: the quality manager stands for everyone
        """INSERT INTO inspection_lotoperator (lot_id, person_id, task)
           SELECT id, %(qm)s, '' FROM inspection_productionlot""",
        # inspections
        """INSERT INTO inspection_inspection (reference, title, owner_id, department_id, status, created_at,
            updated_at, created_by_id, stage, plan_id, lot_id, inspector_id, inspected_on, lot_size, severity,
            code_letter, required_sample, ac, re, sample_size, nonconforming, original, note)
           SELECT 'INSP-B-' || l.id || '-' || k, 'Inspection', %(qm)s, %(dept)s, 'accepted', now(), now(), %(qm)s,
                  'final', %(plan)s, l.id, %(qm)s, l.started_on, 1000, 'normal', 'J', 80, 2, 3, 80, 0, true, ''
           FROM inspection_productionlot l CROSS JOIN generate_series(1, %(per)s) k""",
        # gauges used
        """INSERT INTO inspection_gaugeuse (inspection_id, instrument_id)
           SELECT id, %(g0)s + (id %% 20) FROM inspection_inspection""",
        # a million results
        """INSERT INTO inspection_characteristicresult (inspection_id, characteristic_id, values, inspected,
            nonconforming)
           SELECT i.id, %(char)s, '12.005 12.010 12.012', 80, 0
           FROM inspection_inspection i CROSS JOIN generate_series(1, %(results)s) k""",
        # shipments of 20 lots each
        """INSERT INTO inspection_shipment (reference, title, owner_id, department_id, status, created_at,
            updated_at, created_by_id, customer, customer_order, delivery_note, shipped_on)
           SELECT 'SHP-B-' || g, 'Delivery ' || g, %(qm)s, %(dept)s, 'shipped', now(), now(), %(qm)s,
                  'Customer ' || (g %% 50), '', '', current_date - (g %% 700)
           FROM generate_series(1, %(lots)s / %(per_shipment)s) g""",
        """INSERT INTO inspection_shipmentline (shipment_id, lot_id, quantity)
           SELECT s.id, l.id, 1000 FROM inspection_productionlot l
           JOIN inspection_shipment s ON s.reference = 'SHP-B-' || ((l.id - 1) / %(per_shipment)s + 1)
           WHERE l.lot_number LIKE 'B-%%'""",
    ]
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql, ids)
        cursor.execute("ANALYZE")


def measure(repeat: int) -> int:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from inspection import selectors
    from inspection.models import CharacteristicResult, GoodsReceipt, Shipment
    from qms.models import User

    user = User.objects.get(username="qm")
    shipment = Shipment.objects.filter(reference__startswith="SHP-B-").order_by("pk")[250]
    receipt = GoodsReceipt.objects.filter(reference__startswith="GR-B-").order_by("pk")[1000]
    print(f"{CharacteristicResult.objects.count():,} inspection results; load average {os.getloadavg()}")
    failed = 0
    for name, fn in (
        (
            "shipment → lots → material, operators, inspections, gauges, drawings",
            lambda: selectors.shipment_trace(shipment, user),
        ),
        ("material lot → lots → shipments and customers", lambda: selectors.trace_forward(receipt, user)),
    ):
        times, cpu = [], []
        for _ in range(repeat):
            reset_queries()
            with CaptureQueriesContext(connection) as queries:
                start, start_cpu = time.perf_counter(), time.process_time()
                found = fn()
                times.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
        size = len(found.lots) if hasattr(found, "lots") else len(found)
        best = min(times)
        verdict = "ok" if best <= TARGET_MS * SLACK else "TOO SLOW"
        failed += verdict != "ok"
        print(
            f"{name}: best {best:.0f} ms, median {statistics.median(times):.0f} ms "
            f"(this process's CPU: best {min(cpu):.0f} ms, median {statistics.median(cpu):.0f} ms), "
            f"{len(queries.captured_queries)} queries, {size} rows — target {TARGET_MS} ms: {verdict}"
        )
    return failed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--migrated", action="store_true", help="the database exists and is migrated, empty")
    args = parser.parse_args()
    if not args.keep and not args.migrated:
        recreate_database()
    import django

    django.setup()
    if not args.keep:
        from django.core.management import call_command

        if not args.migrated:
            call_command("migrate", verbosity=0)
        else:
            call_command("flush", interactive=False, verbosity=0)
        start = time.perf_counter()
        populate()
        print(f"built in {time.perf_counter() - start:.0f} s")
    return 1 if measure(args.repeat) else 0


if __name__ == "__main__":
    sys.exit(main())
