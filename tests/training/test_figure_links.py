"""Two training figures open exactly the rows they count, whoever reads them.

The bars "Requalifications falling due per month" of the coverage page count a department's (or a
process's) qualifications; each opens the matrix narrowed to them, which everyone who reads the
coverage reads as it is, so a staff member's bar of 3 opens 3 rows (the training records register
would have shown them only their own). The KPI "Required competences held" opens the matrix on the
day judged of the (person, competence) pairs it counted, each marked held or not: the company's
for the quality manager's company figure, the department's for a head and a staff member."""

import datetime as dt
import re
from html import escape, unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qms import kpis
from tests.helpers import field_error
from tests.training import factories as f
from tests.training.figures import LAST, THIS, expiring, names, opened, subject_of
from training import services
from training.selectors import months_ahead

pytestmark = pytest.mark.django_db

HELD = "training.required_held"
NEXT = months_ahead(f.today())[1]  # the first of next month
LATER = months_ahead(f.today())[3]


def bars(html: str) -> list[tuple[str, int, str]]:
    """(label, number, link) of each bar of the requalification chart, as the page draws it."""
    chart = html[html.index("Requalifications falling due per month") :]
    found = re.findall(
        r'<a href="([^"]+)" aria-label="([^"]+)"><rect [^>]*><title>([^<]+): (\d+)</title></rect></a>', chart
    )
    # Each link is named by what its bar shows, as its tooltip says it.
    assert all(name == f"{label}: {n}" for _, name, label, n in found), found
    return [(unescape(label), int(n), unescape(url)) for url, _, label, n in found]


# --- requalifications falling due, per month -------------------------------------------------


@pytest.fixture
def due(dept, other_dept, head, other_head, staff, hardening, zimmer, yilmaz):
    """In quality control, hardening (requalified every twelve months): Oliver, Emre and staff
    expire next month (Oliver's older record lapsed long ago and was renewed), Hanna's expired ten
    days ago, Lena's in three months. Not counted for the department: CNC turning (never
    requalified), Max who left, and Jonas of production, who holds hardening too: he counts on the
    hardening process's chart, which counts whoever holds its competences."""
    turning = f.competence(dept, title="CNC turning", by=head)
    hanna = f.person(dept, username="hbauer", first_name="Hanna", last_name="Bauer")
    lena = f.person(dept, username="lvogel", first_name="Lena", last_name="Vogel")
    gone = f.person(dept, username="mkeller", first_name="Max", last_name="Keller")
    jonas = f.person(other_dept, username="jschulz", first_name="Jonas", last_name="Schulz")
    expiring(zimmer, hardening, f.days(-400), by=head)
    for person in (zimmer, yilmaz, staff, gone):
        expiring(person, hardening, NEXT + dt.timedelta(days=4), by=head)
    expiring(hanna, hardening, f.days(-10), by=head)
    expiring(lena, hardening, LATER + dt.timedelta(days=9), by=head)
    f.train(staff, turning, 2, on=f.days(-30), by=head, expires_on=NEXT + dt.timedelta(days=2))
    expiring(jonas, hardening, NEXT + dt.timedelta(days=6), by=other_head)
    gone.is_active = False
    gone.save()
    return {"hanna": hanna, "lena": lena, "jonas": jonas}


def expected_due(staff, scope: str) -> dict[str, list[str]]:
    month = ["Oliver Zimmer", "Emre Yilmaz", str(staff)] + (["Jonas Schulz"] if scope == "process" else [])
    return {
        "Expired": ["Hanna Bauer"],
        f"{NEXT:%b %Y}": month,
        f"{LATER:%b %Y}": ["Lena Vogel"],
    }


@pytest.mark.parametrize("role", ["head", "staff", "quality_manager"])
@pytest.mark.parametrize("scope", ["department", "process"])
def test_each_requalification_bar_opens_exactly_the_qualifications_it_counts(
    request, client_for, due, dept, hardening, staff, role, scope
):
    user = request.getfixturevalue(role)
    client = client_for(user)
    where = f"department={dept.pk}" if scope == "department" else f"process={hardening.process_id}"
    html = client.get(f"/training/coverage/?{where}").content.decode()
    drawn = bars(html)
    assert len(drawn) == 13  # expired, and this month and the eleven after it
    expected = expected_due(staff, scope)
    for label, number, url in drawn:
        assert url.startswith("/training/?") and "/training/records/" not in url
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        shown = names(page, "expires-row")
        assert sorted(shown) == sorted(expected.get(label, [])), label
        assert number == len(shown) == len(response.context["matrix"].counted)
        assert f'data-testid="expires-count">{number}<' in page
        assert page.count("m-counted") == number  # each counted cell framed in the matrix
        assert {str(r.person) for r in response.context["matrix"].rows} == set(shown)


def test_a_staff_members_bar_is_the_departments_not_their_own_records(
    client_for, due, dept, staff, zimmer, yilmaz
):
    """The bug this page had: staff's bar said 3 and opened the register, which lists them only
    their own record. The matrix they open lists the three, as their department's matrix shows
    them, without opening a colleague's file."""
    client = client_for(staff)
    html = client.get(f"/training/coverage/?department={dept.pk}").content.decode()
    label, number, url = next(b for b in bars(html) if b[0] == f"{NEXT:%b %Y}")
    assert number == 3
    page = client.get(url).content.decode()
    assert sorted(names(page, "expires-row")) == sorted(["Oliver Zimmer", "Emre Yilmaz", str(staff)])
    assert f.file_of(staff).get_absolute_url() in page  # their own file opens
    for colleague in (zimmer, yilmaz):
        assert f.file_of(colleague).get_absolute_url() not in page
    assert not re.search(r"/training/files/\d+/records/\d", page)  # nor anyone's record
    whole = client.get(f"/training/?department={dept.pk}").context["matrix"]
    assert {"Oliver Zimmer", "Emre Yilmaz", "Hanna Bauer"} <= {str(r.person) for r in whole.rows}


def test_a_head_opens_the_files_of_the_people_counted(client_for, due, dept, head, yilmaz):
    html = client_for(head).get(f"/training/?department={dept.pk}&expires={NEXT:%Y-%m}").content.decode()
    assert f'href="{f.file_of(yilmaz).get_absolute_url()}"' in html


def test_the_month_can_be_picked_in_the_matrixs_form(client_for, due, dept, head):
    html = client_for(head).get(f"/training/?department={dept.pk}").content.decode()
    assert f'<option value="{LATER:%Y-%m}">{LATER:%b %Y}</option>' in html
    assert '<option value="expired">Expired</option>' in html
    picked = client_for(head).get(f"/training/?department={dept.pk}&expires=expired")
    assert names(picked.content.decode(), "expires-row") == ["Hanna Bauer"]


@pytest.mark.parametrize(
    "value", ["2019-01", "yesterday", "2026-13", "9" * 500, "%00", "expired'><script>", f"{THIS.start:%Y}-00"]
)
def test_a_month_that_is_not_offered_is_said_beside_its_box(client_for, due, dept, head, value):
    response = client_for(head).get(f"/training/?department={dept.pk}&expires={value}")
    assert response.status_code == 200
    assert "valid choice" in field_error(response, "expires")
    assert response.context["matrix"].counted == []  # the whole matrix, narrowed to nothing
    assert "<script>" not in response.content.decode()


def test_nobody_opens_another_departments_requalifications(client_for, due, other_dept, staff, head):
    for user in (staff, head):
        assert (
            client_for(user).get(f"/training/?department={other_dept.pk}&expires=expired").status_code == 404
        )


# --- required competences held -----------------------------------------------------------


@pytest.fixture
def roles(dept, other_dept, head, other_head, staff, hardening, zimmer, yilmaz):
    """Furnace operators of quality control need hardening at level 2: Oliver holds it at 3;
    Emre's lapsed five days into last month; Hanna took the role on the first of this month,
    in training. Welders of production need welding at 2, which Jonas holds. Staff hold no
    job role: nothing of theirs is counted."""
    welding = f.competence(other_dept, title="MIG welding", by=other_head)
    furnace = f.job_role(dept, title="Furnace operator", by=head, needs=[(hardening, 2)])
    welder = f.job_role(other_dept, title="Welder", by=other_head, needs=[(welding, 2)])
    hanna = f.person(dept, username="hbauer", first_name="Hanna", last_name="Bauer")
    jonas = f.person(other_dept, username="jschulz", first_name="Jonas", last_name="Schulz")
    since = LAST.start - dt.timedelta(days=30)
    for person, role, by in ((zimmer, furnace, head), (yilmaz, furnace, head), (jonas, welder, other_head)):
        services.job_role_take(file=f.file_of(person, by=by), by=by, job_role=role, since=since)
    services.job_role_take(file=f.file_of(hanna), by=head, job_role=furnace, since=THIS.start)
    f.train(zimmer, hardening, 3, on=since, by=head)
    expiring(yilmaz, hardening, LAST.start + dt.timedelta(days=5), by=head)
    f.train(hanna, hardening, 1, on=THIS.start, by=head)
    f.train(jonas, welding, 2, on=since, by=other_head)
    return {"hanna": hanna, "jonas": jonas}


EXPECTED_HELD = {  # (person, held) of each pair counted
    ("dept", "last"): {("Oliver Zimmer", "Held"), ("Emre Yilmaz", "Not held")},
    ("dept", "this"): {("Oliver Zimmer", "Held"), ("Emre Yilmaz", "Not held"), ("Hanna Bauer", "Not held")},
    ("company", "last"): {("Oliver Zimmer", "Held"), ("Emre Yilmaz", "Not held"), ("Jonas Schulz", "Held")},
    ("company", "this"): {
        ("Oliver Zimmer", "Held"),
        ("Emre Yilmaz", "Not held"),
        ("Hanna Bauer", "Not held"),
        ("Jonas Schulz", "Held"),
    },
}


def held_rows(html: str) -> set[tuple[str, str]]:
    rows = re.findall(r'<tr data-testid="held-row">(.*?)</tr>', html, re.S)
    found = set()
    for row in rows:
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        found.add((cells[0], cells[-1]))
    assert len(found) == len(rows)
    return found


@pytest.mark.parametrize("role", ["head", "staff", "quality_manager"])
@pytest.mark.parametrize("month", ["this", "last"])
def test_required_competences_held_open_exactly_the_pairs_counted(request, client_for, roles, role, month):
    user = request.getfixturevalue(role)
    subject = subject_of(user)
    value, response, html = opened(client_for(user), user, HELD, THIS if month == "this" else LAST)
    shown = held_rows(html)
    assert shown == EXPECTED_HELD["company" if subject is None else "dept", month]
    held = sum(1 for _, mark in shown if mark == "Held")
    assert value == round(100 * held / len(shown), 1)
    assert f'data-testid="held-count">{held}<' in html
    assert f'data-testid="required-count">{len(shown)}<' in html
    assert f'data-testid="held-share">{value}<' in html
    assert html.count("m-counted") == len(shown)  # each counted cell framed in the matrix
    assert {str(r.person) for r in response.context["matrix"].rows} == {name for name, _ in shown}


def test_the_company_figure_opens_the_company_not_a_department(client_for, roles, quality_manager):
    url = kpis.get(HELD).url(THIS, subject=None)
    assert "scope=company" in url and "department=" not in url
    html = client_for(quality_manager).get(url).content.decode()
    assert "Jonas Schulz" in html and "Oliver Zimmer" in html  # production and quality control


def test_the_dashboard_links_the_figure_to_its_page(client_for, roles, staff, quality_manager):
    for user in (staff, quality_manager):
        html = client_for(user).get("/reviews/").content.decode()
        assert escape(kpis.get(HELD).url(THIS, subject=subject_of(user))) in html, user


def test_staff_and_heads_open_their_own_part_of_the_company_held_and_no_other_departments(
    client_for, roles, staff, head, other_dept
):
    """A management review shows everyone the company's figure: a head or staff member opening it
    reads their own department's part, told so; another department's people are not shown."""
    day = f.today().isoformat()
    for user in (staff, head):
        client = client_for(user)
        company = client.get(f"/training/?scope=company&held={day}")
        html = company.content.decode()
        assert company.status_code == 200 and 'data-testid="matrix-own-part"' in html
        assert "Oliver Zimmer" in html and "Jonas Schulz" not in html
        assert client.get(f"/training/?department={other_dept.pk}&held={day}").status_code == 404


def test_staff_open_no_colleagues_file_from_the_held_page(client_for, roles, staff, dept, zimmer, yilmaz):
    html = client_for(staff).get(kpis.get(HELD).url(THIS, subject=dept.pk)).content.decode()
    assert "Oliver Zimmer" in html
    for colleague in (zimmer, yilmaz):
        assert f.file_of(colleague).get_absolute_url() not in html


@pytest.mark.parametrize("query", ["held=yesterday", "held=2026-02-30", "held=" + "9" * 500, "held=%00"])
def test_a_held_day_that_is_not_one_is_said(client_for, roles, head, dept, query):
    response = client_for(head).get(f"/training/?department={dept.pk}&{query}")
    assert response.status_code == 200
    assert "is not a day" in response.content.decode() and response.context["held"] is None


def test_held_on_a_process_matrix_is_the_whole_matrix_with_a_note(client_for, roles, head, hardening):
    response = client_for(head).get(f"/training/?process={hardening.process_id}&held={f.today()}")
    assert response.status_code == 200
    assert 'data-testid="matrix-note"' in response.content.decode()
    assert response.context["held"] is None


# --- a constant number of queries ------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "quality_manager"])
def test_both_pages_run_the_same_queries_however_much_they_list(
    request, client_for, roles, dept, head, hardening, role, monkeypatch
):
    import qms.middleware

    monkeypatch.setattr(qms.middleware, "SEEN_RESOLUTION", 24 * 3600)
    user = request.getfixturevalue(role)
    client = client_for(user)
    urls = [
        kpis.get(HELD).url(THIS, subject=subject_of(user)),
        f"/training/?department={dept.pk}&expires={NEXT:%Y-%m}",
    ]
    client.get(urls[0])  # the session's first request
    furnace = services.job_role_create(by=head, title="Furnace helper", department=dept, owner=head)
    services.requirement_add(job_role=furnace, by=head, competence=hardening, level=1)

    def grow(people: int) -> None:
        for _ in range(people):
            person = f.person(dept)
            services.job_role_take(file=f.file_of(person), by=head, job_role=furnace, since=f.days(-5))
            expiring(person, hardening, NEXT + dt.timedelta(days=3), by=head)

    def queries() -> list[tuple[int, int]]:
        found = []
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url)
                assert response.status_code == 200
            found.append((len(ctx.captured_queries), len(response.context["matrix"].counted)))
        return found

    grow(2)
    small = queries()
    grow(6)
    large = queries()
    for (q_small, n_small), (q_large, n_large) in zip(small, large, strict=True):
        assert n_large > n_small > 0
        assert q_small == q_large
