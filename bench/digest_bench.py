"""Weekly digest benchmark: 2,000 users, 50,000 due items (nonconformities), the whole digest end
to end (registry → render → claim with the message bytes → SMTP) into a local SMTP sink
(aiosmtpd), beside its floor measured in the same run: plain smtplib sending the same messages to
the same sink.

    make bench                      # or: .venv/bin/python bench/digest_bench.py
    .venv/bin/python bench/digest_bench.py --users 2000 --items 50000 --batch 500

Uses its own database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/qms_bench),
which it drops, creates and migrates on every run (--keep reuses the data of the previous run).
Three runs, each beside its own floor; the verdict takes the best (the machine may be shared). Exits
non-zero when a figure is more than 20 % past its target.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import smtplib
import statistics
import time

from common import Sink, Timer, Verdict, counting, populate, setup_django

TOTAL_TARGET = 10.0  # seconds, the whole digest for 2,000 users
SEND_RATIO_TARGET = 1.5  # the send phase against plain smtplib sending the same messages


def smtplib_floor(port: int) -> tuple[float, int]:
    """Plain smtplib sending the messages the digest sent (the same bytes, one connection, the
    same sink), with nothing recorded anywhere: what the wire alone costs."""
    from notifications.delivery import _outgoing
    from notifications.models import Delivery

    rows = Delivery.objects.filter(kind="digest", status="sent").order_by("id").values()
    envelopes = [_outgoing(r).envelope for r in rows]
    # smtplib stuffs the dots itself: give it the message as it was before stuffing.
    messages = [(e.sender, e.recipient, re.sub(rb"(?m)^\.\.", b".", e.data)) for e in envelopes]
    smtp = smtplib.SMTP("127.0.0.1", port)
    start = time.perf_counter()
    for sender, recipient, data in messages:
        smtp.sendmail(sender, [recipient], data)
    took = time.perf_counter() - start
    smtp.quit()
    return took, len(messages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--items", type=int, default=50000)
    parser.add_argument("--departments", type=int, default=40)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3, help="runs, each beside its own floor")
    parser.add_argument("--keep", action="store_true", help="reuse the data of the previous run")
    args = parser.parse_args()

    sink = Sink()
    t0 = time.perf_counter()
    setup_django(keep=args.keep)
    from django.utils import timezone

    from notifications import delivery, digest, services
    from notifications.models import Delivery, DigestRun
    from qms.models import User

    today = timezone.localdate()
    if not args.keep or not User.objects.exists():
        rng = random.Random(9001)
        populate(
            args.users,
            args.items,
            args.departments,
            due=lambda i: today + dt.timedelta(days=rng.randint(-30, 45)),
        )
    print(
        f"setup: {User.objects.count()} users, {args.items} nonconformities, "
        f"{args.departments} departments in {time.perf_counter() - t0:.1f} s"
    )

    # Queries to build the digests of one batch, for two batch sizes (nothing claimed yet).
    users = list(
        User.objects.filter(services.digest_recipients()).order_by("pk").values(*services.USER_FIELDS)
    )
    for size in (100, 500):
        start = time.perf_counter()
        with counting() as counter:
            drafts = services.digest_drafts(users[:size], today=today, week="probe")
        took = time.perf_counter() - start
        lines = sum(d.body_text.count("\n    http") for d in drafts)
        print(
            f"build a batch of {size:>3} users: {counter.count} queries "
            f"({len(drafts)} digests, {lines} lines, {took:.1f} s)"
        )

    # Where the time goes: rendering (registry queries + templates), the message bytes, claiming
    # (the INSERT), sending (the SMTP conversation, a take and a record per email).
    timer = Timer()
    timer.wrap(digest, "digest_drafts", "render")
    timer.wrap(delivery, "envelope_for", "bytes")
    timer.wrap(digest, "deliveries_claim", "claim")
    timer.wrap(digest, "deliveries_send", "send")

    # The machine may be shared: each run is timed beside its own floor, and the verdict takes the
    # best of the runs (as timeit does), the one the rest of the machine disturbed least.
    totals, sends, floors = [], [], []
    for run in range(1, args.repeat + 1):
        Delivery.objects.all().delete()
        DigestRun.objects.all().delete()
        timer.spent.clear()
        at_sink = sink.messages
        start = time.perf_counter()
        with counting() as counter:
            report = services.digest_send_weekly(batch_size=args.batch)
        elapsed = time.perf_counter() - start
        batches = report.details["batches"]
        spent = dict(timer.spent)
        spent["claim"] -= spent.get("bytes", 0.0)  # the bytes are built inside the claim
        assert sink.messages - at_sink == report.sent == Delivery.objects.filter(status="sent").count()
        floor, floor_messages = smtplib_floor(sink.port)
        ratio = spent["send"] / floor
        totals.append(elapsed)
        sends.append(spent["send"])
        floors.append(floor)
        print(
            f"run {run}: weekly digest end to end {elapsed:.2f} s, {report.sent} emails sent "
            f"({sink.bytes / sink.messages * report.sent / 1e6:.1f} MB), {batches} batches of {args.batch}; "
            f"{counter.count} queries = 1 per email (take it, record the previous one) "
            f"+ {counter.count - report.sent} for {batches} batches"
        )
        print("  " + ", ".join(f"{name} {secs:.2f} s" for name, secs in spent.items()))
        print(
            f"  floor: plain smtplib sending the same {floor_messages} messages to the same sink "
            f"{floor:.2f} s; send phase {spent['send']:.2f} s = {ratio:.2f}x the floor"
        )

    sent_before = sink.messages
    start = time.perf_counter()
    with counting() as counter:
        again = services.digest_send_weekly(batch_size=args.batch)
    print(
        f"second run the same week: {time.perf_counter() - start:.2f} s, {again.sent} emails sent, "
        f"{counter.count} queries"
    )
    assert again.sent == 0 and sink.messages == sent_before
    sink.stop()

    verdict = Verdict()
    verdict.check(
        f"weekly digest for {args.users} users and {args.items} items, best of {args.repeat} runs "
        f"(median {statistics.median(totals):.2f} s)",
        min(totals),
        TOTAL_TARGET,
    )
    verdict.check(
        f"send phase {min(sends):.2f} s against plain smtplib {min(floors):.2f} s, best of {args.repeat} "
        f"runs each (median {statistics.median(sends):.2f} s / {statistics.median(floors):.2f} s)",
        min(sends) / min(floors),
        SEND_RATIO_TARGET,
        unit="x",
    )
    verdict.finish()


if __name__ == "__main__":
    main()
