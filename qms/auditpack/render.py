"""The audit pack's render pipeline: the front matter (cover, evidence freshness, contents by
clause), then each chosen section laid out in pieces, joined with pypdf into one PDF/A-3b with
bookmarks by clause, and the sections' page numbers laid over their pages with pikepdf.

Time: the main process (Django, the database) builds each section's HTML and cuts it into pieces;
``AUDIT_PACK_RENDERERS`` processes lay the pieces out side by side (``renderers.py``), keeping
their order. A piece's footer leaves out its "Page N": the number depends on every page before
it, but not the piece's own page count (it is text in a margin box), so the pieces need not wait
for each other. The numbers are laid out once, as a document of blank pages with only "Page N"
in the same place and style, and laid over the pages at the join.

Memory: each renderer lays out one piece at a time and writes it to a file, and the main process
holds one section's HTML at a time, so memory follows the largest piece, not the pack.

Two passes for the contents: they need the page numbers of the parts laid out after them, so the
front matter is laid out once to count its pages (with the widest page numbers; while the
renderers work), the sections ONCE, and only the front matter again with the real numbers.
See ``bench/README.md`` for the figures.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import itertools
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from ..pdf import heading_rows, render_document, stylesheet
from . import catalogue, pieces
from .catalogue import CLAUSES, AuditSection, Freshness, clause_key, listed_clause
from .renderers import PDF_VARIANT, Job, Renderers, renderer_count

log = logging.getLogger("qms.auditpack")


# --- the clause index ----------------------------------------------------------------------


@dataclass
class Part:
    """One rendered section of the pack."""

    section: AuditSection
    first_page: int = 0
    pages: int = 0
    paths: list[Path] = dataclasses.field(default_factory=list)  # its pieces, rendered


@dataclass
class ClauseRow:
    number: str
    title: str
    parts: list[Part]
    installed: list[AuditSection]  # sections of the system under this clause, chosen or not
    freshness: Freshness | None
    days_overdue: int | None = None  # how long the oldest overdue item has been overdue
    screens: list[str] = dataclasses.field(default_factory=list)  # its evidence kept on screens

    @property
    def covered(self) -> bool:
        return bool(self.installed or self.screens)


def clause_index(
    parts: list[Part],
    *,
    freshness: dict[str, Freshness],
    today: dt.date,
    screens: dict[str, list[str]] | None = None,
) -> list[dict]:
    """Clauses 4 to 10 with their sub-clauses, each with the pack's parts under it and where its
    evidence is kept on screens (``catalogue.screen_notes``); sections whose clause is not listed
    are put under their main clause."""
    screens = screens or {}
    listed = {number for _, _, subs in CLAUSES for number, _ in subs}
    by_clause: dict[str, list[Part]] = {}
    installed_by: dict[str, list[AuditSection]] = {}
    for section in catalogue.sections():
        key = listed_clause(section.clause)
        key = key if key in listed else key.split(".")[0]
        installed_by.setdefault(key, []).append(section)
    for part in parts:
        key = listed_clause(part.section.clause)
        key = key if key in listed else key.split(".")[0]
        by_clause.setdefault(key, []).append(part)
    index = []
    for number, title, subs in CLAUSES:
        rows = []
        for sub, sub_title in subs:
            chosen = by_clause.get(sub, [])
            fresh = None
            if chosen:
                fresh = Freshness()
                for part in chosen:
                    fresh.add(freshness[part.section.key])
            days = fresh.days_overdue(today) if fresh else None
            rows.append(
                ClauseRow(
                    sub, sub_title, chosen, installed_by.get(sub, []), fresh, days, screens.get(sub, [])
                )
            )
        top = by_clause.get(number, [])
        index.append({"number": number, "title": title, "parts": top, "rows": rows})
    return index


# --- rendering ----------------------------------------------------------------------------

Progress = Callable[[int, int, int, str], None]  # (sections done, sections, pages so far, now)


def _no_progress(done: int, total: int, pages: int, current: str) -> None:
    return None


def neighbours(section: AuditSection, chosen: set[str]) -> list[tuple[AuditSection, bool]]:
    """The other sections of the system under the section's clause (8.7: the inspections that
    rejected, and the NCRs with their disposition, from two modules), each with whether it is in
    this pack: a reader of one learns where the rest of the clause's evidence is."""
    clause = listed_clause(section.clause)
    return [
        (s, s.key in chosen)
        for s in catalogue.sections()
        if s.key != section.key and listed_clause(s.clause) == clause
    ]


def _part_html(section: AuditSection, *, body: str, common: dict, heading: bool) -> str:
    # ``body`` is a piece of the section's own rendered template (escaped there); slicing it lost
    # Django's safe mark, so it is given back here, never to text from elsewhere.
    return render_to_string(
        "qms/auditpack_part.html",
        {
            **common,
            "section": section,
            "body": mark_safe(body),  # noqa: S308 - our own rendered template, cut
            "heading": heading,
            "neighbours": neighbours(section, common["chosen"]) if heading else [],
        },
    )


def uncovered_clauses(index: list[dict]) -> str:
    """The sub-clauses no part of the pack covers, those of one main clause joined by commas and
    the main clauses by semicolons: "4.1, 4.2; 7.3, 7.4 (in the system, not in this pack)"."""
    groups = []
    for main in index:
        numbers = [
            row.number + (" (in the system, not in this pack)" if row.covered else "")
            for row in main["rows"]
            if not row.parts
        ]
        if numbers:
            groups.append(", ".join(numbers))
    return "; ".join(groups)


def _render_front(common: dict, **context) -> Any:
    return render_document(
        "qms/auditpack.html",
        {**common, **context, "uncovered": uncovered_clauses(context["index"])},
        stylesheets=common["stylesheets"],
        font_config=common["font_config"],
    )


def piece_chars() -> int:
    """The size of a piece of HTML (``AUDIT_PACK_PIECE_CHARS``, else ``pieces.CHUNK_CHARS``)."""
    return int(getattr(settings, "AUDIT_PACK_PIECE_CHARS", 0) or pieces.CHUNK_CHARS)


def _numbers_html(first: int, last: int) -> str:
    return render_to_string("qms/auditpack_numbers.html", {"first": first, "pages": range(first, last + 1)})


def pack_render(
    *,
    user,
    keys: list[str],
    date_from: dt.date,
    date_to: dt.date,
    out,
    reference: str = "",
    progress: Progress = _no_progress,
) -> tuple[int, list[AuditSection]]:
    """Render the pack of the chosen sections and period, as ``user`` may see it, into the binary
    file ``out``; returns the number of pages and the sections, in clause order. ``progress`` is
    told as the pieces are laid out."""
    from weasyprint.text.fonts import FontConfiguration

    chosen = sorted((s for s in catalogue.sections() if s.key in keys), key=lambda s: clause_key(s.clause))
    generated_at = timezone.localtime()
    today = generated_at.date()
    css = render_to_string("qms/auditpack.css")
    common = {
        "user": user,
        "reference": reference,
        "date_from": date_from,
        "date_to": date_to,
        "generated_at": generated_at,
        "time_zone": settings.TIME_ZONE,
        "base_url": settings.BASE_URL,
        "today": today,
        "chosen": {s.key for s in chosen},
        # Parsed once for the front matter (twice); the renderers parse it once each.
        "stylesheets": [stylesheet(css)],
        "font_config": FontConfiguration(),
    }
    freshness = {s.key: catalogue.freshness_of(s, user=user, today=today) for s in chosen}
    screens = catalogue.screen_notes(user=user)
    parts = [Part(s) for s in chosen]
    jobs: list[list[Job]] = []  # each section's pieces, in order, once all are handed out
    progress(0, len(parts), 0, "Contents")

    def report(_job: Job | None = None) -> None:
        """The sections whose pieces are all laid out, the first one that is not, the pages."""
        finished = [all(j.pages is not None for j in pieces_of) for pieces_of in jobs]
        sections_done = finished.index(False) if False in finished else len(jobs)
        current = parts[sections_done].section.title if sections_done < len(parts) else "Contents"
        pages = sum(j.pages or 0 for pieces_of in jobs for j in pieces_of)
        progress(sections_done, len(parts), pages, current)

    with (
        tempfile.TemporaryDirectory(prefix="auditpack-") as tmp,
        Renderers(
            renderer_count(), css=css, workdir=Path(tmp), on_done=report, start_after=piece_chars()
        ) as renderers,
    ):
        for part in parts:
            report()
            jobs.append(_hand_out(part.section, renderers=renderers, common=common))
        # Pass 1, while the renderers lay out the sections: the front matter with the widest page
        # numbers, to count its pages.
        placeholder = [dataclasses.replace(p, first_page=99999) for p in parts]
        front = _render_front(
            common,
            index=clause_index(placeholder, freshness=freshness, today=today, screens=screens),
            total_pages=99999,
        )
        front_pages = len(front.pages)
        del front
        numbers = _Numbers(renderers, jobs, front_pages=front_pages)
        renderers.wait(when_idle=numbers.hand_out_laid_out)
        total = _place(parts, jobs, front_pages=front_pages)
        progress(len(parts), len(parts), total, "Joining the parts")
        numbers.hand_out_rest(total)
        # Pass 2, while the page numbers are laid out: the front matter with the real numbers.
        front = _render_front(
            common,
            index=clause_index(parts, freshness=freshness, today=today, screens=screens),
            total_pages=total,
        )
        if len(front.pages) != front_pages:
            raise RuntimeError("The contents changed length between passes; the page numbers would be wrong.")
        front_pdf = Path(tmp) / "front.pdf"
        front.write_pdf(front_pdf, pdf_variant=PDF_VARIANT)
        del front
        joined = Path(tmp) / "joined.pdf"
        _join(front_pdf, parts, joined, front_pages=front_pages)
        renderers.wait()
        _number(joined, [j.pdf for j in numbers.jobs], first=front_pages + 1, out=out)
        log.info(
            "Audit pack %s: %s pages, %s pieces laid out by %s renderer(s)%s",
            reference,
            total,
            sum(len(j) for j in jobs),
            len(renderers.used()),
            "".join(f"; {cpu:.1f} s CPU, peak {kib / 1024:.0f} MiB" for cpu, kib in renderers.usage()),
        )
    return total, chosen


def _hand_out(section: AuditSection, *, renderers: Renderers, common: dict) -> list[Job]:
    """The section's HTML, built as ``common["user"]`` may see it, cut into pieces handed to the
    renderers (written to files: memory holds one section's HTML at a time)."""
    user = common["user"]
    context = section.build(user=user, date_from=common["date_from"], date_to=common["date_to"])
    body = heading_rows(
        pieces.compact(render_to_string(section.template, {**context, "section": section, "user": user}))
    )
    del context
    return [
        renderers.submit(_part_html(section, body=piece, common=common, heading=n == 0))
        for n, piece in enumerate(pieces.chunks(body, piece_chars()))
    ]


def _place(parts: list[Part], jobs: list[list[Job]], *, front_pages: int) -> int:
    """Each part's first page, pages and files, from its pieces laid out; the pack's pages."""
    page = front_pages + 1
    for part, pieces_of in zip(parts, jobs, strict=True):
        part.first_page, part.paths = page, [j.pdf for j in pieces_of]
        part.pages = sum(j.pages for j in pieces_of)
        page += part.pages
    return page - 1


class _Numbers:
    """The footers' page numbers, handed to the renderers as documents of blank pages: those of
    the pieces laid out so far by a renderer that would otherwise wait for the last piece, then
    those of the rest, shared between the renderers."""

    def __init__(self, renderers: Renderers, jobs: list[list[Job]], *, front_pages: int) -> None:
        self.renderers, self.pieces = renderers, jobs
        self.front_pages = self.numbered = front_pages
        self.jobs: list[Job] = []  # in the order of their pages

    def hand_out_laid_out(self) -> None:
        laid_out = itertools.takewhile(lambda j: j.pages is not None, itertools.chain(*self.pieces))
        self._hand_out(self.front_pages + sum(j.pages for j in laid_out), 1)

    def hand_out_rest(self, total: int) -> None:
        self._hand_out(total, len(self.renderers.processes) or 1)

    def _hand_out(self, last: int, count: int) -> None:
        for first, end in _spans(self.numbered + 1, last, count):
            self.jobs.append(self.renderers.submit(_numbers_html(first, end), may_start=False))
        self.numbered = max(self.numbered, last)


def _spans(first: int, last: int, count: int) -> list[tuple[int, int]]:
    """``first``..``last`` in ``count`` runs of about the same length (none empty)."""
    size = -(-(last - first + 1) // count) if last >= first else 0
    return [(a, min(a + size - 1, last)) for a in range(first, last + 1, size)] if size else []


def _join(front_pdf: Path, parts: list[Part], out: Path, *, front_pages: int) -> None:
    """The front matter and every piece in order, as one PDF/A-3b with bookmarks by clause."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    writer = PdfWriter()
    front_reader = PdfReader(front_pdf)
    writer.append(front_reader, import_outline=False)
    for part in parts:
        for path in part.paths:
            writer.append(PdfReader(path), import_outline=False)
    # PDF/A-3b: the front part's output intent and XMP metadata are the joined file's, and
    # the document information must say what the XMP says.
    source_root = front_reader.trailer["/Root"]
    for name in ("/OutputIntents", "/Metadata"):
        writer.root_object[NameObject(name)] = source_root.raw_get(name).clone(writer)
    writer.add_metadata({k: v for k, v in (front_reader.metadata or {}).items()})
    writer.generate_file_identifiers()  # PDF/A asks for a file identifier in the trailer
    writer.page_mode = "/UseOutlines"
    _bookmarks(writer, parts, front_pages=front_pages)
    writer.write(out)


def _number(joined: Path, numbers: list[Path], *, first: int, out) -> None:
    """Each page from ``first`` on with its "Page N" laid over it (the pages of ``numbers``, in
    order), written to ``out``. pikepdf (qpdf) lays a page over another as a form XObject without
    parsing either page's content, and copies the numbers' font once (pypdf's ``merge_page``
    copied it onto every page: ten times the file)."""
    import pikepdf

    with pikepdf.open(joined) as pdf:
        sources = [pikepdf.open(path) for path in numbers]
        try:
            overlays = [page for source in sources for page in source.pages]
            targets = pdf.pages[first - 1 :]
            if len(overlays) != len(targets):
                raise RuntimeError(f"{len(overlays)} page numbers for {len(targets)} pages.")
            for page, number in zip(targets, overlays, strict=True):
                page.add_overlay(number)
            pdf.save(out)
        finally:
            for source in sources:
                source.close()


def _bookmarks(writer, parts: list[Part], *, front_pages: int) -> None:
    """Cover, freshness and contents, then each main clause with its sections beneath it."""
    writer.add_outline_item(title="Cover", page_number=0)
    writer.add_outline_item(title="Evidence freshness by clause", page_number=min(1, front_pages - 1))
    writer.add_outline_item(title="Contents by ISO 9001 clause", page_number=min(2, front_pages - 1))
    titles = {number: title for number, title, _ in CLAUSES}
    parents: dict[str, Any] = {}
    for part in parts:
        main = part.section.clause.split(".")[0]
        if main not in parents:
            label = f"{main} {titles.get(main, '')}".strip()
            parents[main] = writer.add_outline_item(title=label, page_number=part.first_page - 1)
        writer.add_outline_item(
            title=f"{part.section.clause} {part.section.title}",
            page_number=part.first_page - 1,
            parent=parents[main],
        )


def pack_build(
    *, user, keys: list[str], date_from: dt.date, date_to: dt.date, reference: str = ""
) -> tuple[bytes, list[AuditSection]]:
    """Render the audit pack PDF in memory (tests, small packs); the worker uses ``pack_render``.
    The sections come back in the order of INSTALLED_APPS, as they always did."""
    out = io.BytesIO()
    _, chosen = pack_render(
        user=user, keys=keys, date_from=date_from, date_to=date_to, out=out, reference=reference
    )
    order = {s.key: i for i, s in enumerate(catalogue.sections())}
    return out.getvalue(), sorted(chosen, key=lambda s: order[s.key])
