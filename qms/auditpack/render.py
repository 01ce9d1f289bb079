"""The audit pack's render pipeline: the front matter (cover, evidence freshness, contents by
clause), then each chosen section laid out part by part, joined with pypdf into one PDF/A-3b with
bookmarks by clause.

Memory: the parts are laid out one at a time (a long section in pieces, ``pieces.py``) and joined
from files, so the renderer's memory follows the largest piece, not the pack.

Two passes for the contents: they need the page numbers of parts laid out after them, so the front
matter is laid out once to count its pages (with the widest page numbers), the sections are laid
out ONCE with their page numbers following on, and only the front matter is laid out again with
the real numbers.

Time: WeasyPrint does the work; the pipeline gives it the pack's stylesheet parsed once and one
font configuration for every part, and the sections give their long tables fixed column widths
(see ``bench/README.md`` for the figures).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from ..pdf import render_document, stylesheet
from . import catalogue, pieces
from .catalogue import CLAUSES, AuditSection, Freshness, clause_key, listed_clause

PDF_VARIANT = "pdf/a-3b"


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

    @property
    def covered(self) -> bool:
        return bool(self.installed)


def clause_index(parts: list[Part], *, freshness: dict[str, Freshness], today: dt.date) -> list[dict]:
    """Clauses 4 to 10 with their sub-clauses, each with the pack's parts under it; sections
    whose clause is not listed are put under their main clause."""
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
            rows.append(ClauseRow(sub, sub_title, chosen, installed_by.get(sub, []), fresh, days))
        top = by_clause.get(number, [])
        index.append({"number": number, "title": title, "parts": top, "rows": rows})
    return index


# --- rendering ----------------------------------------------------------------------------

Progress = Callable[[int, int, int, str], None]  # (sections done, sections, pages so far, now)


def _no_progress(done: int, total: int, pages: int, current: str) -> None:
    return None


def _part_html(section: AuditSection, *, body: str, first_page: int, common: dict, heading: bool) -> str:
    # ``body`` is a piece of the section's own rendered template (escaped there); slicing it lost
    # Django's safe mark, so it is given back here, never to text from elsewhere.
    return render_to_string(
        "qms/auditpack_part.html",
        {
            **common,
            "section": section,
            "body": mark_safe(body),  # noqa: S308 - our own rendered template, cut
            "first_page": int(first_page),
            "heading": heading,
        },
    )


def _render_front(common: dict, **context) -> Any:
    return render_document(
        "qms/auditpack.html",
        {**common, **context},
        stylesheets=common["stylesheets"],
        font_config=common["font_config"],
    )


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
    file ``out``, section by section; returns the number of pages and the sections, in clause
    order. ``progress`` is told after each part."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject
    from weasyprint.text.fonts import FontConfiguration

    chosen = sorted((s for s in catalogue.sections() if s.key in keys), key=lambda s: clause_key(s.clause))
    generated_at = timezone.localtime()
    today = generated_at.date()
    common = {
        "user": user,
        "reference": reference,
        "date_from": date_from,
        "date_to": date_to,
        "generated_at": generated_at,
        "time_zone": settings.TIME_ZONE,
        "base_url": settings.BASE_URL,
        "today": today,
        # Parsed once for the front matter (twice) and every piece; fonts are looked up once.
        "stylesheets": [stylesheet(render_to_string("qms/auditpack.css"))],
        "font_config": FontConfiguration(),
    }
    freshness = {s.key: catalogue.freshness_of(s, user=user, today=today) for s in chosen}
    parts = [Part(s) for s in chosen]
    progress(0, len(parts), 0, "Contents")

    with tempfile.TemporaryDirectory(prefix="auditpack-") as tmp:
        # Pass 1: the front matter with the widest page numbers, to count its pages.
        placeholder = [dataclasses.replace(p, first_page=99999) for p in parts]
        front = _render_front(
            common, index=clause_index(placeholder, freshness=freshness, today=today), total_pages=99999
        )
        front_pages = len(front.pages)
        del front
        page = front_pages + 1
        for k, part in enumerate(parts):
            progress(k, len(parts), page - 1, part.section.title)
            section = part.section
            context = section.build(user=user, date_from=date_from, date_to=date_to)
            body = pieces.compact(
                render_to_string(section.template, {**context, "section": section, "user": user})
            )
            del context
            part.first_page, part.paths = page, []
            for n, piece in enumerate(pieces.chunks(body)):
                html = _part_html(section, body=piece, first_page=page, common=common, heading=n == 0)
                document = render_document(
                    html=html, stylesheets=common["stylesheets"], font_config=common["font_config"]
                )
                path = Path(tmp) / f"part-{k}-{n}.pdf"
                document.write_pdf(path, pdf_variant=PDF_VARIANT)
                part.paths.append(path)
                page += len(document.pages)
                del document, html  # memory follows one piece of one section at a time
                if n:
                    progress(k, len(parts), page - 1, section.title)
            del body
            part.pages = page - part.first_page
        total = page - 1
        # Pass 2: the front matter with the real page numbers.
        front = _render_front(
            common, index=clause_index(parts, freshness=freshness, today=today), total_pages=total
        )
        if len(front.pages) != front_pages:
            raise RuntimeError("The contents changed length between passes; the page numbers would be wrong.")
        front_pdf = front.write_pdf(pdf_variant=PDF_VARIANT)
        del front
        progress(len(parts), len(parts), total, "Joining the parts")

        writer = PdfWriter()
        front_reader = PdfReader(io.BytesIO(front_pdf))
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
    return total, chosen


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
