"""What management review and the auditor get: the KPIs (share of required competences held,
overdue requalifications, processes under minimum coverage) and the 7.2 section of the audit pack."""

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from qms import auditpack, kpis
from tests.training import factories as f
from training import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(dept, head, hardening, zimmer, yilmaz):
    role = f.job_role(dept, title="Furnace operator", by=head, needs=[(hardening, 2)])
    for person in (zimmer, yilmaz):
        services.job_role_take(file=f.file_of(person), by=head, job_role=role, since=f.days(-60))
    f.train(zimmer, hardening, 3, on=f.days(-30), by=head)
    f.train(yilmaz, hardening, 2, on=f.today() - dt.timedelta(days=400), by=head)  # expired
    return role


def test_the_kpis_are_registered_for_management_review():
    keys = {m.key for m in kpis.measures()}
    assert {
        "training.required_held",
        "training.requalifications_overdue",
        "training.processes_under_coverage",
    } <= keys


def test_share_of_required_competences_held(team, dept, other_dept):
    measure = kpis.get("training.required_held")
    month = kpis.Period.month(f.today())
    assert measure.value(month) == 50.0  # Oliver holds it, Emre's lapsed
    assert measure.value(month, subject=dept) == 50.0
    assert measure.value(month, subject=other_dept) is None  # nothing needed there


def test_overdue_requalifications_and_processes_under_coverage(team, dept, hardening, yilmaz, head):
    month = kpis.Period.month(f.today())
    assert kpis.get("training.requalifications_overdue").value(month) == 1
    assert kpis.get("training.processes_under_coverage").value(month) == 1
    f.train(yilmaz, hardening, 2, by=head)
    assert kpis.get("training.requalifications_overdue").value(month) == 0
    assert kpis.get("training.processes_under_coverage").value(month, subject=dept) == 0


def test_a_requalification_falling_due_later_in_the_period_is_not_overdue_yet(
    team, dept, hardening, yilmaz, head
):
    """The period still running is judged as of today, as the list of expired records it links
    to: a record that expires in two days is not overdue in it."""
    from dateutil.relativedelta import relativedelta

    period = kpis.Period(f.today() - dt.timedelta(days=20), f.today() + dt.timedelta(days=10))
    measure = kpis.get("training.requalifications_overdue")
    before = measure.value(period)
    assert before == 1  # Emre's lapsed record
    f.train(yilmaz, hardening, 2, by=head, on=f.today() - relativedelta(months=12) + dt.timedelta(days=2))
    assert measure.value(period) == 0  # replaced by one that expires in two days


def test_the_audit_pack_has_a_7_2_section(team, quality_manager, hardening):
    section = next(s for s in auditpack.sections() if s.key == "training")
    assert section.clause == "7.2"
    context = section.build(user=quality_manager, date_from=f.days(-90), date_to=f.today())
    (matrix, _), *rest = context["matrices"]
    assert {str(r.person) for r in matrix.rows} >= {"Oliver Zimmer", "Emre Yilmaz"}
    assert len(context["records"]) == 1  # Oliver's, in the period
    assert [(str(p), c) for p, c, _ in context["requalifications"]] == [("Emre Yilmaz", hardening)]
    assert context["alarms"] and "only Oliver Zimmer" in context["alarms"][0].title
    pdf, _ = auditpack.pack_build(
        user=quality_manager, keys=["training"], date_from=f.days(-90), date_to=f.today()
    )
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert (
        "Competence and training" in text and "Requalifications overdue" in text and "Oliver Zimmer" in text
    )


def test_staff_taking_a_pack_see_only_their_own_records(team, zimmer, dept):
    section = next(s for s in auditpack.sections() if s.key == "training")
    context = section.build(user=zimmer, date_from=f.days(-500), date_to=f.today())
    assert {str(r.file.owner) for r in context["records"]} == {"Oliver Zimmer"}


def test_a_twelve_month_trend_costs_the_queries_of_one_month(team, dept):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    months = kpis.Period.months_to(f.today(), 12)
    for key in (
        "training.required_held",
        "training.requalifications_overdue",
        "training.processes_under_coverage",
    ):
        measure = kpis.get(key)
        with CaptureQueriesContext(connection) as one:
            single = measure.series(months[-1:], subject=dept)
        with CaptureQueriesContext(connection) as twelve:
            series = measure.series(months, subject=dept)
        assert len(twelve.captured_queries) == len(one.captured_queries), key
        assert series[-1] == single[0] == measure.value(months[-1], subject=dept)
    # Before anyone was trained the trend says so: nothing held where the role already asked.
    assert kpis.get("training.required_held").series(months)[0] in (0.0, None)
