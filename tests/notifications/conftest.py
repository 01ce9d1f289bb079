"""A real SMTP server (aiosmtpd) for every email test, and real Celery workers for the delivery
guarantees."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from celery import Celery
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
# A Redis database of its own: a worker with a 5-second visibility timeout restores *every*
# unacknowledged message of its database, and must not touch anyone else's.
BROKER_URL = os.environ.get("NOTIFICATION_TEST_BROKER_URL", "redis://127.0.0.1:6379/13")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sink:
    """An SMTP server's handler that keeps what it accepts and can refuse or dawdle on cue."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.lock = threading.Lock()
        # address -> replies to give to RCPT TO, one per attempt; the last one repeats.
        self.refusals: dict[str, list[str]] = {}
        self.rcpt_delay = 0.0
        # Seconds between taking a message and saying so: a client that dies meanwhile never learns
        # that the message was delivered (the window no system closes, made wide on purpose).
        self.data_delay = 0.0
        self.rcpt_started = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpt_started += 1
        # The reply is chosen first: a conversation cut during the delay (the client died) still
        # used up its reply, as it would have used up an attempt at a real server.
        replies = self.refusals.get(address)
        reply = (replies.pop(0) if len(replies) > 1 else replies[0]) if replies else "250 OK"
        if self.rcpt_delay:
            await asyncio.sleep(self.rcpt_delay)
        if not reply.startswith("250"):
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                message["X-Envelope-To"] = rcpt
            self.messages.append(message)
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in m.get_all("X-Envelope-To", [])]

    def per_recipient(self) -> Counter:
        return Counter(r for m in self.messages for r in m.get_all("X-Envelope-To", []))

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()


@pytest.fixture
def smtp(settings):
    """A real SMTP server on a free local port, and Django's SMTP backend pointed at it."""
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    sink.port = controller.port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 10
    yield sink
    controller.stop()


class Workers:
    """Real `celery -A qms worker` processes on a queue of this test's own, against the test
    database (committed data: use with transactional_db)."""

    def __init__(self, smtp_port: int, tmp_path: Path) -> None:
        self.queue = f"notif-test-{uuid.uuid4().hex[:8]}"
        self.tmp_path = tmp_path
        self.procs: list[subprocess.Popen] = []
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}",
            "DB_POOL": "false",
            "CELERY_BROKER_URL": BROKER_URL,
            "CELERY_QUEUE": self.queue,
            "CELERY_VISIBILITY_TIMEOUT": "5",
            "NOTIFICATION_LEASE_SECONDS": "3",
            "NOTIFICATION_RETRY_BASE_SECONDS": "1",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "PYTHONPATH": str(ROOT),
        }
        # Not the current app: the project's tasks would bind to it, and a later test in this
        # process would send them to this broker instead of running them eagerly.
        self.app = Celery("notif-test", broker=BROKER_URL, set_as_current=False)
        self.app.conf.broker_transport_options = {"visibility_timeout": 5}

    def start(self, *, concurrency: int = 1) -> subprocess.Popen:
        log = self.tmp_path / f"worker-{len(self.procs)}.log"
        pool = ["-P", "solo"] if concurrency == 1 else ["-P", "prefork", "-c", str(concurrency)]
        proc = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "celery"),
                "-A",
                "qms",
                "worker",
                "-Q",
                self.queue,
                *pool,
                "-l",
                "info",
                "-n",
                f"{self.queue}-{len(self.procs)}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so SIGKILL takes the pool children too
        )
        proc.log = log
        self.procs.append(proc)
        deadline = time.monotonic() + 30
        while "ready." not in log.read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("worker did not start:\n" + log.read_text())
            time.sleep(0.1)
        return proc

    def send(self, task: str, *args):
        return self.app.send_task(task, args=args, queue=self.queue)

    def kill(self, proc: subprocess.Popen) -> None:
        """SIGKILL, the way the OOM killer or a pulled plug ends a worker: no cleanup, no ack."""
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def logs(self) -> str:
        return "\n".join(f"--- {p.log.name}\n{p.log.read_text()}" for p in self.procs)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        # Leave the test's Redis database as we found it: the queue (a follow-up flush may still
        # sit there) and kombu's bindings for it.
        with self.app.connection_for_write() as conn:
            conn.default_channel.queue_delete(self.queue)
            client = conn.default_channel.client
            for key in client.scan_iter(match=f"*{self.queue}*"):
                client.delete(key)
            # A message a killed worker held under an hour-long visibility timeout would be handed
            # back, later, to another test's worker: take it out of kombu's unacknowledged set.
            for tag, raw in client.hgetall("unacked").items():
                if self.queue in json.loads(raw)[2]:
                    client.hdel("unacked", tag)
                    client.zrem("unacked_index", tag)


@pytest.fixture
def workers(transactional_db, smtp, tmp_path):
    w = Workers(smtp.port, tmp_path)
    yield w
    w.stop()


def wait_for(condition, timeout: float = 30, message: str = "condition", logs=None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}" + (f"\n{logs()}" if logs else ""))
        time.sleep(0.1)


@pytest.fixture
def receiver():
    """A real HTTP server that receives webhooks (tests/notifications/receiver.py)."""
    from .receiver import Receiver

    found = Receiver()
    yield found
    found.stop()


@pytest.fixture
def eager():
    """Celery tasks queued on commit run at once, in the test's process (no broker)."""
    from qms.celery import app

    before = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.update(task_always_eager=True, task_eager_propagates=True)
    yield
    app.conf.update(task_always_eager=before[0], task_eager_propagates=before[1])
