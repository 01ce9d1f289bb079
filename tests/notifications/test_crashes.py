"""What a crash may cost, with real Celery workers killed with SIGKILL and a real SMTP server: at
most one email sent twice per kill, never an email lost to used-up attempts, and a weekly digest
finished by the sweep instead of by the broker an hour later."""

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from notifications.models import Delivery, DigestRun
from tests.factories import UserFactory

from .conftest import wait_for
from .helpers import ncr
from .test_worker import DIGEST, MONDAY, all_sent, people_with_items

pytestmark = [pytest.mark.worker, pytest.mark.timeout(240)]
FLUSH = "notifications.tasks.flush_deliveries"


def test_each_kill_resends_at_most_one_email_even_with_two_send_tasks_at_once(workers, smtp, dept):
    users = people_with_items(dept, 10)
    # The server holds every message a quarter of a second before saying it took it: most kills
    # land in that window, where the worker cannot know the message went out.
    smtp.data_delay = 0.25
    proc = workers.start(concurrency=2)
    # Two send tasks at once: the digests of two weeks.
    workers.send(DIGEST, MONDAY.isoformat())
    workers.send(DIGEST, (MONDAY + dt.timedelta(days=7)).isoformat())
    # Per kill, the window: emails the server took since the kill before, and the database had
    # not recorded as sent when the worker died. Only these can be sent again.
    windows, before = [], Counter()
    for _ in range(3):
        reached = len(smtp.messages) + 2
        wait_for(lambda n=reached: len(smtp.messages) >= n, timeout=60, message="sending", logs=workers.logs)
        workers.kill(proc)
        at_server = Counter(m["X-QMS-Delivery"] for m in smtp.messages)
        recorded = set(Delivery.objects.filter(status="sent").values_list("key", flat=True))
        windows.append({k for k, n in at_server.items() if k not in recorded and n > before[k]})
        before = at_server
        proc = workers.start(concurrency=2)
    expected = 2 * len(users)
    wait_for(all_sent(expected), timeout=90, message="every digest sent", logs=workers.logs)
    wait_for(lambda: len(smtp.messages) >= expected, timeout=10, message="all mail at the server")

    assert all(len(window) <= 1 for window in windows), f"more than one email per kill: {windows}"
    per_email = Counter(m["X-QMS-Delivery"] for m in smtp.messages)
    assert set(per_email) == set(Delivery.objects.values_list("key", flat=True))
    resent = sum(n - 1 for n in per_email.values())
    assert resent <= sum(len(window) for window in windows) <= 3, per_email
    # Every email sent twice is on the record as taken over after a crash.
    assert all(Delivery.objects.get(key=key).takeovers >= 1 for key, n in per_email.items() if n > 1)


def test_crashes_in_a_slow_conversation_do_not_use_up_the_attempts_of_one_refusal(workers, smtp, dept):
    [user] = people_with_items(dept, 1)
    workers.env["NOTIFICATION_MAX_ATTEMPTS"] = "2"
    smtp.rcpt_delay = 3  # a mail server that takes its time over RCPT: the kills land there
    smtp.refusals[user.email] = ["250 OK", "250 OK", "451 4.7.1 Try again later", "250 OK"]
    proc = workers.start()
    workers.send(DIGEST, MONDAY.isoformat())
    for kill in range(2):
        wait_for(
            lambda k=kill: smtp.rcpt_started > k, timeout=60, message="a conversation", logs=workers.logs
        )
        workers.kill(proc)
        proc = workers.start()
    smtp.rcpt_delay = 0
    # Taken over twice (each after its lease), refused once, retried after the back-off: sent.
    wait_for(all_sent(1), timeout=90, message="the digest sent", logs=workers.logs)
    row = Delivery.objects.get()
    assert (row.attempts, row.takeovers, row.error) == (2, 2, "")
    assert smtp.per_recipient() == {user.email: 1}


def test_the_sweep_finishes_an_interrupted_digest_without_waiting_for_the_broker(workers, smtp, dept):
    """With the broker's default visibility timeout (an hour) the killed digest task is not handed
    back during the test: the ten-minute sweep finishes the week."""
    today = timezone.localdate()
    users = [UserFactory(department=dept) for _ in range(6)]
    for user in users:
        ncr(user, 3, today=today)
    workers.env["CELERY_VISIBILITY_TIMEOUT"] = "3600"
    workers.env["NOTIFICATION_BATCH_SIZE"] = "2"
    smtp.rcpt_delay = 0.4
    first = workers.start()
    workers.send(DIGEST)  # this week's digest, now
    wait_for(
        lambda: Delivery.objects.filter(status="sent").count() >= 2,
        message="the first batch sent",
        logs=workers.logs,
    )
    workers.kill(first)
    run = DigestRun.objects.get()
    assert run.finished_at is None
    unclaimed = [u for u in users if not Delivery.objects.filter(recipient=u).exists()]
    assert unclaimed, "the kill must land before every batch was claimed"

    workers.start()
    wait_for(lambda: run.__class__.objects.get().lease_until < timezone.now(), timeout=10, message="lease")
    workers.send(FLUSH)  # what the beat sends every ten minutes
    wait_for(all_sent(len(users)), timeout=60, message="every digest sent", logs=workers.logs)
    wait_for(lambda: len(smtp.messages) >= len(users), timeout=10, message="all mail at the server")
    per_user = smtp.per_recipient()
    assert set(per_user) == {u.email for u in users}
    assert sum(per_user.values()) - len(users) <= 1  # the kill: at most one sent twice
    # The run is marked finished once the last batch is sent and no user is left: a moment after
    # the last delivery is recorded (on a loaded machine, after this test first looked).
    wait_for(lambda: DigestRun.objects.get().finished_at is not None, timeout=10, message="the week finished")
    run.refresh_from_db()
    assert run.finished_at is not None and run.resumed == 1
    assert f"Task {DIGEST}[" not in workers.logs().split("--- worker-1.log")[1], "not the broker"
