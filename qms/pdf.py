"""The one PDF renderer: every PDF the product makes (8D reports, audit packs, demo documents and
whatever modules add) is rendered here with WeasyPrint from a Django template.

What a PDF may load is decided here too: the project's own static files and the ``data:`` URIs
the templates make, nothing else. A template that (through user text slipped into it) asks for
``file:///etc/passwd`` or an address on the network gets nothing; the PDF renders without it.
"""

from __future__ import annotations

import logging
import mimetypes
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.text import slugify
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)


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


def render_pdf(template: str, context: dict) -> bytes:
    """Render ``template`` with ``context`` to PDF bytes. User text belongs in the HTML, where
    Django escapes it; never inside a <style> (escaping does not stop CSS)."""
    return render_document(template, context).write_pdf()


def render_document(template: str | None = None, context: dict | None = None, *, html: str | None = None):
    """Lay out ``template`` rendered with ``context`` (or ready ``html``) as a WeasyPrint document,
    with the same fetcher: its pages can be counted before it is written (the audit pack's
    contents need the page numbers of its parts)."""
    from weasyprint import HTML

    if html is None:
        html = render_to_string(template, context or {})
    return HTML(string=html, base_url=settings.BASE_URL, url_fetcher=StaticFilesFetcher()).render()


def pdf_response(pdf: bytes, name: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{slugify(name) or "report"}.pdf"'
    return response
