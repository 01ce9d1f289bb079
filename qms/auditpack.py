"""Audit packs: a PDF an auditor takes away, assembled from sections the modules provide.

Each module declares its sections (``Module(audit_sections=[AuditSection(...)])``). The builder
only assembles: a cover, the evidence freshness of every clause (page 2), the contents by ISO 9001
clause with page numbers, then each section's own template rendered with the context its ``build``
returns. Every section reads through ``access.restrict`` so a pack never shows a user more than
the screens do.

Rendering is done part by part (the front matter, then one section at a time) and the parts are
joined with pypdf, so the renderer's memory follows the largest section, not the whole pack. The
contents need the page numbers of parts rendered after it: the front matter is rendered once to
count its pages, the sections are rendered with their page numbers following on, and the front
matter is rendered again with the real numbers (two passes). The joined PDF declares PDF/A-3b,
with the bookmarks by clause. Packs are rendered by a Celery worker (``qms.services.auditpacks``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import itertools
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import Count, Max, Min
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from .pdf import render_document, stylesheet

PDF_VARIANT = "pdf/a-3b"


@dataclass(frozen=True)
class AuditSection:
    key: str  # "capa"
    title: str  # "Nonconformities and corrective actions"
    clause: str  # "10.2"
    template: str  # rendered inside the pack with the context ``build`` returns
    # build(user=, date_from=, date_to=) -> context; a constant number of queries.
    build: Callable[..., dict[str, Any]]
    # Labels of the record models whose evidence freshness the section shows ("reviews.objective");
    # by default every record model of the module's app that no other section of it names.
    models: tuple[str, ...] = ()


# ISO 9001:2015, clauses 4 to 10 and their sub-clauses: the contents list every one, so the
# auditor sees what the system covers and what it does not.
CLAUSES: list[tuple[str, str, list[tuple[str, str]]]] = [
    (
        "4",
        "Context of the organization",
        [
            ("4.1", "Understanding the organization and its context"),
            ("4.2", "Needs and expectations of interested parties"),
            ("4.3", "Scope of the quality management system"),
            ("4.4", "Quality management system and its processes"),
        ],
    ),
    (
        "5",
        "Leadership",
        [
            ("5.1", "Leadership and commitment"),
            ("5.2", "Policy"),
            ("5.3", "Organizational roles, responsibilities and authorities"),
        ],
    ),
    (
        "6",
        "Planning",
        [
            ("6.1", "Actions to address risks and opportunities"),
            ("6.2", "Quality objectives and planning to achieve them"),
            ("6.3", "Planning of changes"),
        ],
    ),
    (
        "7",
        "Support",
        [
            ("7.1", "Resources (7.1.5 monitoring and measuring resources)"),
            ("7.2", "Competence"),
            ("7.3", "Awareness"),
            ("7.4", "Communication"),
            ("7.5", "Documented information"),
        ],
    ),
    (
        "8",
        "Operation",
        [
            ("8.1", "Operational planning and control"),
            ("8.2", "Requirements for products and services"),
            ("8.3", "Design and development of products and services"),
            ("8.4", "Control of externally provided processes, products and services"),
            ("8.5", "Production and service provision"),
            ("8.6", "Release of products and services"),
            ("8.7", "Control of nonconforming outputs"),
        ],
    ),
    (
        "9",
        "Performance evaluation",
        [
            ("9.1", "Monitoring, measurement, analysis and evaluation"),
            ("9.2", "Internal audit"),
            ("9.3", "Management review"),
        ],
    ),
    (
        "10",
        "Improvement",
        [
            ("10.1", "General"),
            ("10.2", "Nonconformity and corrective action"),
            ("10.3", "Continual improvement"),
        ],
    ),
]


def clause_key(clause: str) -> tuple[int, ...]:
    """ "7.1.5" -> (7, 1, 5): clauses sort as numbers ("10.2" after "9.3")."""
    return tuple(int(p) if p.isdigit() else 0 for p in clause.strip().split("."))


def listed_clause(clause: str) -> str:
    """The sub-clause of ``CLAUSES`` a section's clause falls under ("7.1.5" -> "7.1", "8" -> "8")."""
    parts = clause.strip().split(".")
    return ".".join(parts[:2])


def sections() -> list[AuditSection]:
    """Every installed module's sections, in the order of INSTALLED_APPS."""
    from .modules import collect

    return collect("audit_sections")


def history_of(records) -> dict[int, list]:
    """The change history of ``records`` (one model), newest first, in one query: pk -> entries."""
    records = list(records)
    if not records:
        return {}
    model = type(records[0])
    entries = (
        model.history.filter(id__in=[r.pk for r in records])
        .select_related("history_user")
        .order_by("id", "-history_date")
    )
    found: dict[int, list] = {}
    for entry in entries:
        found.setdefault(entry.id, []).append(entry)
    return found


# --- evidence freshness ----------------------------------------------------------------------


@dataclass
class Freshness:
    """What an auditor looks at first, per clause: how recent the newest record is, and how much
    is overdue and for how long (as far as the user taking the pack may see)."""

    newest: dt.date | None = None
    overdue: int = 0
    oldest_due: dt.date | None = None

    def days_overdue(self, today: dt.date) -> int | None:
        return (today - self.oldest_due).days if self.oldest_due else None

    def add(self, other: Freshness) -> None:
        if other.newest and (self.newest is None or other.newest > self.newest):
            self.newest = other.newest
        self.overdue += other.overdue
        if other.oldest_due and (self.oldest_due is None or other.oldest_due < self.oldest_due):
            self.oldest_due = other.oldest_due


def section_models(section: AuditSection) -> list[type]:
    """The record models a section stands for (see ``AuditSection.models``)."""
    from .models import Record
    from .modules import installed

    for entry in installed():
        siblings = list(entry.module.audit_sections)
        if section not in siblings:
            continue
        if section.models:
            return [apps.get_model(label) for label in section.models]
        claimed = {label.lower() for s in siblings for label in s.models}
        return [
            m for m in entry.app.get_models() if issubclass(m, Record) and m._meta.label_lower not in claimed
        ]
    return []


def freshness_of(section: AuditSection, *, user, today: dt.date) -> Freshness:
    """The newest record of the section's models and their overdue due items (records and their
    rows, from the due-item registry), read through ``restrict``: a few queries per model."""
    from .access import record_model, restrict
    from .due import registry

    models = section_models(section)
    found = Freshness()
    for model in models:
        newest = restrict(model.objects.all(), user).aggregate(newest=Max("created_at"))["newest"]
        if newest:
            found.add(Freshness(newest=timezone.localtime(newest).date()))
    for provider in registry.providers:
        scoped = getattr(provider, "_scoped", None)
        if scoped is None:
            continue  # a provider not built on a queryset cannot be narrowed to the user
        queryset = scoped(until=today - dt.timedelta(days=1), owner_ids=None, department_ids=None)
        if record_model(queryset.model) not in models:
            continue
        row = restrict(queryset, user).order_by().aggregate(n=Count("pk"), oldest=Min(provider.due_f))
        found.add(Freshness(overdue=row["n"], oldest_due=row["oldest"]))
    return found


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
    for section in sections():
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


# A section's HTML is laid out in pieces of about this many characters, cut between its top-level
# blocks (a heading, a table, a paragraph), so the renderer's memory follows the piece, not the
# section: a year of a busy register is hundreds of pages in one section. A piece starts a new page.
CHUNK_CHARS = 250_000
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
_CUTS = frozenset({"h1", "h2", "h3", "h4", "table", "p", "div", "section", "ul", "ol", "dl"})


class _TopLevel(HTMLParser):
    """Finds where the top-level blocks of an HTML fragment start (character offsets), and the rows
    of its top-level tables. Unclosed tags only make it find fewer places to cut."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=False)
        self.depth, self.starts, self.tables = 0, [], {}
        self._table: dict | None = None
        # HTMLParser counts lines by "\n" alone (not by every separator str.splitlines knows).
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        if self.depth == 0 and tag in _CUTS:
            self.starts.append(self._offset())
            if tag == "table":
                self._table = {"open": self.get_starttag_text(), "start": self.starts[-1], "rows": []}
                self.tables[self.starts[-1]] = self._table
        elif tag == "tr" and self._table is not None and self.depth in (1, 2):
            self._table["rows"].append(self._offset())
        if tag not in _VOID:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag not in _VOID:
            self.depth = max(0, self.depth - 1)
        if tag == "table" and self.depth == 0 and self._table is not None:
            self._table["end"] = self._offset()
            self._table = None


def _table_pieces(body: str, table: dict, size: int) -> list[str]:
    """A top-level table longer than ``size`` as several tables of whole rows, each with what
    comes before its first row (its column widths) and its heading row again."""
    rows = [r for r in table["rows"] if body.startswith("<", r)]
    if "end" not in table or len(rows) < 3:
        return []
    bounds = [*rows, table["end"]]
    header = body[table["start"] + len(table["open"]) : rows[0]]  # <colgroup>, <caption>
    header += body[rows[0] : rows[1]] if "<th" in body[rows[0] : rows[1]] else ""
    pieces, first = [], 1 if "<th" in body[rows[0] : rows[1]] else 0
    for i in range(first, len(rows)):
        if i > first and bounds[i] - bounds[first] >= size:
            pieces.append(table["open"] + header + body[bounds[first] : bounds[i]] + "</table>")
            first = i
    pieces.append(table["open"] + header + body[bounds[first] : table["end"]] + "</table>")
    return pieces


def chunks(body: str, size: int | None = None) -> list[str]:
    """``body`` cut between top-level blocks into pieces of about ``size`` (``CHUNK_CHARS``)
    characters; a longer top-level table is cut between its rows."""
    size = size or CHUNK_CHARS
    if len(body) <= size:
        return [body]
    finder = _TopLevel(body)
    finder.feed(body)
    finder.close()
    cuts = [c for c in finder.starts if body.startswith("<", c)]  # never inside a tag
    bounds = [0, *[c for c in cuts if c > 0], len(body)]
    blocks: list[str] = []
    for start, end in itertools.pairwise(bounds):
        table = finder.tables.get(start)
        split = _table_pieces(body, table, size) if table and end - start > size else []
        if split:
            blocks.extend(split)
            blocks.append(body[table["end"] : end])  # what follows the table's end tag
        else:
            blocks.append(body[start:end])
    pieces, current = [], ""
    for block in blocks:
        if current and len(current) + len(block) > size:
            pieces.append(current)
            current = ""
        current += block
    pieces.append(current)
    return [p for p in pieces if p.strip()]


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

    chosen = sorted((s for s in sections() if s.key in keys), key=lambda s: clause_key(s.clause))
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
    freshness = {s.key: freshness_of(s, user=user, today=today) for s in chosen}
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
            body = render_to_string(section.template, {**context, "section": section, "user": user})
            del context
            part.first_page, part.paths = page, []
            for n, piece in enumerate(chunks(body)):
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
    order = {s.key: i for i, s in enumerate(sections())}
    return out.getvalue(), sorted(chosen, key=lambda s: order[s.key])
