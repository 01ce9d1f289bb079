"""Two nodes on one PostgreSQL, one Redis and one object store: two web processes (gunicorn, as in
production) and two Celery workers, each with a local directory of its own that must stay empty.
A file uploaded through web A is downloaded through web B; an audit pack rendered by worker 2 is
downloaded through web A; a session opened on one web node holds on the other; failed sign-ins on
both add up to one lockout."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from celery import Celery
from django.db import connection
from django.urls import reverse

from qms.models import Attachment
from tests.factories import PASSWORD, UserFactory, WidgetFactory
from tests.objectstore import free_port
from tests.uploads import pdf_bytes

pytestmark = [pytest.mark.worker, pytest.mark.timeout(300)]
ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# A Redis database of its own (the notification tests use 13).
BROKER_URL = os.environ.get("TWO_NODE_TEST_BROKER_URL", "redis://127.0.0.1:6379/12")


class Node:
    """One machine of the deployment: its processes share the database, Redis and the object
    store with the other node's, and nothing else (each has its own local directory)."""

    def __init__(self, name: str, env: dict[str, str], tmp: Path) -> None:
        self.name, self.tmp = name, tmp
        self.local = tmp / f"{name}-local"
        self.local.mkdir()
        self.env = {
            **env,
            "ATTACHMENT_ROOT": str(self.local),
            f"TEST_ATTACHMENT_ROOT_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}": str(self.local),
        }
        self.procs: list[subprocess.Popen] = []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self, what: str, argv: list[str]) -> subprocess.Popen:
        log = self.tmp / f"{self.name}-{what}.log"
        proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=self.env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        proc.log = log
        self.procs.append(proc)
        return proc

    def start_web(self) -> None:
        self.env = {**self.env, "GUNICORN_BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": "1"}
        self.web = self.start("web", [str(BIN / "gunicorn"), "qms.wsgi", "-c", "gunicorn.conf.py"])

    def start_worker(self, queues: str) -> None:
        self.worker = self.start(
            "worker",
            [
                str(BIN / "celery"), "-A", "qms", "worker", "-Q", queues, "-P", "solo", "-l", "info",
                "-n", f"{self.name}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
            ],
        )  # fmt: skip

    def wait_ready(self, deadline: float) -> None:
        while True:
            ready = "ready." in self.worker.log.read_text()
            try:
                ready = ready and requests.get(f"{self.url}/health/", timeout=1).status_code == 200
            except requests.RequestException:
                ready = False
            if ready:
                return
            if any(p.poll() is not None for p in self.procs) or time.monotonic() > deadline:
                raise AssertionError(f"node {self.name} did not start:\n{self.logs()}")
            time.sleep(0.2)

    def logs(self) -> str:
        return "\n".join(f"--- {p.log.name}\n{p.log.read_text()[-4000:]}" for p in self.procs)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                # Gunicorn's quick shutdown (SIGTERM would wait for idle keep-alive connections).
                os.killpg(proc.pid, signal.SIGQUIT if proc is getattr(self, "web", None) else signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


@pytest.fixture
def nodes(transactional_db, s3_server, tmp_path):
    bucket = s3_server.new_bucket()
    shared_queue = f"two-node-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        **s3_server.environment(bucket),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}",
        "DB_POOL": "false",
        "REDIS_URL": BROKER_URL,
        "CELERY_BROKER_URL": BROKER_URL,
        "CELERY_QUEUE": shared_queue,
        "PYTHONPATH": str(ROOT),
        "GUNICORN_ACCESS_LOG": "-",
    }
    a, b = Node("a", env, tmp_path), Node("b", env, tmp_path)
    for node in (a, b):
        node.start_web()
        # Every worker takes the shared queue; each also its own, so a test can ask one of them.
        node.start_worker(f"{shared_queue},{shared_queue}-{node.name}")
    deadline = time.monotonic() + 150  # a loaded CI machine
    try:
        for node in (a, b):
            node.wait_ready(deadline)
        yield a, b, s3_server, bucket, shared_queue
    finally:
        for node in (a, b):
            node.stop()
        app = Celery("two-node-test", broker=BROKER_URL, set_as_current=False)
        with app.connection_for_write() as conn:
            client = conn.default_channel.client
            for key in client.scan_iter(match=f"*{shared_queue}*"):
                client.delete(key)


def signed_in(
    base_url: str, username: str, password: str = PASSWORD
) -> tuple[requests.Session, requests.Response]:
    session = requests.Session()
    assert session.get(f"{base_url}{reverse('login')}", timeout=10).status_code == 200
    token = session.cookies["csrftoken"]
    response = session.post(
        f"{base_url}{reverse('login')}",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        timeout=10,
        allow_redirects=False,
    )
    return session, response


def post_form(session: requests.Session, base_url: str, url: str, files: dict) -> requests.Response:
    token = session.cookies["csrftoken"]
    return session.post(
        f"{base_url}{url}",
        data={"csrfmiddlewaretoken": token},
        files=files,
        timeout=30,
        allow_redirects=False,
    )


def wait_for(condition, timeout: float, message: str, logs) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}\n{logs()}")
        time.sleep(0.2)


def test_two_nodes_share_files_sessions_and_lockouts(nodes, head, dept):
    a, b, s3, bucket, queue = nodes
    widget = WidgetFactory(owner=head, department=dept, title="Housing H-220")
    logs = lambda: a.logs() + b.logs()  # noqa: E731

    # A session opened on web A holds on web B (sessions live in the database).
    session, response = signed_in(a.url, head.username)
    assert response.status_code == 302, response.text
    page = session.get(f"{b.url}{widget.get_absolute_url()}", timeout=10, allow_redirects=False)
    assert page.status_code == 200 and "Housing H-220" in page.text

    # Uploaded through web A, downloaded through web B, byte for byte.
    report = pdf_bytes("First article inspection")
    upload = post_form(
        session,
        a.url,
        f"/records/kernelapp.widget/{widget.pk}/attachments/",
        {"file": ("FAI report.pdf", report, "application/pdf")},
    )
    assert upload.status_code == 302, upload.text
    attachment = Attachment.objects.get(original_name="FAI report.pdf")
    download = session.get(f"{b.url}{attachment.get_download_url()}", timeout=10)
    assert download.status_code == 200 and download.content == report

    # An audit pack rendered by worker 2 (node B), downloaded through web A.
    app = Celery("two-node-test", broker=BROKER_URL, set_as_current=False)
    app.send_task("tests.kernelapp.tasks.widget_pack_store", args=[widget.pk, head.pk], queue=f"{queue}-b")
    wait_for(
        lambda: Attachment.objects.filter(original_name="audit-pack.pdf").exists(), 60, "the audit pack", logs
    )
    pack = Attachment.objects.get(original_name="audit-pack.pdf")
    assert pack.description.startswith("Audit pack rendered by b@")
    download = session.get(f"{a.url}{pack.get_download_url()}", timeout=10)
    assert download.status_code == 200 and download.content.startswith(b"%PDF-")
    assert len(download.content) == pack.size

    # Every file is in the shared bucket; neither node kept anything on its own disk.
    keys = {o["Key"] for o in s3.client().list_objects_v2(Bucket=bucket)["Contents"]}
    assert keys == {attachment.file.name, pack.file.name}
    for node in (a, b):
        assert not [p for p in node.local.rglob("*") if p.is_file()], node.name

    # Failed sign-ins through both web nodes add up: the fifth locks the name on both.
    UserFactory(username="kmaier", department=dept)
    for base_url in (a.url, b.url, a.url, b.url, a.url):
        assert signed_in(base_url, "kmaier", "wrong")[1].status_code in (200, 400, 429)
    for base_url in (a.url, b.url):
        refused = signed_in(base_url, "kmaier")[1]
        assert refused.status_code == 429, (base_url, refused.status_code)
        assert "locked" in refused.text.lower()


def test_a_beat_on_each_node_sends_the_schedule_once_and_the_other_takes_over(tmp_path):
    """The same Procfile on two machines starts two beats: one sends each due task, the other
    stands by, and takes over once the first one's machine dies (qms/beat.py)."""
    queue = f"two-node-beat-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.beat_settings",
        "BEAT_LOCK_PREFIX": f"{queue}:",
        "REDIS_URL": BROKER_URL,
        "CELERY_BROKER_URL": BROKER_URL,
        "CELERY_QUEUE": queue,
        "PYTHONPATH": str(ROOT),
    }
    a, b = Node("a", env, tmp_path), Node("b", env, tmp_path)
    for node in (a, b):
        node.beat = node.start(
            "beat",
            [str(BIN / "celery"), "-A", "qms", "beat", "-l", "info", "-s", str(node.local / "schedule")],
        )
    sent = lambda node: node.beat.log.read_text().count("Sending due task tick")  # noqa: E731
    logs = lambda: a.logs() + b.logs()  # noqa: E731
    try:
        wait_for(lambda: sent(a) + sent(b) >= 3, 60, "the schedule sent", logs)
        active, standby = (a, b) if sent(a) else (b, a)
        wait_for(lambda: "standing by" in standby.beat.log.read_text(), 30, "the standby", logs)
        time.sleep(2)
        assert sent(standby) == 0, logs()
        # The active beat's machine dies: the other one sends from then on.
        os.killpg(active.beat.pid, signal.SIGKILL)
        active.beat.wait(timeout=10)
        wait_for(lambda: sent(standby) >= 2, 30, "the standby taking over", logs)
        assert "holds the schedule lock" in standby.beat.log.read_text()
    finally:
        for node in (a, b):
            node.stop()
        app = Celery("two-node-test", broker=BROKER_URL, set_as_current=False)
        with app.connection_for_write() as conn:
            client = conn.default_channel.client
            for key in client.scan_iter(match=f"*{queue}*"):
                client.delete(key)
