"""The hand-written table of who may use which page (tests/qms/access_table.py), which the route
walker checks every answer against: it names every URL and nothing else, its check fails where it
should, and company-wide records are seen across departments where department records are not."""

from __future__ import annotations

import pytest
from django.http import HttpResponse, HttpResponseRedirect
from django.test import Client

from tests.qms import access_table
from tests.qms.access_table import TABLE, problem
from tests.qms.test_route_walker import url_targets, world  # noqa: F401 - fixture

# Records every signed-in user sees, whatever their department, and the pages that show them.
COMPANY_WIDE = [
    "documents:document_detail",
    "documents:revision_detail",
    "file_download documents.revisionfile",
    "reviews:objective_detail",
    "training:competence_detail",
    "training:jobrole_detail",
]
# Records of quality control, and everything on them: another department's people find nothing.
DEPARTMENT = [
    "capa:nonconformity_detail",
    "capa:capa_detail",
    "capa:capa_8d",
    "capa:containment_edit",
    "kernelapp:widget_detail",
    "kernelapp:part_detail",
    "file_download qms.attachment",
    "file_download kernelapp.partfile",
    "reviews:review_detail",
    "reviews:review_minutes_pdf",
    "reviews:decision_detail",
    "reviews:action_detail",
    "training:trainingfile_detail",
    "training:record_detail",
    "file_download training.trainingevidence",
]


@pytest.mark.django_db
def test_the_table_has_a_row_for_every_url_and_none_for_a_url_that_is_gone(world):  # noqa: F811
    assert tuple(world["roles"]) == access_table.ROLES  # the table speaks of the walker's roles
    walked = {target.key for target in url_targets(world)}
    missing = sorted(key for key in walked if key not in TABLE and not key.startswith("admin:"))
    assert not missing, f"URLs without a row in tests/qms/access_table.py: {missing}"
    gone = sorted(set(TABLE) - walked)
    assert not gone, f"rows of tests/qms/access_table.py for URLs that do not exist: {gone}"


def test_every_url_of_the_table_is_for_someone():
    # A URL nobody may use (a page that is a 404 for everyone) is what the table is there to catch.
    unused = sorted(key for key, row in TABLE.items() if not row.get and not row.post)
    assert not unused, f"rows that let nobody in: {unused}"


def test_a_url_without_a_row_fails_the_walk():
    said = problem("kernelapp:widget_export", "quality", "GET", HttpResponse())
    assert "no row for 'kernelapp:widget_export'" in said


def test_a_page_that_is_a_404_for_a_role_the_table_lets_in_fails_the_walk():
    assert problem("capa:capa_detail", "head", "GET", HttpResponse(status=404)).startswith(
        "404, expected 200"
    )
    assert problem("capa:capa_detail", "head", "GET", HttpResponse()) is None


def test_a_page_given_to_a_role_the_table_does_not_list_fails_the_walk():
    said = problem("capa:capa_detail", "other_staff", "GET", HttpResponse())
    assert said.startswith("200, expected a refusal")
    assert problem("capa:capa_detail", "other_staff", "GET", HttpResponse(status=404)) is None


def test_a_form_refused_to_a_role_the_table_lets_post_fails_the_walk():
    for refused in (HttpResponse(status=403), HttpResponse(status=404), HttpResponse(status=405)):
        said = problem("capa:capa_root_cause", "staff", "POST", refused)
        assert said.startswith(f"{refused.status_code}, expected the form taken up")
    for taken in (HttpResponse(status=400), HttpResponseRedirect("/capa/1/"), HttpResponse()):
        assert problem("capa:capa_root_cause", "staff", "POST", taken) is None


def test_a_form_taken_up_from_a_role_the_table_does_not_list_fails_the_walk():
    for taken in (HttpResponse(status=400), HttpResponseRedirect("/capa/1/")):
        said = problem("capa:capa_root_cause", "top", "POST", taken)
        assert said.startswith(f"{taken.status_code}, expected a refusal")
    to_login = HttpResponseRedirect("/account/login/?next=/capa/1/root-cause/")
    assert problem("capa:capa_root_cause", "anonymous", "POST", to_login) is None
    assert problem("capa:capa_root_cause", "top", "POST", HttpResponse(status=403)) is None


def test_every_admin_url_refuses_everyone_but_the_administrator():
    assert problem("admin:qms_process_changelist", "quality", "GET", HttpResponse()).startswith("200")
    assert (
        problem("admin:qms_process_changelist", "head", "POST", HttpResponseRedirect("/admin/")) is not None
    )
    # What the admin answers the administrator on made-up object ids is Django's own business.
    assert problem("admin:qms_process_change", "admin", "GET", HttpResponse(status=302)) is None
    assert problem("admin:index", "admin", "GET", HttpResponse(status=302)).startswith("302, expected 200")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["other_head", "other_staff"])
def test_company_wide_records_are_seen_by_other_departments_and_department_records_are_not(
    world,  # noqa: F811
    role,
):
    client = Client()
    client.force_login(world["roles"][role])
    urls = {target.key: target.url for target in url_targets(world)}
    for key in COMPANY_WIDE:
        assert client.get(urls[key]).status_code == 200, key
    for key in DEPARTMENT:
        assert client.get(urls[key]).status_code == 404, key
    records = world["records"]
    # The registers say the same: the document and the process are listed, QC's NCR and CAPA not.
    document = records["documents.document"]["_record"]
    assert document.number in client.get("/documents/").content.decode()
    assert "Process of Quality Control" in client.get("/processes/").content.decode()
    for label, register in (("capa.nonconformity", "/capa/ncr/"), ("capa.capa", "/capa/")):
        html = client.get(register).content.decode()
        assert records[label]["_record"].reference not in html, register
    # Seen is not changed: editing quality control's document is refused outright, not hidden.
    assert client.get(urls["documents:document_update"]).status_code == 403
    assert client.get(urls["process_update"]).status_code == 403
