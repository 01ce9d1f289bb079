"""Settings for the beats the two-node test starts: one task due every second, a short lock, and
a lock key of the test's own (so it never meets a real beat on the same Redis)."""

import datetime as dt
import os

from tests.settings import *  # noqa: F403

CELERY_BEAT_SCHEDULE = {
    "tick": {"task": "qms.tasks.beat_test_tick", "schedule": dt.timedelta(seconds=1)},
}
BEAT_LOCK_SECONDS = 4
BEAT_LOCK_PREFIX = os.environ["BEAT_LOCK_PREFIX"]
