"""Daily alerts and escalations benchmark: a ten-year archive of 50,000 open due items (23,000 of
them overdue, due dates spread over ten years; the rest due over the next three), 2,000 people,
on a day when little changed: yesterday's run has claimed and sent everything owed until
yesterday, so today only the items that crossed a lead time or a step of the ladder are new.
Beside it, its floor measured in the same run: the due-item registry's calls that the two jobs
need (the SQL and the items built from it).

    make bench                      # or: .venv/bin/python bench/alerts_bench.py
    .venv/bin/python bench/alerts_bench.py --items 50000 --overdue 23000 --users 2000

Uses its own database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/qms_bench),
which it drops, creates and migrates on every run. Three days, each beside its own floor; the
verdict takes the best (the machine may be shared). Exits non-zero when a figure is more than 20 %
past its target.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time

from common import Sink, Verdict, counting, populate, setup_django

TARGET = 2.0  # seconds: alerts + escalations for 50,000 due items on a day when little changed


def yesterdays_run(yesterday: dt.datetime) -> int:
    """Claim and mark sent everything the two jobs owed until yesterday, without rendering or
    SMTP (the state of an installation that ran every day): what today finds already done."""
    from notifications import alerts, delivery, emails, services
    from notifications.delivery import RunReport
    from notifications.models import Delivery

    def mark_sent(*, outgoing=None):
        if outgoing:
            Delivery.objects.filter(id__in=[o.id for o in outgoing]).update(status="sent", attempts=1)
        return RunReport(sent=len(outgoing or ()))

    saved = (alerts.render, alerts.deliveries_send, emails.deliveries_send, delivery.envelope_for)
    alerts.render = lambda kind, context: ("subject", "text", "<p>html</p>")
    alerts.deliveries_send = mark_sent
    emails.deliveries_send = lambda **kw: RunReport()
    delivery.envelope_for = lambda **kw: None
    try:
        services.alerts_send_due(now=yesterday)
        services.escalations_send(now=yesterday + dt.timedelta(minutes=15))
    finally:
        alerts.render, alerts.deliveries_send, emails.deliveries_send, delivery.envelope_for = saved
    return Delivery.objects.count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--items", type=int, default=50000)
    parser.add_argument("--overdue", type=int, default=23000)
    parser.add_argument("--departments", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3, help="days measured, each beside its own floor")
    args = parser.parse_args()

    sink = Sink()
    t0 = time.perf_counter()
    setup_django(keep=False)
    from django.utils import timezone

    from notifications import services
    from notifications.models import Delivery
    from qms.due import registry

    today = timezone.localdate()
    rng = random.Random(9001)

    def due(i: int) -> dt.date:
        if i % args.items < args.overdue:  # spread over the last ten years
            return today - dt.timedelta(days=rng.randint(1, 3650))
        return today + dt.timedelta(days=rng.randint(0, 3 * 365))

    populate(args.users, args.items, args.departments, due=due, quality_managers=2)
    print(
        f"setup: {args.users} people, {args.items} open nonconformities ({args.overdue} overdue, over ten "
        f"years), {args.departments} departments in {time.perf_counter() - t0:.1f} s"
    )

    totals, floors = [], []
    for day in range(args.repeat):
        # Day d of the benchmark is today - (repeat - 1 - d): yesterday's state first, then the day.
        when = timezone.make_aware(dt.datetime.combine(today, dt.time(6))) - dt.timedelta(
            days=args.repeat - 1 - day
        )
        date = timezone.localdate(when)
        if day == 0:
            t = time.perf_counter()
            rows = yesterdays_run(when - dt.timedelta(days=1))
            took = time.perf_counter() - t
            print(f"yesterday's run (claimed and marked sent, no SMTP): {rows} deliveries in {took:.1f} s")

        start = time.perf_counter()
        with counting() as floor_queries:
            upcoming = registry.items(since=date, until=date + dt.timedelta(days=14))
            overdue = registry.items(until=date - dt.timedelta(days=1))
        floor = time.perf_counter() - start

        at_sink = sink.messages
        start = time.perf_counter()
        with counting() as counter:
            alerts = services.alerts_send_due(now=when)
            middle = time.perf_counter()
            escalations = services.escalations_send(now=when + dt.timedelta(minutes=15))
        elapsed = time.perf_counter() - start
        sent = alerts.sent + escalations.sent
        assert sink.messages - at_sink == sent and alerts.failed == escalations.failed == 0
        totals.append(elapsed)
        floors.append(floor)
        print(
            f"{date}: alerts + escalations {elapsed:.2f} s (alerts {middle - start:.2f} s, escalations "
            f"{start + elapsed - middle:.2f} s), {alerts.sent} alerts and {escalations.sent} escalations "
            f"sent; {counter.count} queries = {sent} for sending + {counter.count - sent} for "
            f"{len(upcoming)} upcoming and {len(overdue)} overdue items"
        )
        print(
            f"  floor: the registry's calls for the same items {floor:.2f} s ({floor_queries.count} queries)"
        )

    start = time.perf_counter()
    with counting() as counter:
        again = services.alerts_send_due(now=when)
        again.add(services.escalations_send(now=when + dt.timedelta(minutes=15)))
    print(
        f"second run the same day: {time.perf_counter() - start:.2f} s, {again.sent} emails sent, "
        f"{counter.count} queries"
    )
    assert again.sent == 0
    print(f"deliveries in the log: {Delivery.objects.count()}")
    sink.stop()

    verdict = Verdict()
    verdict.check(
        f"daily alerts + escalations for {args.items} due items, best of {args.repeat} days "
        f"(median {statistics.median(totals):.2f} s; floor, the registry, {min(floors):.2f} s)",
        min(totals),
        TARGET,
    )
    verdict.finish()


if __name__ == "__main__":
    main()
