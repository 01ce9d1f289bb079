"""The audit pack's renderers: the pieces of a pack laid out side by side, one WeasyPrint process
per core, while the main process (Django, the database) builds the sections' HTML.

A renderer is ``python -m qms.auditpack.renderer``, a plain child process (a Celery prefork child
is daemonic, and ``multiprocessing`` refuses children there). It reads one job a line on stdin (an
HTML file to lay out and the PDF/A-3b file to write), answers one line on stdout (the page count),
and ends when stdin closes, so a renderer whose pack process died (kill -9) ends too. It uses the
one locked-down renderer (``qms.pdf``), with the settings of the process that started it.

A renderer that dies, fails or takes longer than ``AUDIT_PACK_PIECE_TIMEOUT_SECONDS`` on one
piece fails the pack (the worker's retry and sweep then apply); nothing waits on it for ever.

``AUDIT_PACK_RENDERERS`` is how many run (default: the cores, at most 2); with 1, or for a pack of
a single piece, the pieces are laid out in the main process, the same way.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import selectors
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from .. import pdf

PDF_VARIANT = "pdf/a-3b"
ROOT = Path(__file__).resolve().parent.parent.parent  # the directory that holds the qms package


def renderer_count() -> int:
    """How many renderers lay out a pack's pieces (``AUDIT_PACK_RENDERERS``)."""
    default = min(2, os.cpu_count() or 1)
    return max(1, int(getattr(settings, "AUDIT_PACK_RENDERERS", default) or default))


def piece_timeout() -> float:
    return float(getattr(settings, "AUDIT_PACK_PIECE_TIMEOUT_SECONDS", 600))


@dataclass
class Job:
    """One HTML file to lay out as one PDF/A-3b file; ``pages`` once it is done."""

    index: int
    html: Path
    pdf: Path
    pages: int | None = None
    pid: int = 0  # the process that laid it out


class RendererFailed(RuntimeError):
    """A renderer died, failed or hung; the pack cannot be finished."""


def lay_out(job: Job, *, stylesheets: list, font_config) -> int:
    """Lay out ``job``'s HTML and write its PDF/A-3b; the number of pages."""
    document = pdf.render_document(
        html=job.html.read_text(encoding="utf-8"), stylesheets=stylesheets, font_config=font_config
    )
    document.write_pdf(job.pdf, pdf_variant=PDF_VARIANT)
    return len(document.pages)


class _Process:
    """One renderer process and the job it is laying out."""

    def __init__(self, css: Path) -> None:
        env = {
            **os.environ,
            # (a test's overridden settings have no module of their own; the environment's holds)
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE") or settings.SETTINGS_MODULE,
            "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
        }
        command = [sys.executable, "-m", "qms.auditpack.renderer", str(css), settings.BASE_URL]
        # Its own process group is NOT wanted: a worker killed with its group takes its renderers.
        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT, env=env, text=True
        )
        self.job: Job | None = None
        self.since = 0.0
        self.usage = (0.0, 0)  # its CPU seconds and peak resident KiB, as it last said

    def send(self, job: Job) -> None:
        self.job, self.since = job, time.monotonic()
        try:
            self.proc.stdin.write(json.dumps({"html": str(job.html), "pdf": str(job.pdf)}) + "\n")
            self.proc.stdin.flush()
        except OSError as exc:  # it died between two pieces
            raise RendererFailed(f"An audit pack renderer stopped before {job.html.name}: {exc}") from exc

    def receive(self) -> Job:
        """The busy job, done (its answer is on stdout)."""
        line = self.proc.stdout.readline()
        job, self.job = self.job, None
        what = job.html.name if job else "nothing"
        if not line:
            code = self.proc.wait(timeout=10)
            raise RendererFailed(f"An audit pack renderer stopped (exit code {code}) laying out {what}.")
        answer = json.loads(line)
        if "error" in answer:
            raise RendererFailed(f"Laying out {what} failed: {answer['error']}")
        job.pages, job.pid = int(answer["pages"]), int(answer["pid"])
        self.usage = (float(answer["cpu"]), int(answer["peak_kib"]))  # so far, of this process
        return job

    def close(self, *, kill: bool) -> None:
        if kill:
            self.proc.kill()
        with contextlib.suppress(OSError):  # a renderer that died has no pipe left to close
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc.stdout.close()


class Renderers:
    """Lays out the pack's HTML files, ``count`` at a time, keeping their order (each job has its
    index). ``on_done`` is told of each job as it finishes. The processes are started once the
    pack has more than ``start_after`` characters of HTML (a piece's worth: starting one costs
    about a second of CPU), so a small pack is laid out here, with no process started."""

    def __init__(
        self, count: int, *, css: str, workdir: Path, on_done: Callable[[Job], None], start_after: int = 0
    ) -> None:
        self.count, self.workdir, self.on_done, self.start_after = count, workdir, on_done, start_after
        self.chars = 0
        self.css = workdir / "auditpack.css"
        self.css.write_text(css, encoding="utf-8")
        self.jobs: list[Job] = []
        self.pending: deque[Job] = deque()
        self.processes: list[_Process] = []
        self.selector = selectors.DefaultSelector()
        self._local: tuple[list, object] | None = None

    # --- what the pipeline calls ---

    def submit(self, html: str, *, may_start: bool = True) -> Job:
        """Queue ``html`` to be laid out (it is written to a file first; memory does not keep it)."""
        index = len(self.jobs)
        job = Job(index, self.workdir / f"job-{index}.html", self.workdir / f"job-{index}.pdf")
        job.html.write_text(html, encoding="utf-8")
        self.jobs.append(job)
        self.pending.append(job)
        self.chars += len(html)
        if self.count == 1:
            self._lay_out_here(self.pending.popleft())
            return job
        if may_start and self.chars > self.start_after:
            while len(self.processes) < min(self.count, len(self.pending) + self._busy()):
                self._start()
        self._dispatch()
        self._collect(timeout=0)
        return job

    def wait(self, *, when_idle: Callable[[], None] | None = None) -> None:
        """Until every job submitted is done; ``when_idle`` is called whenever a renderer has
        nothing to do (it may submit more)."""
        if not self.processes:  # a small pack: laid out here
            while self.pending:
                self._lay_out_here(self.pending.popleft())
        while self.pending or self._busy():
            self._dispatch()
            self._collect(timeout=1.0)
            if when_idle and not self.pending and self._busy() < len(self.processes):
                when_idle()

    def used(self) -> set[int]:
        """The processes that laid out a job (their ids)."""
        return {job.pid for job in self.jobs if job.pages is not None}

    def usage(self) -> list[tuple[float, int]]:
        """Each renderer process's CPU seconds and peak resident KiB (for the log, the bench)."""
        return [process.usage for process in self.processes]

    def close(self, *, kill: bool = False) -> None:
        for process in self.processes:
            process.close(kill=kill)
        self.selector.close()

    def __enter__(self) -> Renderers:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        self.close(kill=kind is not None)

    # --- inside ---

    def _busy(self) -> int:
        return sum(1 for p in self.processes if p.job is not None)

    def _start(self) -> None:
        process = _Process(self.css)
        self.processes.append(process)
        self.selector.register(process.proc.stdout, selectors.EVENT_READ, process)

    def _dispatch(self) -> None:
        for process in self.processes:
            if process.job is None and self.pending:
                process.send(self.pending.popleft())

    def _collect(self, *, timeout: float) -> None:
        for key, _ in self.selector.select(timeout):
            self._done(key.data.receive())
        limit = piece_timeout()
        for process in self.processes:
            if process.job is not None and time.monotonic() - process.since > limit:
                raise RendererFailed(
                    f"An audit pack renderer took more than {limit:.0f} s over {process.job.html.name}."
                )

    def _lay_out_here(self, job: Job) -> None:
        if self._local is None:
            from weasyprint.text.fonts import FontConfiguration

            self._local = ([pdf.stylesheet(self.css.read_text(encoding="utf-8"))], FontConfiguration())
        sheets, fonts = self._local
        job.pages, job.pid = lay_out(job, stylesheets=sheets, font_config=fonts), os.getpid()
        self._done(job)

    def _done(self, job: Job) -> None:
        self.on_done(job)


# --- the renderer process ----------------------------------------------------------------------


def main(css: str, base_url: str) -> None:
    """Lay out the jobs read from stdin until it closes, answering each on stdout."""
    answers = os.fdopen(os.dup(1), "w")  # the answers' own channel: a stray print goes to stderr
    os.dup2(2, 1)
    import django

    django.setup()
    settings.BASE_URL = base_url  # the fetcher's static prefix, as in the process that asked
    from weasyprint.text.fonts import FontConfiguration

    sheets, fonts = [pdf.stylesheet(Path(css).read_text(encoding="utf-8"))], FontConfiguration()
    for line in sys.stdin:
        request = json.loads(line)
        job = Job(0, Path(request["html"]), Path(request["pdf"]))
        try:
            answer: dict = {"pages": lay_out(job, stylesheets=sheets, font_config=fonts)}
        except Exception as exc:  # noqa: BLE001 - told to the pack, which fails with it
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        usage = resource.getrusage(resource.RUSAGE_SELF)
        answer.update(pid=os.getpid(), cpu=usage.ru_utime + usage.ru_stime, peak_kib=usage.ru_maxrss)
        answers.write(json.dumps(answer) + "\n")
        answers.flush()
    # Done: skip freeing the heap object by object (a second or more after a large piece).
    os._exit(0)
