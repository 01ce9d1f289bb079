"""Real Celery workers for audit packs: the notifications tests' workers, on a queue of the test's
own on the broker the test process sends to (so a pack asked for on a page, queued on commit,
reaches them), with a two-second lease and the broker's hour-long visibility timeout: a killed
render comes back only through the sweep, never by the broker handing the message back."""

from __future__ import annotations

import uuid

import pytest
from celery import Celery
from django.conf import settings

from tests.notifications.conftest import Workers, wait_for

__all__ = ["PackWorkers", "pack_workers", "wait_for"]


class PackWorkers(Workers):
    def __init__(self, tmp_path) -> None:
        super().__init__(0, tmp_path)
        broker = settings.CELERY_BROKER_URL
        self.queue = f"pack-test-{uuid.uuid4().hex[:8]}"
        self.env.update(
            {
                "CELERY_BROKER_URL": broker,
                "CELERY_QUEUE": self.queue,
                "CELERY_VISIBILITY_TIMEOUT": "3600",
                "AUDIT_PACK_LEASE_SECONDS": "2",
                "AUDIT_PACK_QUEUE": self.queue,
            }
        )
        self.app = Celery("pack-test", broker=broker, set_as_current=False)
        self.app.conf.broker_transport_options = {"visibility_timeout": 3600}


@pytest.fixture
def pack_workers(transactional_db, tmp_path, settings):
    workers = PackWorkers(tmp_path)
    settings.AUDIT_PACK_QUEUE = workers.queue  # the web side queues renders for these workers
    settings.AUDIT_PACK_LEASE_SECONDS = 2
    yield workers
    workers.stop()
