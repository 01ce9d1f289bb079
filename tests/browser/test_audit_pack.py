"""The audit pack in a real browser with a real Celery worker: an auditor asks for a pack, watches
the progress bar while the worker renders it, and takes the PDF away."""

import pytest
from playwright.sync_api import expect

from qms.models import AuditPack, AuditPackDownload
from tests.factories import WidgetFactory
from tests.qms.pack_workers import pack_workers  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.worker]


def test_the_progress_bar_follows_the_render_to_the_download(
    page,
    login,
    auditor,
    head,
    dept,
    pack_workers,  # noqa: F811
):
    for i in range(40):  # enough that the render takes a moment
        WidgetFactory(owner=head, department=dept, title=f"Fixture plate F-{i}", description="Flat " * 60)
    pack_workers.start()
    login(auditor)
    page.goto("/audit-pack/")
    page.get_by_test_id("audit-pack-submit").click()
    pack = AuditPack.objects.get()
    expect(page).to_have_url(f"{page.url.split('/audit-pack/')[0]}/audit-pack/{pack.pk}/")
    # The bar shows while the pack is queued or rendering, and the page updates itself.
    expect(page.get_by_test_id("pack-bar")).to_be_visible()
    download_button = page.get_by_test_id("pack-download")
    expect(download_button).to_be_visible(timeout=60_000)
    assert page.get_by_test_id("pack-bar").count() == 0
    with page.expect_download() as taken:
        download_button.click()
    with open(taken.value.path(), "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    pack.refresh_from_db()
    assert pack.status == "ready" and AuditPackDownload.objects.get().sha256 == pack.sha256
    page.reload()
    expect(page.get_by_test_id("pack-sha256")).to_have_text(pack.sha256)
    expect(page.get_by_test_id("pack-downloads")).to_contain_text(pack.sha256)
