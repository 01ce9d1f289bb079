"""Audit pack pieces laid out side by side by renderer processes, their page numbers laid over
their pages at the join: every page says its own number, the parts stay in order, the pack reads
the same as one laid out in a single process, and a renderer that dies or hangs fails the pack
instead of hanging it."""

import datetime as dt
import io
import logging
import os
import re
import signal
import threading
import time
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.utils import timezone
from pypdf import PdfReader

from qms import auditpack
from qms.auditpack.renderers import RendererFailed
from qms.models import AuditPack
from qms.services import auditpacks as services
from tests.factories import WidgetFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
KEYS = ["widgets", "capa", "documents"]


def text_of(pdf: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]


def footers_of(pdf: bytes) -> list[str]:
    """The text in each page's bottom margin (18 mm: below 51 pt from the page's foot)."""
    footers = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        found: list[str] = []

        def visit(text, cm, tm, font, size, found=found):
            if text.strip() and cm[5] + tm[5] * cm[3] < 51:
                found.append(text.strip())

        page.extract_text(visitor_text=visit)
        footers.append(" ".join(found))
    return footers


def renderers_alive() -> list[int]:
    """This process's renderer children still running (their ids)."""
    found = []
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        for pid in (task / "children").read_text().split():
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except FileNotFoundError:
                continue
            if b"qms.auditpack.renderer" in cmdline:
                found.append(int(pid))
    return found


@pytest.fixture
def long_pack(head, dept, settings):
    """Widgets enough for many pieces of 3,000 characters: the processes start and share them."""
    for i in range(50):
        WidgetFactory(
            owner=head, department=dept, title=f"Clamp C-{i:02d}", description="Cut to length " * 20
        )
    settings.AUDIT_PACK_PIECE_CHARS = 3000
    settings.AUDIT_PACK_RENDERERS = 2


def build(user, reference="PACK-2026-0007"):
    pdf, _ = auditpack.pack_build(
        user=user, keys=KEYS, date_from=TODAY() - dt.timedelta(days=5), date_to=TODAY(), reference=reference
    )
    return pdf


def test_every_page_of_a_pack_laid_out_by_two_renderers_says_its_own_number(
    long_pack, quality_manager, caplog
):
    with caplog.at_level(logging.INFO, logger="qms.auditpack"):
        pdf = build(quality_manager)
    pages = text_of(pdf)
    laid_out = re.search(r"(\d+) pieces laid out by (\d+) renderer", caplog.text)
    assert laid_out and int(laid_out.group(1)) > 4 and laid_out.group(2) == "2", caplog.text
    for number, footer in enumerate(footers_of(pdf), start=1):
        assert "PACK-2026-0007" in footer and re.findall(r"Page \d+", footer) == [f"Page {number}"], (
            number,
            footer,
        )
    # The parts in order: the widgets as the section lists them, and each section where the
    # contents say it is.
    section = next(s for s in auditpack.sections() if s.key == "widgets")
    context = section.build(user=quality_manager, date_from=TODAY() - dt.timedelta(days=5), date_to=TODAY())
    html = render_to_string(section.template, {**context, "user": quality_manager})
    listed = sorted((f"Clamp C-{n:02d}" for n in range(30)), key=html.index)
    text = " ".join(pages)
    assert [text.index(title) for title in listed] == sorted(text.index(title) for title in listed)
    assert len({next(i for i, p in enumerate(pages) if title in p) for title in listed}) > 1
    contents = next(p for p in pages if "Contents by ISO 9001 clause" in p)
    for title, clause in (
        ("Widgets", "8.5"),
        ("Nonconformities and corrective actions", "10.2"),
        ("Document control: register, approvals and distribution", "7.5"),
    ):
        page_no = int(re.search(rf"{re.escape(title)} (\d+)", contents).group(1))
        assert pages[page_no - 1].startswith(f"{title} (ISO 9001 {clause})"), (title, page_no)
    assert not renderers_alive()  # the renderers end with the pack


def test_a_pack_laid_out_by_two_renderers_reads_as_one_laid_out_in_one_process(
    long_pack, quality_manager, settings
):
    parallel = text_of(build(quality_manager))
    settings.AUDIT_PACK_RENDERERS = 1
    single = text_of(build(quality_manager))

    def same_minute(pages):  # each pack says when it was generated
        return [re.sub(r"\d\d:\d\d", "(time)", p) for p in pages]

    assert len(parallel) > 8 and same_minute(parallel) == same_minute(single)


def test_a_small_pack_is_laid_out_in_the_workers_own_process(few_widgets, quality_manager, caplog):
    with caplog.at_level(logging.INFO, logger="qms.auditpack"):
        build(quality_manager)
    assert re.search(r"laid out by 1 renderer", caplog.text), caplog.text


@pytest.fixture
def few_widgets(head, dept, settings):
    settings.AUDIT_PACK_RENDERERS = 2
    return [WidgetFactory(owner=head, department=dept) for _ in range(3)]


class Killer(threading.Thread):
    """SIGKILLs the first renderer process it sees, as the OOM killer would."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.killed: int | None = None
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.05):
            for pid in renderers_alive():
                os.kill(pid, signal.SIGKILL)
                self.killed = pid
                return


def test_a_renderer_killed_mid_pack_fails_the_render_which_is_retried(long_pack, auditor, settings):
    settings.AUDIT_PACK_MAX_ATTEMPTS = 2
    pack = services.audit_pack_request(
        by=auditor, keys=KEYS, date_from=TODAY() - dt.timedelta(days=5), date_to=TODAY()
    )
    killer = Killer()
    killer.start()
    started = time.monotonic()
    try:
        assert services.audit_pack_render(pack_id=pack.pk) == "failed"
    finally:
        killer.stop.set()
    assert killer.killed and time.monotonic() - started < 120
    pack.refresh_from_db()
    assert pack.status == "queued" and "An audit pack renderer stopped" in pack.error, pack.error
    assert not renderers_alive()  # the other renderer is ended too
    assert services.audit_pack_render(pack_id=pack.pk) == "ready"  # the retry renders it
    assert AuditPack.objects.get(pk=pack.pk).pages > 8


def test_a_renderer_slower_than_the_timeout_fails_the_pack_instead_of_hanging(
    long_pack, quality_manager, settings
):
    settings.AUDIT_PACK_PIECE_TIMEOUT_SECONDS = 0
    started = time.monotonic()
    with pytest.raises(RendererFailed, match="took more than 0 s"):
        build(quality_manager)
    assert time.monotonic() - started < 60
    assert not renderers_alive()
