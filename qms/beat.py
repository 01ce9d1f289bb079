"""One beat for the whole deployment, however many machines start one.

Celery beat sends each scheduled task once per due time only when exactly one beat runs. On
several machines it is easy to start two (the same Procfile or compose file on both), and then
every alert, digest and backup would be queued twice. ``SingleBeatScheduler`` keeps the schedule
only while it holds a lock in Redis (the broker every node already shares): the first beat holds
it and renews it on every tick; any other beat stands by, sends nothing, and takes over once the
lock lapses (the active beat's machine died), starting from the moment the previous holder was last
seen alive, so a task that fell due in between is sent once on takeover rather than lost.

Tasks stay safe to run twice (a holder that dies between sending and renewing may have sent one
more), as every scheduled task of the product already is.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import socket
import time
import uuid

from celery.beat import PersistentScheduler
from celery.utils.time import maybe_make_aware
from django.conf import settings

log = logging.getLogger(__name__)

LOCK_KEY = "qms:beat:lock"
ALIVE_KEY = "qms:beat:alive"  # when the holder last renewed (epoch seconds)
# Compare-and-renew: only the holder extends its own lock.
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


class SingleBeatScheduler(PersistentScheduler):
    """The persistent (file) schedule, sent only by the beat that holds the deployment's lock."""

    def __init__(self, *args, **kwargs) -> None:
        import redis

        prefix = getattr(settings, "BEAT_LOCK_PREFIX", "")
        self.lock_key, self.alive_key = prefix + LOCK_KEY, prefix + ALIVE_KEY
        self.lock_seconds = float(getattr(settings, "BEAT_LOCK_SECONDS", 60))
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.redis = redis.Redis.from_url(getattr(settings, "BEAT_LOCK_URL", settings.REDIS_URL))
        self.active = False
        self.said_standby = False
        super().__init__(*args, **kwargs)

    def _hold(self) -> bool:
        """Take or renew the lock; whether this beat holds it now."""
        ttl = int(self.lock_seconds * 1000)
        if self.active and self.redis.eval(_RENEW, 1, self.lock_key, self.token, ttl):
            self.redis.set(self.alive_key, time.time())
            return True
        if self.active:
            log.warning("beat %s lost the schedule lock: standing by", self.token)
            self.active = False
        if self.redis.set(self.lock_key, self.token, nx=True, px=ttl):
            self._take_over()
            self.redis.set(self.alive_key, time.time())
            self.active = True
        return self.active

    def _take_over(self) -> None:
        """Start from the last moment the previous holder was alive: what fell due after it is sent."""
        alive = self.redis.get(self.alive_key)
        if alive is not None:
            since = dt.datetime.fromtimestamp(float(alive), tz=dt.UTC)
            for entry in self.schedule.values():
                last = maybe_make_aware(entry.last_run_at) if entry.last_run_at else since
                entry.last_run_at = max(last, since)
            self._heap = None  # rebuilt from the entries on the next tick
        log.info("beat %s holds the schedule lock: sending the schedule", self.token)

    def tick(self, *args, **kwargs) -> float:
        try:
            holding = self._hold()
        except Exception as exc:  # noqa: BLE001 - Redis out of reach: send nothing, try again soon
            log.error("beat %s cannot reach Redis for the schedule lock: %s", self.token, exc)
            self.active = False
            return self.lock_seconds / 4
        if not holding:
            if not self.said_standby:
                log.info("beat %s standing by: another beat holds the schedule lock", self.token)
                self.said_standby = True
            return self.lock_seconds / 4
        self.said_standby = False
        return min(super().tick(*args, **kwargs), self.lock_seconds / 4)

    def close(self) -> None:
        if self.active:
            with contextlib.suppress(Exception):  # the lock lapses by itself
                self.redis.eval(_RELEASE, 1, self.lock_key, self.token)
        super().close()
