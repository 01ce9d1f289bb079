"""The figure "revisions acknowledged within their deadline" opens exactly the acknowledgments it
counted: due in its month, of the reader's department (the company's for the quality manager),
each on time or late, and the share the figure shows. Not those of another month or department,
not those withdrawn, not those still pending and not yet due."""

import datetime as dt
import re
from html import escape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from documents.models import Acknowledgment
from qms import access, kpis
from tests.documents.factories import DocumentFactory, approver, issue
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
THIS = kpis.Period.month(TODAY)
LAST = kpis.Period.month(THIS.start - dt.timedelta(days=1))
EARLIER = kpis.Period.month(LAST.start - dt.timedelta(days=1))
KEY = "documents.ack_on_time"


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9)))


@pytest.fixture
def revision(head, dept):
    document = DocumentFactory(owner=head, department=dept, distribution_people=[head])
    revision = issue(document, approver(username="qm-ack-figure"))
    Acknowledgment.objects.filter(revision=revision).update(status="withdrawn")  # the head's: not ours
    return revision


@pytest.fixture
def acks(revision, dept, other_dept):
    """Last month in QC: Anna on time, Ben late, Carl never (late), Dora's withdrawn; in
    production Eva late; Finn, in no department, late. The month before: Gus in QC, on time.
    This month in QC: Hugo read early (on time); Ida's falls due at its end (not yet counted)."""

    def make(name, department, due, status="acknowledged", when=None):
        user = UserFactory(username=name.lower(), first_name=name, last_name="Reader", department=department)
        Acknowledgment.objects.create(
            revision=revision, user=user, due_date=due, status=status, acknowledged_at=when and at(when)
        )

    due = LAST.start + dt.timedelta(days=3)
    make("Anna", dept, due, when=due)
    make("Ben", dept, due, when=due + dt.timedelta(days=2))
    make("Carl", dept, due, status="pending")
    make("Dora", dept, due, status="withdrawn")
    make("Eva", other_dept, due, when=due + dt.timedelta(days=9))
    make("Finn", None, due, when=due + dt.timedelta(days=1))
    make("Gus", dept, EARLIER.start + dt.timedelta(days=3), when=EARLIER.start)
    make("Hugo", dept, THIS.end, when=TODAY)
    make("Ida", dept, THIS.end, status="pending")


EXPECTED = {
    ("dept", "last"): ({"Anna"}, {"Ben", "Carl"}),
    ("dept", "this"): ({"Hugo"}, set()),
    ("company", "last"): ({"Anna"}, {"Ben", "Carl", "Eva", "Finn"}),
    ("company", "this"): ({"Hugo"}, set()),
}


def listed(html: str) -> dict[str, str]:
    """Each row's reader and whether it was on time or late."""
    rows = re.findall(r'<tr data-testid="ack-due-row">(.*?)</tr>', html, re.S)
    found = {}
    for row in rows:
        name = re.search(r"<td>(\w+) Reader</td>", row)[1]
        found[name] = "on time" if ">on time<" in row else "late"
    return found


@pytest.mark.parametrize("role", ["head", "staff", "quality_manager"])
@pytest.mark.parametrize("month", ["this", "last"])
def test_the_figure_opens_exactly_the_acknowledgments_it_counted(request, client_for, acks, role, month):
    user = request.getfixturevalue(role)
    period = THIS if month == "this" else LAST
    subject = None if access.sees_everything(user) else user.department_id
    measure = kpis.get(KEY)
    value, url = measure.value(period, subject=subject), measure.url(period, subject=subject)
    response = client_for(user).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    on_time, late = EXPECTED["company" if subject is None else "dept", month]
    found = listed(html)
    assert {n for n, s in found.items() if s == "on time"} == on_time
    assert {n for n, s in found.items() if s == "late"} == late
    assert response.context["percent"] == value == round(100 * len(on_time) / (len(on_time) + len(late)), 1)
    assert f'data-testid="ack-due-percent">{value} %<' in html
    assert response.context["counted"] == response.context["page"].count == len(found)


def test_each_departments_bar_opens_its_own_people(client_for, acks, quality_manager, dept, other_dept):
    rows = {r.label: r for r in kpis.get(KEY).breakdown(LAST)}
    assert set(rows) == {dept.name, other_dept.name, "No department"}
    client = client_for(quality_manager)
    for label, names in (
        (dept.name, {"Anna", "Ben", "Carl"}),
        (other_dept.name, {"Eva"}),
        ("No department", {"Finn"}),
    ):
        response = client.get(rows[label].url)
        assert set(listed(response.content.decode())) == names, label
        assert response.context["percent"] == rows[label].value


def test_the_dashboard_links_the_figure_to_its_page(client_for, acks, staff, quality_manager):
    for user in (staff, quality_manager):
        subject = None if access.sees_everything(user) else user.department_id
        html = client_for(user).get("/reviews/").content.decode()
        assert escape(kpis.get(KEY).url(THIS, subject=subject)) in html


@pytest.mark.parametrize(
    "query",
    [
        "due_from=garbage",
        "due_from=2026-02-30",
        "due_to=2026-01-01&due_from=2026-02-01",
        "department=abc",
        "department=99999999",
        "due_from=" + "9" * 400,
        "due_from=%00",
        "after=garbage",
        "before=%FF%FE",
        "due_from=1000-01-01",
    ],
)
def test_garbage_is_said_beside_its_field_never_a_500(client_for, acks, staff, query):
    response = client_for(staff).get(f"/documents/acknowledgments/due/?{query}")
    assert response.status_code == 200
    if "due_" in query or "department" in query:
        assert 'data-testid="ack-due-errors"' in response.content.decode()
        assert response.context["counted"] == 0 and not response.context["rows"]


def test_one_day_alone_gives_its_months_other_end(client_for, acks, staff):
    response = client_for(staff).get(f"/documents/acknowledgments/due/?due_from={LAST.start}&due_to=")
    assert (response.context["start"], response.context["end"]) == (LAST.start, LAST.end)
    assert "Anna" in listed(response.content.decode())


@pytest.mark.parametrize("role", ["staff", "quality_manager"])
def test_the_page_runs_the_same_queries_however_many_it_lists(
    request, client_for, revision, dept, role, monkeypatch
):
    import qms.middleware

    monkeypatch.setattr(qms.middleware, "SEEN_RESOLUTION", 24 * 3600)  # a cost of the clock, not of rows
    user = request.getfixturevalue(role)
    client = client_for(user)
    subject = None if access.sees_everything(user) else user.department_id
    url = kpis.get(KEY).url(LAST, subject=subject)
    client.get(url)
    due = LAST.start + dt.timedelta(days=3)

    def grow(total: int) -> tuple[int, int]:
        while Acknowledgment.objects.filter(status="acknowledged").count() < total:
            Acknowledgment.objects.create(
                revision=revision,
                user=UserFactory(department=dept),
                due_date=due,
                status="acknowledged",
                acknowledged_at=at(due),
            )
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        return len(ctx.captured_queries), len(response.context["rows"])

    small, large = grow(3), grow(25)
    assert large[1] > small[1] > 0
    assert small[0] == large[0]
