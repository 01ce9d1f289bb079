"""Every register the API offers, proven on real rows: built by the route walker's builders in two
departments, each register lists for each role exactly the rows its screen shows that role, in
the screen's order, and reads each row where the screens open its record's page (another
department's row is a 404 on both). Registers of records and of child rows across their records
alike (training records, calibrations, maintenance postponements, effectiveness checks, review
actions); an auditor reads them all and writes none."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse

from api.resources import installed
from qms import access
from qms.models import ChildRecord
from tests import walker

pytestmark = pytest.mark.django_db

RESOURCES = installed()
ROLES = ("staff", "other_staff", "head", "quality_manager", "auditor")


def _built(resource, staff, dept, other_staff, other_dept) -> bool:
    """Rows of the resource in two departments, each built as its screens build them; False when
    only the first department could build them."""
    walker.load_all()
    build = walker.BUILDERS[resource.model._meta.label_lower]
    build(staff, dept)
    try:
        with transaction.atomic():
            build(other_staff, other_dept)
    except PermissionDenied:  # a record only one department keeps (inspection plans are QC's)
        return False
    return True


def _screen_ids(client, url: str) -> list[int]:
    response = client.get(url)
    assert response.status_code == 200, url
    return [row.pk for row in response.context["object_list"]]


def _api_ids(api, url: str) -> list[int]:
    response = api.get(url)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.mark.parametrize("resource", RESOURCES, ids=[r.path for r in RESOURCES])
def test_each_role_lists_and_reads_the_rows_its_screens_show(
    request, api_for, client_for, staff, dept, other_staff, other_dept, resource
):
    both = _built(resource, staff, dept, other_staff, other_dept)
    screen, url = reverse(resource.register), f"/api/v1/{resource.path}/"
    listed = {}
    for role in ROLES:
        user = request.getfixturevalue(role)
        listed[role] = _screen_ids(client_for(user), screen)
        assert _api_ids(api_for(user), url) == listed[role], f"{url} as {role}"
    assert listed["staff"], f"{url}: the builder made no row staff see"
    assert set(listed["staff"]) <= set(listed["quality_manager"]), url
    assert listed["auditor"], f"{url}: the auditor reads nothing"
    assert api_for(request.getfixturevalue("auditor")).post(url).status_code == 403

    # One row: read where the screens open its record's page, a 404 where they do not.
    everything = _api_ids(api_for(request.getfixturevalue("quality_manager")), url)[:20]
    for role in ("staff", "auditor"):
        user = request.getfixturevalue(role)
        client, api, answers = client_for(user), api_for(user), set()
        for pk in everything:
            row = resource.model._default_manager.get(pk=pk)
            record = row.root if isinstance(row, ChildRecord) else row
            page = client.get(record.get_absolute_url()).status_code
            read = api.get(f"{url}{pk}/")
            assert read.status_code == page, f"{url}{pk}/ as {role}: {read.status_code}, its page {page}"
            if page == 200:
                assert read.json()["id"] == pk
            answers.add(page)
        assert 200 in answers, f"{url}: {role} reads none of the rows"
        if role == "staff" and both and access.record_model(resource.model).visibility == "department":
            assert 404 in answers, f"{url}: staff read the other department's rows"
