"""Reads: the registers through the screens' scope, one page at a time, with their filters."""

import pytest

from tests.capa.factories import NonconformityFactory

pytestmark = pytest.mark.django_db


def test_staff_lists_only_their_departments_ncrs(api_for, staff, other_staff, dept, other_dept):
    mine = NonconformityFactory(owner=staff, department=dept)
    NonconformityFactory(owner=other_staff, department=other_dept)
    response = api_for(staff).get("/api/v1/ncrs/")
    assert response.status_code == 200
    assert [r["reference"] for r in response.json()["results"]] == [mine.reference]
    assert response.json()["results"][0]["web_url"] == f"/capa/ncr/{mine.pk}/"


def test_another_departments_ncr_is_a_404_in_the_error_shape(api_for, staff, other_staff, other_dept):
    theirs = NonconformityFactory(owner=other_staff, department=other_dept)
    response = api_for(staff).get(f"/api/v1/ncrs/{theirs.pk}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert theirs.reference not in response.content.decode()


def test_the_quality_manager_reads_every_ncr(api_for, quality_manager, staff, other_staff, dept, other_dept):
    NonconformityFactory(owner=staff, department=dept)
    NonconformityFactory(owner=other_staff, department=other_dept)
    assert api_for(quality_manager).get("/api/v1/ncrs/").json()["count"] == 2


def test_pages_follow_the_next_and_previous_links(api_for, quality_manager, staff, dept):
    made = {NonconformityFactory(owner=staff, department=dept).reference for _ in range(5)}
    api = api_for(quality_manager)
    first = api.get("/api/v1/ncrs/", {"page_size": 2}).json()
    assert first["count"] == 5 and len(first["results"]) == 2 and first["previous"] is None
    seen = [r["reference"] for r in first["results"]]
    following = first["next"]
    while following:
        page = api.get(following.replace("http://testserver", "")).json()
        seen += [r["reference"] for r in page["results"]]
        following = page["next"]
    assert sorted(seen) == sorted(made) and len(seen) == 5
    back = api.get(page["previous"].replace("http://testserver", "")).json()
    assert back["results"] and back["results"][-1]["reference"] == seen[-2]


def test_filters_are_the_registers(api_for, quality_manager, staff, dept):
    NonconformityFactory(owner=staff, department=dept)
    api = api_for(quality_manager)
    assert api.get("/api/v1/ncrs/", {"status": "_open"}).json()["count"] == 1
    assert api.get("/api/v1/ncrs/", {"department": dept.pk}).json()["count"] == 1
    assert api.get("/api/v1/ncrs/", {"q": "no such words anywhere"}).json()["count"] == 0


@pytest.mark.parametrize(
    "params, field",
    [
        ({"status": "exploded"}, "status"),
        ({"department": "abc"}, "department"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "9" * 40}, "page_size"),
        ({"after": "not-a-token"}, "after"),
        ({"before": "W10"}, "before"),
    ],
)
def test_a_bad_filter_or_page_token_is_a_400_naming_the_field(api_for, quality_manager, params, field):
    response = api_for(quality_manager).get("/api/v1/ncrs/", params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["fields"] and error["message"]


def test_an_unknown_path_is_a_json_404(api_for, staff):
    response = api_for(staff).get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_me_says_who_the_token_acts_as(api_for, auditor):
    me = api_for(auditor).get("/api/v1/me/").json()
    assert me["username"] == "auditor" and me["read_only"] is True and me["service_account"] is False


def test_due_items_reach_as_far_as_the_due_list(
    api_for, staff, other_staff, dept, other_dept, quality_manager
):
    import datetime as dt

    from django.utils import timezone

    late = timezone.localdate() - dt.timedelta(days=3)
    mine = NonconformityFactory(owner=staff, department=dept, due_date=late)
    theirs = NonconformityFactory(owner=other_staff, department=other_dept, due_date=late)
    seen = {i["reference"] for i in api_for(staff).get("/api/v1/due-items/").json()}
    assert mine.reference in seen and theirs.reference not in seen
    everything = {i["reference"] for i in api_for(quality_manager).get("/api/v1/due-items/").json()}
    assert {mine.reference, theirs.reference} <= everything
    asked = api_for(staff).get("/api/v1/due-items/", {"department": other_dept.pk}).json()
    assert theirs.reference not in {i["reference"] for i in asked}
    assert api_for(staff).get("/api/v1/due-items/", {"state": "later"}).status_code == 400
