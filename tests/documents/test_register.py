"""Read and acknowledge, the document register and the register of who has not yet
acknowledged: filters, search, CSV, constant query counts, the distribution's history."""

import pytest

from documents.models import RevisionFile
from tests.documents.factories import DocumentFactory, draft, issue, url
from tests.helpers import body

pytestmark = pytest.mark.django_db


# --- acknowledgment ----------------------------------------------------------------------------


def test_the_document_page_and_register_show_who_has_not_acknowledged(
    client_for, drawing, head, quality_manager, operator
):
    issue(drawing, quality_manager)
    client = client_for(head)
    page = client.get(drawing.get_absolute_url()).content.decode()
    section = page.split('data-testid="not-acknowledged"')[1].split("</table>")[0]
    assert str(operator) in section
    register = client.get(url("acknowledgment_register")).content.decode()
    assert str(operator) in register and drawing.number in register
    csv_text = body(client.get(url("acknowledgment_register") + "?format=csv"))
    assert str(operator) in csv_text
    # The operator acknowledges from the page; they drop off both lists.
    ack = drawing.revisions.get(status="effective").acknowledgments.get(user=operator)
    response = client_for(operator).post(
        url("acknowledgment_confirm", drawing.pk, ack.revision_id, ack.pk), {"next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"].startswith("/documents/")
    ack.refresh_from_db()
    assert ack.status == "acknowledged"
    client = client_for(head)
    assert str(operator) not in client.get(url("acknowledgment_register")).content.decode()


def _company_wide(drawing, other_dept, quality_manager, people: int):
    """``people`` more in the operator's department, each called Adams (listed before Yilmaz), and
    the drawing issued to the whole department."""
    from documents import services
    from tests.factories import UserFactory

    UserFactory.create_batch(people, department=other_dept, last_name="Adams")
    services.document_update(
        document=drawing, by=drawing.owner, distribution_departments=[other_dept], reason="Whole shop"
    )
    issue(drawing, quality_manager)


def test_a_long_distribution_lists_the_first_fifty_and_links_the_rest_in_the_register(
    client_for, drawing, other_dept, head, quality_manager, operator
):
    from documents.selectors import NOT_ACKNOWLEDGED_SHOWN

    _company_wide(drawing, other_dept, quality_manager, people=NOT_ACKNOWLEDGED_SHOWN + 9)
    outstanding = NOT_ACKNOWLEDGED_SHOWN + 10  # the Adamses and the operator
    page = client_for(head).get(drawing.get_absolute_url()).content.decode()
    section = page.split('data-testid="not-acknowledged"')[1].split("</table>")[0]
    assert section.count("<tr>") == 1 + NOT_ACKNOWLEDGED_SHOWN and str(operator) not in section
    assert f"0 acknowledged, {outstanding} outstanding." in page
    # The distribution as it was written, and how many people it reaches.
    shown = page.split('data-testid="distribution">')[1].split("</dd>")[0]
    assert shown.startswith(f"{operator}, {other_dept.name} ") and f"({outstanding} people)" in shown
    link = f"{url('acknowledgment_register')}?document={drawing.pk}"
    assert (
        f'<a href="{link}" data-testid="ack-all">All {outstanding} who have not yet acknowledged</a>' in page
    )
    # The link: every one of them, this document only.
    other = DocumentFactory(owner=head, department=drawing.department, distribution_people=[operator])
    issue(other, quality_manager)
    register = client_for(head).get(link).content.decode()
    table = register.split('data-testid="ack-register"')[1].split("</table>")[0]
    assert table.count(f">{drawing.number}</a>") == outstanding and other.number not in table
    assert f'Only <a href="{drawing.get_absolute_url()}">{drawing.number}' in register
    # The operator, past the first fifty, is still asked to confirm on the page.
    mine = client_for(operator).get(drawing.get_absolute_url()).content.decode()
    assert "read it and confirm" in mine


def test_the_register_pages_the_most_overdue_first_and_the_csv_has_every_page(
    client_for, drawing, other_dept, head, quality_manager, monkeypatch
):
    import re

    from documents.views.revisions import AcknowledgmentRegisterView

    _company_wide(drawing, other_dept, quality_manager, people=4)  # five outstanding
    monkeypatch.setattr(AcknowledgmentRegisterView, "page_size", 3)
    client = client_for(head)
    link = f"{url('acknowledgment_register')}?document={drawing.pk}"

    def people(html: str) -> list[str]:
        table = html.split('data-testid="ack-register"')[1].split("</table>")[0]
        return re.findall(r"</a></td><td>([^<]+)</td><td>", table.split("<tbody>")[1])

    first = client.get(link).content.decode()
    assert len(people(first)) == 3 and "5 in all" in first
    following = re.search(r'href="\?([^"]*after=[^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert f"document={drawing.pk}" in following  # the filter goes along
    second = client.get(f"{url('acknowledgment_register')}?{following}").content.decode()
    # Every one outstanding once across the two pages (by name, counted: two people may share one).
    from documents.models import Acknowledgment

    outstanding = Acknowledgment.objects.filter(revision__document=drawing, status="pending")
    assert len(people(second)) == 2
    assert sorted(people(first) + people(second)) == sorted(str(a.user) for a in outstanding)
    csv_text = body(client.get(link + "&format=csv"))
    assert csv_text.count(drawing.number) == 5


def test_a_document_that_is_not_there_narrows_the_register_to_nothing_and_says_so(client_for, head):
    response = client_for(head).get(url("acknowledgment_register") + "?document=999999")
    assert response.status_code == 200
    assert "That document does not exist" in response.content.decode()


def test_nobody_acknowledges_for_someone_else(client_for, drawing, head, quality_manager, operator):
    issue(drawing, quality_manager)
    ack = drawing.revisions.get(status="effective").acknowledgments.get(user=operator)
    assert (
        client_for(head).post(url("acknowledgment_confirm", drawing.pk, ack.revision_id, ack.pk)).status_code
        == 404
    )
    ack.refresh_from_db()
    assert ack.status == "pending"


# --- register ------------------------------------------------------------------------------------


def test_register_filters_searches_and_exports_the_filtered_view(
    client_for, drawing, head, dept, quality_manager
):
    issue(drawing, quality_manager)
    DocumentFactory(
        owner=head,
        department=dept,
        number="QP-7.5-01",
        title="Control of documented information",
        doc_type="procedure",
    )
    client = client_for(head)
    page = client.get(url("document_list") + "?doc_type=drawing").content.decode()
    assert "DRW-40512" in page and "QP-7.5-01" not in page
    page = client.get(url("document_list") + "?q=documented").content.decode()
    assert "QP-7.5-01" in page and "DRW-40512" not in page
    csv_text = body(client.get(url("document_list") + "?doc_type=drawing&format=csv"))
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("Number,Title,Type")
    assert len(lines) == 2 and lines[1].startswith("DRW-40512,") and ",A," in lines[1]


def _documents(n, owner, dept, quality_manager):
    for i in range(n):
        document = DocumentFactory(owner=owner, department=dept, distribution_people=[owner])
        if i % 5 == 0:
            issue(document, quality_manager)


@pytest.mark.parametrize("fmt", ["", "?format=csv"])
def test_register_query_count_is_the_same_for_10_and_200_documents(
    client_for, head, dept, quality_manager, django_assert_num_queries, fmt, monkeypatch
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from documents.views.documents import DocumentListView

    # Pages of five: both sizes run past the first page (one page holding every row is its own
    # count, tests/qms/test_paging.py).
    monkeypatch.setattr(DocumentListView, "paginate_by", 5)
    client = client_for(head)
    _documents(10, head, dept, quality_manager)
    with CaptureQueriesContext(connection) as small:
        response = client.get(url("document_list") + fmt)
        assert response.status_code == 200
        body(response)
    _documents(190, head, dept, quality_manager)
    with django_assert_num_queries(len(small)):
        response = client.get(url("document_list") + fmt)
        assert response.status_code == 200
        text = body(response)
    if fmt:
        assert len(text.strip().splitlines()) == 201


def test_ack_register_query_count_does_not_grow(
    client_for, head, dept, quality_manager, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(head)
    _documents(5, head, dept, quality_manager)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url("acknowledgment_register")).status_code == 200
    _documents(50, head, dept, quality_manager)
    with django_assert_num_queries(len(small)):
        assert client.get(url("acknowledgment_register")).status_code == 200


def test_revision_files_are_stored_privately_under_generated_names(drawing, head):
    revision = draft(drawing)
    stored = RevisionFile.objects.get(revision=revision)
    assert drawing.number not in stored.file.name
    assert not stored.file.name.startswith("/")


@pytest.mark.parametrize(
    "query",
    ["?doc_type=bogus", "?owner=abc", "?department=999999", "?status=%00", "?page=9999", "?q=%27%22<x>"],
)
def test_register_with_bad_filter_input_never_fails(client_for, drawing, head, query):
    response = client_for(head).get(url("document_list") + query)
    assert response.status_code in (200, 404)


def test_changing_the_distribution_list_is_recorded_in_the_history(
    client_for, drawing, head, quality_manager, staff
):
    issue(drawing, quality_manager)
    data = {
        "number": drawing.number,
        "title": drawing.title,
        "doc_type": "drawing",
        "owner": head.pk,
        "department": drawing.department_id,
        "review_period_months": 12,
        "distribution_people": [staff.pk],
        "reason": "Inspector added to the distribution",
    }
    response = client_for(head).post(url("document_update", drawing.pk), data)
    assert response.status_code == 302
    assert list(drawing.distribution_people.all()) == [staff]
    latest = drawing.history.order_by("-history_date").first()
    assert (
        "Distribution changed" in latest.history_change_reason and str(staff) in latest.history_change_reason
    )


def test_the_document_page_runs_the_same_queries_for_2_and_40_people_on_the_distribution(
    client_for, head, dept, quality_manager
):
    """Its revisions, distribution and acknowledgments (its History tab counts their history
    rows) must not cost a query each."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import UserFactory

    def queries(n: int) -> int:
        people = [UserFactory(department=dept) for _ in range(n)]
        document = DocumentFactory(owner=head, department=dept, distribution_people=people)
        issue(document, quality_manager)
        issue(document, quality_manager, summary="B")
        client = client_for(head)
        client.get(document.get_absolute_url())  # the session and the user's department, once
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(document.get_absolute_url()).status_code == 200
        return len(ctx)

    assert queries(2) == queries(40)
