"""The kernel's form actions that are pages of their own (``form_urlpatterns(page=True)``), forms
about rows without a page, where a form goes when done, the extra headers of a download, rows
created in bulk with their history, and the record's history naming its child rows in a
constant number of queries. Tested on the kernel's example module (tests/kernelapp)."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qms import history
from qms.history import history_rows
from qms.models import Attachment
from qms.services import attachment_add, child_add, child_remove
from tests.factories import WidgetFactory
from tests.helpers import field_error
from tests.kernelapp.models import PartFile, WidgetPart
from tests.uploads import pdf_bytes

pytestmark = pytest.mark.django_db


def _file(part):
    upload = SimpleUploadedFile("drawing.pdf", pdf_bytes())
    return child_add(model=PartFile, part=part, by=part.widget.owner, file=upload)


def _part(widget, name="Bracket"):
    return child_add(
        model=WidgetPart,
        widget=widget,
        by=widget.owner,
        name=name,
        owner=widget.owner,
        due_date=timezone.localdate(),
    )


def test_a_form_page_shows_its_form_and_a_refusal_beside_the_field_on_the_same_page(client_for, head):
    widget = WidgetFactory(owner=head, title="Bracket")
    client = client_for(head)
    url = f"/kernel/widgets/{widget.pk}/rename/"
    page = client.get(url)
    assert page.status_code == 200 and 'name="title"' in page.content.decode()
    response = client.post(url, {"title": "Bracket"})
    assert response.status_code == 400
    assert "That is its name already." in field_error(response, "title")
    assert 'data-testid="page-form"' in response.content.decode()  # the form's own page, not the widget's
    response = client.post(url, {"title": "Bracket, machined"})
    assert response.status_code == 302 and response["Location"] == widget.get_absolute_url()
    widget.refresh_from_db()
    assert widget.title == "Bracket, machined"


def test_a_form_page_is_not_offered_on_the_object_page_too(client_for, head):
    widget = WidgetFactory(owner=head)
    response = client_for(head).get(widget.get_absolute_url())
    assert "approve_form" in response.context and "rename_form" not in response.context


def test_a_form_page_refuses_auditors_even_a_look_and_others_by_who_may(
    client_for, head, auditor, other_head
):
    widget = WidgetFactory(owner=head)
    url = f"/kernel/widgets/{widget.pk}/rename/"
    assert client_for(auditor).get(url).status_code == 403
    assert client_for(other_head).get(url).status_code == 404  # another department's record


def test_a_form_about_a_row_without_a_page_says_its_refusal_on_the_parents_page(client_for, head):
    widget = WidgetFactory(owner=head)
    part = _part(widget)
    file = _file(part)
    client = client_for(head)
    url = f"/kernel/widgets/{widget.pk}/parts/{part.pk}/files/{file.pk}/rename/"
    response = client.post(url, {"name": "x"})
    assert response.status_code == 400
    page = response.content.decode()
    assert part.name in page  # the part's page, where its files are shown
    assert "two letters or more" in page
    file.refresh_from_db()
    assert file.original_name == "drawing.pdf"


def test_a_form_goes_back_to_a_local_next_page_only(client_for, head):
    widget = WidgetFactory(owner=head)
    part = _part(widget)
    client = client_for(head)
    file = _file(part)
    url = f"/kernel/widgets/{widget.pk}/parts/{part.pk}/files/{file.pk}/rename/"
    response = client.post(url, {"name": "Bolt", "next": "/kernel/widgets/"})
    assert response["Location"] == "/kernel/widgets/"
    response = client.post(url, {"name": "Nut", "next": "https://evil.example/"})
    assert response["Location"] == file.get_absolute_url()
    file.refresh_from_db()
    assert file.original_name == "Nut"
    # Not a path: a word (once taken for a URL name, a 500 after the change was saved), a
    # protocol-relative address, a control character.
    for wanted in ("garbage", "100000000000000000000", "//evil.example/", "/a\x00b", "/a\nb"):
        response = client.post(url, {"name": "Washer", "next": wanted})
        assert response.status_code == 302 and response["Location"] == file.get_absolute_url(), wanted


def test_a_download_carries_the_headers_its_file_offers_but_never_loses_its_safety_headers(
    client_for, head, monkeypatch
):
    widget = WidgetFactory(owner=head)
    upload = SimpleUploadedFile("evidence.pdf", pdf_bytes())
    attachment = attachment_add(record=widget, upload=upload, by=head)
    monkeypatch.setattr(
        Attachment,
        "download_headers",
        lambda self: {"X-Record-Status": self.record.status, "X-Content-Type-Options": "sniff"},
    )
    response = client_for(head).get(attachment.get_download_url())
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert response["X-Record-Status"] == "draft"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_rows_created_in_bulk_each_have_their_history_row(head):
    widget = WidgetFactory(owner=head)
    due = timezone.localdate() + dt.timedelta(days=3)
    parts = [WidgetPart(widget=widget, name=f"Part {i}", owner=head, due_date=due) for i in range(5)]
    history.bulk_create(WidgetPart, parts, by=head, reason="Parts listed from the drawing")
    entries = WidgetPart.history.filter(widget=widget)
    assert entries.count() == 5
    assert {(e.history_user_id, e.history_change_reason, e.history_type) for e in entries} == {
        (head.pk, "Parts listed from the drawing", "+")
    }


def test_the_history_names_child_rows_in_a_constant_number_of_queries(head):
    def queries(widget) -> int:
        with CaptureQueriesContext(connection) as ctx:
            rows = history_rows(widget)
        assert any(r["part"].startswith("Widget part: ") for r in rows)
        return len(ctx)

    small, large = WidgetFactory(owner=head), WidgetFactory(owner=head)
    for i in range(2):
        _part(small, f"Part {i}")
    for i in range(25):
        _part(large, f"Part {i}")
    assert queries(small) == queries(large)


def test_a_removed_child_row_is_still_named_in_the_history(head):
    widget = WidgetFactory(owner=head)
    part = _part(widget, "Spacer")
    child_remove(child=part, by=head, reason="Not on the drawing")
    parts = [r["part"] for r in history_rows(widget) if r["is_child"]]
    assert parts and all(p == "Widget part: Spacer" for p in parts)
