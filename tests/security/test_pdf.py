"""The PDF renderer reads nothing but the static files: no user text reaches a stylesheet, and
no URL a template (or text slipped into it) names can load a local file or the network."""

import io

import pytest
from django.conf import settings
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from qms import auditpack
from qms.models import AuditPack
from qms.pdf import RefusedResource, StaticFilesFetcher, render_pdf
from qms.services.auditpacks import audit_pack_render


def images_in(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


@pytest.fixture
def local_image(tmp_path):
    path = tmp_path / "secret.png"
    Image.new("RGB", (40, 40), (255, 0, 0)).save(path)
    return path


@pytest.mark.django_db
def test_a_name_that_tries_to_inject_css_loads_no_local_file_and_gives_no_server_error(
    client_for, auditor, local_image
):
    # Names saved before names were checked (or imported) may hold a line break.
    auditor.first_name = f'Eva\n"}}}} body {{ background-image: url(file://{local_image}) }} x{{ content: "'
    auditor.last_name = "Example"
    auditor.save()
    today = timezone.localdate()
    client = client_for(auditor)
    asked = client.post(
        "/audit-pack/",
        {
            "sections": [s.key for s in auditpack.sections()],
            "date_from": today.replace(day=1).isoformat(),
            "date_to": today.isoformat(),
        },
    )
    assert asked.status_code == 302
    pack = AuditPack.objects.get()
    assert audit_pack_render(pack_id=pack.pk) == "ready"  # what the worker runs
    response = client.get(f"/audit-pack/{pack.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = b"".join(response.streaming_content)
    assert images_in(pdf) == 0
    # The name is printed as text in the footer of every part, not obeyed as a style.
    assert "Audit pack · generated" in text_of(pdf)
    assert "background-image" in text_of(pdf)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file:///etc/hostname",
        "http://example.com/logo.png",
        "https://example.com/logo.png",
        "http://testserver/static/../../../etc/passwd",
        "http://testserver/static/%2e%2e/%2e%2e/etc/passwd",
        "http://testserver/media/x.png",
        "ftp://example.com/x",
    ],
)
def test_the_fetcher_refuses_local_files_and_the_network(url):
    with pytest.raises(RefusedResource):
        StaticFilesFetcher().fetch(url)


def test_the_fetcher_serves_static_files_and_data_uris():
    css = StaticFilesFetcher().fetch(settings.BASE_URL + settings.STATIC_URL + "qms/app.css")
    assert css.content_type == "text/css" and css.read()
    data = StaticFilesFetcher().fetch("data:text/plain;base64,aGVsbG8=")
    assert data.read() == b"hello"


@pytest.mark.django_db
def test_a_template_asking_for_a_local_image_renders_without_it(tmp_path, local_image, settings):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]},
    ]
    (tmp_path / "evil.html").write_text(
        f'<html><body><p>Report</p><img src="file://{local_image}"><img src="{local_image}"></body></html>'
    )
    pdf = render_pdf("evil.html", {})
    assert images_in(pdf) == 0 and "Report" in text_of(pdf)


@pytest.mark.django_db
def test_a_static_image_is_still_embedded(tmp_path, settings):
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]},
    ]
    png = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 0, 255)).save(png, format="PNG")
    import base64

    data_uri = "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()
    (tmp_path / "fine.html").write_text(f'<html><body><p>Report</p><img src="{data_uri}"></body></html>')
    assert images_in(render_pdf("fine.html", {})) == 1


def test_the_renderer_is_fast_on_tables_and_still_draws_list_markers():
    """The renderer narrows WeasyPrint's user-agent stylesheet (no footnote, note or marker
    pseudo-elements on every element: a quarter of a table-heavy pack's layout time); lists keep
    their bullets and numbers. Fails if a WeasyPrint upgrade leaves nothing to narrow."""
    from qms.pdf import _html_class, render_document

    assert _html_class().ua_narrowed
    html = "<ul><li>Gauge</li></ul><ol><li>First</li><li>Second</li></ol>"
    pdf = render_document(html=html).write_pdf()
    text = text_of(pdf)
    assert "Gauge" in text and "•" in text and "2." in text, text  # the markers, drawn after the text
