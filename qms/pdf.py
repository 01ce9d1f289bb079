"""The one PDF renderer: every PDF the product makes (8D reports, audit packs, demo documents and
whatever modules add) is rendered here with WeasyPrint from a Django template.

What a PDF may load is decided here too: the project's own static files and the ``data:`` URIs
the templates make, nothing else. A template that (through user text slipped into it) asks for
``file:///etc/passwd`` or an address on the network gets nothing; the PDF renders without it.
"""

from __future__ import annotations

import functools
import logging
import mimetypes
import re
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.text import slugify
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

# A table's first row when it is all heading cells and not yet in a <thead>: after the table's start,
# its column widths and caption. A cell's text may hold inline tags, but no other cell.
_HEADING_ROW = re.compile(
    r"(<table\b[^>]*>\s*(?:<colgroup\b.*?</colgroup>\s*)?(?:<caption\b.*?</caption>\s*)?)"
    r"(<tr\b[^>]*>(?:\s*<th\b[^>]*>(?:(?!</?(?:t[dhr]|table)\b).)*</th>)+\s*</tr>)",
    re.DOTALL | re.IGNORECASE,
)


class RefusedResource(ValueError):
    """A PDF asked for something outside the static files (a local file, the network)."""


class StaticFilesFetcher(URLFetcher):
    """WeasyPrint's fetcher, narrowed to the static files (found by Django's finders, as on a
    page) and ``data:`` URIs. Any other URL is refused and logged; WeasyPrint leaves it out."""

    def __init__(self):
        super().__init__(allowed_protocols=("data", "http", "https"), allow_redirects=False)

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        path = self.static_path(url)
        if path is None:
            logger.warning("PDF: refused to load %s (only static files and data: URIs)", url[:200])
            raise RefusedResource(f"Only static files may be loaded in a PDF, not {url[:200]}")
        with open(path, "rb") as fh:
            body = fh.read()
        mime = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": mime})

    @staticmethod
    def static_path(url: str) -> str | None:
        """The local path of a static file addressed as ``BASE_URL/static/…``, or None."""
        prefix = settings.BASE_URL + settings.STATIC_URL
        if not url.startswith(prefix):
            return None
        parts = urlsplit(url)
        relative = unquote(parts.path[len(urlsplit(prefix).path) :])
        if not relative or ".." in relative.split("/") or relative.startswith("/"):
            return None
        return finders.find(relative)


def heading_rows(html: str) -> str:
    """``html`` with each table's row of column headings in a ``<thead>``, which WeasyPrint
    repeats at the top of every page the table runs onto: a register of thirty pages, or an audit
    report's forty questions, names its columns on each page, not on the first alone. A table
    whose first row mixes ``<th>`` and ``<td>`` (a record's fields, one per row) is left as it is."""
    return _HEADING_ROW.sub(r"\1<thead>\2</thead>", html)


def render_pdf(template: str, context: dict) -> bytes:
    """Render ``template`` with ``context`` to PDF bytes. User text belongs in the HTML, where
    Django escapes it; never inside a <style> (escaping does not stop CSS)."""
    return render_document(template, context).write_pdf()


def render_document(
    template: str | None = None,
    context: dict | None = None,
    *,
    html: str | None = None,
    stylesheets: list | None = None,
    font_config=None,
):
    """Lay out ``template`` rendered with ``context`` (or ready ``html``) as a WeasyPrint document,
    with the same fetcher: its pages can be counted before it is written (the audit pack's
    contents need the page numbers of its parts). A caller that lays out many documents in a row
    passes the ``stylesheets`` it parsed once (``stylesheet()``) and one ``font_config``. A
    template's tables repeat their heading row on every page (``heading_rows``); ready ``html`` is
    laid out as given (the audit pack's pieces had theirs before being cut)."""
    if html is None:
        html = heading_rows(render_to_string(template, context or {}))
    document = _html_class()(string=html, base_url=settings.BASE_URL, url_fetcher=StaticFilesFetcher())
    return document.render(stylesheets=stylesheets, font_config=font_config)


def stylesheet(css: str):
    """``css`` parsed once as a WeasyPrint stylesheet, with the renderer's fetcher (a ``url()`` in
    it loads only static files). Never put user text in ``css``: escaping does not stop CSS."""
    from weasyprint import CSS

    return CSS(string=css, base_url=settings.BASE_URL, url_fetcher=StaticFilesFetcher())


@functools.cache
def _html_class():
    """WeasyPrint's HTML with its user-agent stylesheet narrowed for speed.

    The stock stylesheet gives every element five pseudo-elements (``::marker``,
    ``::footnote-call``/``-marker``, ``::note-call``/``-marker``), so WeasyPrint computes six
    styles per element: a quarter of the time of laying out a table-heavy audit pack. Our
    templates use no footnotes or notes and no markers outside lists, so those rules are kept
    for ``li`` and ``summary`` only. Everything else of the stylesheet is WeasyPrint's own. If a
    WeasyPrint release changes these names, the override simply finds nothing to narrow (same
    PDFs, slower), and ``tests/security/test_pdf.py`` checks the narrowing still happens."""
    from weasyprint import CSS, HTML
    from weasyprint.css.counters import CounterStyle
    from weasyprint.html import UA

    narrowed = re.sub(r"^::(?:footnote|note)-[a-z]+ \{[^}]*\}\n", "", UA, flags=re.MULTILINE)
    narrowed = narrowed.replace("\n::marker {", "\nli::marker, summary::marker {")
    # Its @counter-style rules are WeasyPrint's own, already known to every document it lays out.
    sheet = CSS(string=narrowed, counter_style=CounterStyle())

    class NarrowedHTML(HTML):
        ua_narrowed = narrowed != UA

        def _ua_stylesheets(self, forms=False):
            sheets = super()._ua_stylesheets(forms)
            return [sheet, *sheets[1:]] if self.ua_narrowed and sheets else sheets

    return NarrowedHTML


_STAMP_PAGE = """<!doctype html><html><head><meta charset="utf-8"><style>
@page {{ size: {w:.2f}pt {h:.2f}pt; margin: 0 }}
html, body {{ margin: 0; padding: 0 }}
.line {{ position: absolute; left: 0; right: 0; text-align: center; font: bold 7.5pt sans-serif;
  color: #a00000; background: rgba(255, 255, 255, .85); padding: 1.5pt 0 }}
.top {{ top: 0 }} .bottom {{ bottom: 0 }}
.across {{ position: absolute; left: 0; right: 0; top: {mid:.2f}pt; text-align: center;
  font: bold {size:.1f}pt sans-serif; color: rgba(190, 0, 0, .30); transform: rotate({angle:.1f}deg);
  white-space: nowrap }}
</style></head><body>"""


def stamp(pdf: bytes, *, line: str, across: str = "") -> bytes:
    """``pdf`` with ``line`` printed at the top and bottom of every page and ``across`` (if given)
    written large across it: an overlay merged onto each page, the page's own content untouched
    (never re-rendered). Raises ``ValueError`` for bytes that are not a PDF pypdf can open.

    The text is placed in the HTML of the overlay (escaped), never in its CSS."""
    import io
    import math

    from django.utils.html import escape
    from pypdf import PdfReader, PdfWriter, Transformation
    from pypdf.errors import PyPdfError
    from weasyprint import HTML

    try:
        reader = PdfReader(io.BytesIO(pdf))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ValueError("The PDF is encrypted.")
        writer = PdfWriter(clone_from=reader)
    except (PyPdfError, OSError, KeyError, TypeError) as exc:
        raise ValueError(f"Not a PDF that can be stamped: {exc}") from exc
    overlays: dict[tuple[float, float], object] = {}
    for page in writer.pages:
        page.transfer_rotation_to_content()  # a landscape page turned by /Rotate: stamp it as seen
        box = page.mediabox
        width, height = float(box.width), float(box.height)
        key = (round(width, 1), round(height, 1))
        if key not in overlays:
            # The text across runs along the diagonal, sized to fit it.
            angle = -math.degrees(math.atan2(height, width))
            size = max(12.0, min(90.0, math.hypot(width, height) / max(len(across), 1) * 1.35))
            html = _STAMP_PAGE.format(w=width, h=height, mid=height / 2 - size * 0.6, size=size, angle=angle)
            html += f'<div class="line top">{escape(line)}</div><div class="line bottom">{escape(line)}</div>'
            if across:
                html += f'<div class="across">{escape(across)}</div>'
            rendered = HTML(string=html + "</body></html>", url_fetcher=StaticFilesFetcher()).write_pdf()
            overlays[key] = PdfReader(io.BytesIO(rendered)).pages[0]
        at_origin = Transformation().translate(float(box.left), float(box.bottom))
        page.merge_transformed_page(overlays[key], at_origin)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_response(pdf: bytes, name: str) -> HttpResponse:
    """A PDF download named ``<slug of name>.pdf``. A name given with its ".pdf" has it taken off
    first: slugified with it, the dot went and the extension was added again
    ("ia-2026-0001-reportpdf.pdf")."""
    stem = name[: -len(".pdf")] if name.lower().endswith(".pdf") else name
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{slugify(stem) or "report"}.pdf"'
    return response
