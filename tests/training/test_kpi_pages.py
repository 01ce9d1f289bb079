"""Each training figure of the KPI dashboard opens exactly what it counted, for a head, a staff
member and the quality manager, this month (as of today) and last month (as of its last day):
the overdue requalifications on the matrix of the department (or company) narrowed to them, the
processes under their minimum coverage on a list of their own. Staff read their colleagues no
more than their department's matrix shows them."""

import datetime as dt
import re
from html import escape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qms import kpis
from tests.training import factories as f
from tests.training.figures import LAST, THIS, expiring, names, opened, subject_of

pytestmark = pytest.mark.django_db

OVERDUE = "training.requalifications_overdue"
UNDER = "training.processes_under_coverage"


@pytest.fixture
def shop(dept, other_dept, head, other_head, staff, hardening, zimmer, yilmaz):
    """In quality control: Emre's hardening lapsed before last month and was never renewed;
    Oliver's lapsed during last month and was renewed on the first of this one; Hanna holds it;
    staff hold CNC turning for good. In production: Jonas's welding lapsed before last month.

    Overdue: last month Emre and Oliver (QC), Jonas (PROD); this month Emre and Jonas. Under
    minimum: last month hardening (1 of 2 qualified) and welding (0 of 1); this month welding."""
    turning = f.competence(dept, title="CNC turning", by=head, min_coverage=1)
    welding = f.competence(
        other_dept, title="MIG welding", by=other_head, requalify_months=12, min_coverage=1
    )
    hanna = f.person(dept, username="hbauer", first_name="Hanna", last_name="Bauer")
    jonas = f.person(other_dept, username="jschulz", first_name="Jonas", last_name="Schulz")
    expiring(yilmaz, hardening, LAST.start - dt.timedelta(days=10), by=head)
    expiring(zimmer, hardening, LAST.start + dt.timedelta(days=5), by=head)
    f.train(zimmer, hardening, 2, on=THIS.start, by=head)
    f.train(hanna, hardening, 3, on=LAST.start - dt.timedelta(days=30), by=head)
    f.train(staff, turning, 2, on=LAST.start - dt.timedelta(days=30), by=head)
    expiring(jonas, welding, LAST.start - dt.timedelta(days=10), by=other_head)
    return {"turning": turning, "welding": welding, "hanna": hanna, "jonas": jonas}


EXPECTED_OVERDUE = {
    ("dept", "this"): ["Emre Yilmaz"],
    ("dept", "last"): ["Emre Yilmaz", "Oliver Zimmer"],
    ("company", "this"): ["Jonas Schulz", "Emre Yilmaz"],
    ("company", "last"): ["Jonas Schulz", "Oliver Zimmer", "Emre Yilmaz"],
}
EXPECTED_UNDER = {
    ("dept", "this"): [],
    ("dept", "last"): ["Heat treatment"],
    ("company", "this"): ["Welding"],
    ("company", "last"): ["Welding", "Heat treatment"],  # by department: Production first
}


@pytest.fixture
def processes(shop, hardening):
    """The processes named as people say them."""
    hardening.process.name = "Heat treatment"
    hardening.process.save()
    shop["welding"].process.name = "Welding"
    shop["welding"].process.save()


@pytest.mark.parametrize("role", ["head", "staff", "quality_manager"])
@pytest.mark.parametrize("month", ["this", "last"])
def test_overdue_requalifications_open_exactly_the_cells_counted(request, client_for, shop, role, month):
    user = request.getfixturevalue(role)
    subject = subject_of(user)
    value, response, html = opened(client_for(user), user, OVERDUE, THIS if month == "this" else LAST)
    shown = names(html, "overdue-row")
    scope = "company" if subject is None else "dept"
    assert sorted(shown) == sorted(EXPECTED_OVERDUE[scope, month])
    assert value == len(shown) == len(response.context["matrix"].counted)
    assert f'data-testid="overdue-count">{value}<' in html
    assert html.count("m-counted") == value  # each counted cell framed in the matrix
    # Only the people counted are rows: Hanna, who holds hardening, and staff are left out.
    rows = {str(r.person) for r in response.context["matrix"].rows}
    assert rows == set(shown)


@pytest.mark.parametrize("role", ["head", "staff", "quality_manager"])
@pytest.mark.parametrize("month", ["this", "last"])
def test_processes_under_coverage_open_exactly_the_processes_counted(
    request, client_for, processes, role, month
):
    user = request.getfixturevalue(role)
    period = THIS if month == "this" else LAST
    measure, subject = kpis.get(UNDER), subject_of(user)
    value, url = measure.value(period, subject=subject), measure.url(period, subject=subject)
    response = client_for(user).get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    scope = "company" if subject is None else "dept"
    assert names(html, "under-row") == EXPECTED_UNDER[scope, month]
    assert value == len(response.context["rows"])
    assert f'data-testid="under-count">{value}<' in html
    for row in response.context["rows"]:  # each opens its matrix and its four weeks' coverage
        client = client_for(user)
        assert client.get(row["matrix_url"]).status_code == 200
        assert client.get(row["coverage_url"]).status_code == 200


def test_last_months_hardening_was_short_with_one_of_two_qualified(client_for, processes, head, dept):
    html = client_for(head).get(kpis.get(UNDER).url(LAST, subject=dept)).content.decode()
    assert "Heat treatment: case-hardening furnace</a>: 1 / 2" in html
    assert "Welding" not in html  # another department's process


def test_the_dashboard_links_each_figure_to_its_page(client_for, shop, staff, quality_manager):
    for user in (staff, quality_manager):
        html = client_for(user).get("/reviews/").content.decode()
        for key in (OVERDUE, UNDER):
            assert escape(kpis.get(key).url(THIS, subject=subject_of(user))) in html, (user, key)


def test_staff_see_no_colleagues_file_on_the_overdue_matrix(client_for, shop, staff, dept, zimmer, yilmaz):
    client = client_for(staff)
    html = client.get(kpis.get(OVERDUE).url(LAST, subject=dept.pk)).content.decode()
    assert "Emre Yilmaz" in html and "Oliver Zimmer" in html
    for colleague in (zimmer, yilmaz):
        assert f.file_of(colleague).get_absolute_url() not in html
    assert not re.search(r"/training/records/\d", html)  # no one's training record opens from here
    # What staff read here their department's matrix already shows them: the same people.
    matrix = client.get(f"/training/?department={dept.pk}").context["matrix"]
    assert {"Emre Yilmaz", "Oliver Zimmer"} <= {str(r.person) for r in matrix.rows}


def test_a_head_opens_the_files_of_the_people_counted(client_for, shop, head, dept, yilmaz):
    html = client_for(head).get(kpis.get(OVERDUE).url(THIS, subject=dept)).content.decode()
    assert f'href="{f.file_of(yilmaz).get_absolute_url()}"' in html


def test_staff_and_heads_open_no_other_departments_figures(client_for, shop, staff, head, other_dept):
    """The company's figures (a management review's) open their own department's part, saying so."""
    for user in (staff, head):
        client = client_for(user)
        day = f.today().isoformat()
        for url, own in (
            (f"/training/?scope=company&overdue={day}", "matrix-own-part"),
            ("/training/coverage/processes/?scope=company", "under-own-part"),
        ):
            response = client.get(url)
            html = response.content.decode()
            assert response.status_code == 200 and f'data-testid="{own}"' in html, url
            assert "Jonas Schulz" not in html and "MIG welding" not in html, url
        assert client.get(f"/training/?department={other_dept.pk}&overdue={day}").status_code == 404
        assert client.get(f"/training/coverage/processes/?department={other_dept.pk}").status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "overdue=yesterday",
        "overdue=2026-13-45",
        "overdue=" + "9" * 500,
        "overdue=%00",
        "overdue=2026-04-30&process=abc",
        "overdue=9999-12-31",
        "overdue=0001-01-01",
    ],
)
def test_a_matrix_asked_for_garbage_says_so_or_ignores_it(client_for, shop, head, dept, query):
    response = client_for(head).get(f"/training/?department={dept.pk}&{query}")
    assert response.status_code in (200, 404)
    if "process=abc" in query:
        assert response.status_code == 404  # no such process, as before
    else:
        assert response.status_code == 200


def test_a_day_that_is_not_one_is_said_and_a_later_one_is_today(client_for, shop, head, dept):
    client = client_for(head)
    response = client.get(f"/training/?department={dept.pk}&overdue=yesterday")
    assert "is not a day" in response.content.decode() and response.context["overdue"] is None
    response = client.get(f"/training/?department={dept.pk}&overdue=9999-12-31")
    assert response.context["overdue"] == f.today()
    assert len(response.context["matrix"].counted) == kpis.get(OVERDUE).value(THIS, subject=dept)


def test_overdue_on_a_process_matrix_is_the_whole_matrix_with_a_note(client_for, shop, head, hardening):
    response = client_for(head).get(f"/training/?process={hardening.process_id}&overdue={f.today()}")
    assert response.status_code == 200
    assert 'data-testid="matrix-note"' in response.content.decode()
    assert response.context["overdue"] is None


@pytest.mark.parametrize(
    "query",
    ["on=garbage", "on=2026-02-30", "on=" + "x" * 300, "on=9999-12-31", "department=", "scope=nonsense"],
)
def test_processes_under_coverage_asked_for_garbage_never_fail(
    client_for, processes, head, quality_manager, query
):
    for user in (head, quality_manager):
        response = client_for(user).get(f"/training/coverage/processes/?{query}")
        assert response.status_code == 200, (user, query)
        assert response.context["day"] <= f.today()
    assert client_for(head).get("/training/coverage/processes/?department=abc").status_code == 404


def test_someone_in_no_department_is_told_so(client_for, db):
    from qms.models import Role
    from tests.factories import UserFactory

    loner = UserFactory(role=Role.STAFF, department=None)
    response = client_for(loner).get("/training/coverage/processes/")
    assert response.status_code == 200 and 'data-testid="no-department"' in response.content.decode()


def _grow(dept, head, people: int) -> None:
    """``people`` more people each with two lapsed qualifications, in two more processes short."""
    made = [f.competence(dept, by=head, requalify_months=12, min_coverage=people + 5) for _ in range(2)]
    for _ in range(people):
        person = f.person(dept)
        for comp in made:
            expiring(person, comp, f.days(-40), by=head)


@pytest.mark.parametrize("role", ["staff", "quality_manager"])
def test_both_pages_run_the_same_queries_however_much_they_list(
    request, client_for, shop, dept, head, role, monkeypatch
):
    import qms.middleware

    # The session's last-seen time is written once a minute: a cost of the clock, not of the rows.
    monkeypatch.setattr(qms.middleware, "SEEN_RESOLUTION", 24 * 3600)
    user = request.getfixturevalue(role)
    client = client_for(user)
    subject = subject_of(user)
    urls = [kpis.get(OVERDUE).url(THIS, subject=subject), kpis.get(UNDER).url(THIS, subject=subject)]
    client.get(urls[0])  # the session's first request

    def queries() -> list[tuple[int, int]]:
        found = []
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url)
                assert response.status_code == 200
            listed = response.context["matrix"].counted if "overdue=" in url else response.context["rows"]
            found.append((len(ctx.captured_queries), len(listed)))
        return found

    _grow(dept, head, 2)
    small = queries()
    _grow(dept, head, 6)
    large = queries()
    for (q_small, n_small), (q_large, n_large) in zip(small, large, strict=True):
        assert n_large > n_small > 0
        assert q_small == q_large
