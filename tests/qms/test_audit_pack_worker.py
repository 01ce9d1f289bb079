"""Audit packs through a real Celery worker: asked for on the page, queued on commit, rendered
with its progress, stored with its SHA-256; a worker killed with SIGKILL mid-render is taken up by
the sweep, not by the broker's hour-long visibility timeout."""

import datetime as dt
import hashlib
import io
import re

import pytest
from django.utils import timezone
from pypdf import PdfReader

from qms.models import AuditPack, AuditPackDownload
from tests.factories import WidgetFactory

from .pack_workers import wait_for

pytestmark = [pytest.mark.worker]


def period(**extra):
    today = timezone.localdate()
    return {"date_from": (today - dt.timedelta(days=30)).isoformat(), "date_to": today.isoformat(), **extra}


def status(pack) -> str:
    return AuditPack.objects.get(pk=pack.pk).status


def test_an_auditor_asks_for_a_pack_the_worker_renders_it_and_the_download_is_logged(
    pack_workers, client_for, auditor, head, dept
):
    for i in range(5):
        WidgetFactory(owner=head, department=dept, title=f"Housing H-{i}")
    pack_workers.start()
    client = client_for(auditor)
    response = client.post("/audit-pack/", period(sections=["widgets", "capa", "documents"]))
    assert response.status_code == 302
    pack = AuditPack.objects.get()
    wait_for(lambda: status(pack) == "ready", message="the pack rendered", logs=pack_workers.logs)

    pack.refresh_from_db()
    assert pack.attempts == 1 and pack.sections_done == pack.sections_total == 3 and pack.pages >= 5
    page = client.get(f"/audit-pack/{pack.pk}/").content.decode()
    assert pack.sha256 in page and "Ready" in page
    download = client.get(f"/audit-pack/{pack.pk}/download/")
    pdf = b"".join(download.streaming_content)
    assert hashlib.sha256(pdf).hexdigest() == pack.sha256 == download["X-Checksum-SHA256"]
    assert len(PdfReader(io.BytesIO(pdf)).pages) == pack.pages
    logged = AuditPackDownload.objects.get()
    assert (logged.by, logged.sha256) == (auditor, pack.sha256)
    assert pack.sha256 in client.get(f"/audit-pack/{pack.pk}/").content.decode()  # the log shows it


def test_a_render_killed_with_sigkill_is_rendered_again_by_the_sweep(pack_workers, client_for, head, dept):
    # Enough widgets that the kill lands while the widgets section is being laid out.
    for i in range(150):
        WidgetFactory(owner=head, department=dept, title=f"Bracket B-{i}", description="Milled " * 40)
    first = pack_workers.start()
    client_for(head).post("/audit-pack/", period(sections=["widgets", "documents"]))
    pack = AuditPack.objects.get()
    wait_for(
        lambda: AuditPack.objects.filter(pk=pack.pk, status="rendering", current="Widgets").exists(),
        message="the widgets section rendering",
        logs=pack_workers.logs,
    )
    pack_workers.kill(first)
    assert status(pack) == "rendering"  # the dead worker's lease is still on it

    pack_workers.start()
    # The broker would hand the message back only after an hour; the sweep (every ten minutes in
    # production) finds the lease run out and queues the pack again.
    wait_for(
        lambda: AuditPack.objects.filter(pk=pack.pk, lease_until__lt=timezone.now()).exists(),
        timeout=10,
        message="the lease to run out",
    )
    pack_workers.send("qms.tasks.sweep_audit_packs")
    wait_for(
        lambda: status(pack) == "ready", timeout=60, message="the pack rendered again", logs=pack_workers.logs
    )
    pack.refresh_from_db()
    assert pack.attempts == 2 and pack.error == ""
    stored = pack.file.file.open("rb").read()
    assert hashlib.sha256(stored).hexdigest() == pack.sha256
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(stored)).pages)
    assert "Bracket B-149" in text and "Document control" in text


def test_a_prefork_worker_child_lays_out_a_long_pack_with_two_renderers(pack_workers, client_for, head, dept):
    # A Celery prefork child is daemonic: multiprocessing may not start children there, the
    # renderer processes must still start, and each page must still say its own number.
    for i in range(30):
        WidgetFactory(
            owner=head, department=dept, title=f"Clamp C-{i:02d}", description="Cut to length " * 20
        )
    pack_workers.env.update({"AUDIT_PACK_RENDERERS": "2", "AUDIT_PACK_PIECE_CHARS": "3000"})
    pack_workers.start(concurrency=2)
    client_for(head).post("/audit-pack/", period(sections=["widgets", "documents"]))
    pack = AuditPack.objects.get()
    wait_for(
        lambda: status(pack) == "ready", timeout=120, message="the pack rendered", logs=pack_workers.logs
    )
    assert re.search(r"\d+ pieces laid out by 2 renderer", pack_workers.logs()), pack_workers.logs()[-3000:]
    pack.refresh_from_db()
    reader = PdfReader(io.BytesIO(pack.file.file.open("rb").read()))
    assert len(reader.pages) == pack.pages > 5
    for number, page in enumerate(reader.pages, start=1):
        assert " ".join(page.extract_text().split()).endswith(f"Page {number}")
