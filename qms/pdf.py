"""PDF rendering with WeasyPrint from a Django template (8D reports, audit packs)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.text import slugify


def _static_fetcher(url: str, *args, **kwargs):
    """Resolve /static/ URLs from the local static files; never fetch from the network."""
    from weasyprint.urls import default_url_fetcher

    if url.startswith("file://") or url.startswith("data:"):
        return default_url_fetcher(url, *args, **kwargs)
    prefix = settings.BASE_URL + settings.STATIC_URL
    if url.startswith(prefix):
        path = finders.find(url[len(prefix) :])
        if path:
            return default_url_fetcher("file://" + path, *args, **kwargs)
    raise ValueError(f"External resource refused in PDF: {url}")


def render_pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, context)
    return HTML(string=html, base_url=settings.BASE_URL, url_fetcher=_static_fetcher).write_pdf()


def pdf_response(pdf: bytes, name: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{slugify(name) or "report"}.pdf"'
    return response
