"""Each audits figure on the KPI dashboard opens the records it counted: audits on schedule (the
month's audits of the department audited that were decided), findings open past their response
date at the month's end, risks above the threshold; the number and the list agree."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audits.models import Audit, Finding, Risk
from qms import kpis
from tests.audits import factories as af
from tests.helpers import assert_refused_beside, register_rows

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
MONTH = kpis.Period.month(TODAY)
LAST_MONTH = kpis.Period.month(MONTH.start - dt.timedelta(days=1))


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def outsider(db):
    """A qualified internal auditor of a third department, who may audit quality control."""
    from tests.factories import DepartmentFactory, UserFactory

    maintenance = DepartmentFactory(name="Maintenance", code="MNT")
    return af.qualify(UserFactory(username="kbauer", department=maintenance))


def _audit(lead, audited, department, *, due: dt.date, started: dt.date | None = None, status: str = ""):
    found = af.audit(lead=lead, audited=audited, department=department)
    fields = {"due_date": due, "started_on": started}
    if started is not None:
        fields["status"] = "in_progress"
    if status:
        fields["status"] = status
    Audit.objects.filter(pk=found.pk).update(**fields)
    return found


def test_on_schedule_opens_the_months_decided_audits_of_the_department_audited(
    client_for, quality_manager, lead, outsider, dept, other_dept
):
    day = LAST_MONTH.start
    on_time = _audit(lead, [other_dept], dept, due=day, started=day)
    started_late = _audit(lead, [other_dept], dept, due=day, started=day + dt.timedelta(days=2))
    never_started = _audit(lead, [other_dept], dept, due=day)
    cancelled = _audit(lead, [other_dept], dept, due=day, status="cancelled")
    of_qc = _audit(outsider, [dept], dept, due=day, started=day)
    of_both = _audit(outsider, [other_dept, dept], dept, due=day, started=day)
    before = _audit(lead, [other_dept], dept, due=day - dt.timedelta(days=1), started=day)
    measure = kpis.get("audits.on_schedule")
    assert measure.value(LAST_MONTH, subject=other_dept) == 50.0  # 2 of 4
    client = client_for(quality_manager)
    listed = register_rows(client, measure.url(LAST_MONTH, subject=other_dept))
    assert set(listed) == {on_time.pk, started_late.pk, never_started.pk, of_both.pk}
    # Planned for and started side by side: which were on schedule, as the figure says.
    shown = [bool(row["Started"]) and row["Started"] <= row["Planned for"] for row in listed.values()]
    assert 100 * sum(shown) / len(shown) == measure.value(LAST_MONTH, subject=other_dept)
    yes = measure.url(LAST_MONTH, subject=other_dept).replace("on_schedule=judged", "on_schedule=yes")
    no = measure.url(LAST_MONTH, subject=other_dept).replace("on_schedule=judged", "on_schedule=no")
    assert set(register_rows(client, yes)) == {on_time.pk, of_both.pk}
    assert set(register_rows(client, no)) == {started_late.pk, never_started.pk}
    # The department audited, not the one running it: quality control's list has its two audits.
    assert set(register_rows(client, measure.url(LAST_MONTH, subject=dept))) == {of_qc.pk, of_both.pk}
    assert measure.value(LAST_MONTH, subject=dept) == 100
    everything = register_rows(client, measure.url(LAST_MONTH))
    assert cancelled.pk not in everything and before.pk not in everything and len(everything) == 5
    month_before = kpis.Period.month(day - dt.timedelta(days=1))
    assert set(register_rows(client, measure.url(month_before, subject=other_dept))) == {before.pk}


def test_on_schedule_of_the_running_month_leaves_out_what_is_not_due_yet(
    client_for, quality_manager, lead, dept, other_dept
):
    done = _audit(lead, [other_dept], dept, due=TODAY, started=TODAY)
    coming = _audit(lead, [other_dept], dept, due=TODAY)  # may still start today: not judged
    measure = kpis.get("audits.on_schedule")
    assert measure.value(MONTH, subject=other_dept) == 100
    listed = register_rows(client_for(quality_manager), measure.url(MONTH, subject=other_dept))
    assert set(listed) == {done.pk} and coming.pk not in listed


def test_findings_past_due_open_the_findings_open_past_due_at_the_months_end(
    client_for, quality_manager, outsider, dept, other_dept
):
    end, raised = LAST_MONTH.end, at(LAST_MONTH.start)
    due = LAST_MONTH.start + dt.timedelta(days=1)
    of_both = af.audit(lead=outsider, audited=[other_dept, dept], department=dept, start=True)

    def finding(**fields):
        department = fields.pop("department", other_dept)
        found = af.finding(of_both, grade=Finding.Grade.OBSERVATION, department=department)
        Finding.objects.filter(pk=found.pk).update(**{"created_at": raised, "due_date": due, **fields})
        return found

    still_open = finding()
    closed_since = finding(status="closed", closed_on=MONTH.start)  # open at the end, closed after
    closed_then = finding(status="closed", closed_on=LAST_MONTH.start + dt.timedelta(days=5))
    due_at_end = finding(due_date=end)  # not past due on its due date
    raised_after = finding(created_at=at(MONTH.start, 0), due_date=LAST_MONTH.start)
    of_qc = finding(department=dept)
    measure = kpis.get("audits.findings_past_due")
    assert measure.value(LAST_MONTH, subject=other_dept) == 2
    client = client_for(quality_manager)
    listed = register_rows(client, measure.url(LAST_MONTH, subject=other_dept))
    assert set(listed) == {still_open.pk, closed_since.pk}
    for other in (closed_then, due_at_end, raised_after, of_qc):
        assert other.pk not in listed
    assert set(register_rows(client, measure.url(LAST_MONTH, subject=dept))) == {of_qc.pk}
    # The running month is read as of today: closed since is no longer past due, the rest still is.
    assert measure.value(MONTH, subject=other_dept) == len(
        register_rows(client, measure.url(MONTH, subject=other_dept))
    )
    assert set(register_rows(client, measure.url(MONTH, subject=other_dept))) == {
        still_open.pk,
        due_at_end.pk,
        raised_after.pk,
    }


def test_risks_above_the_threshold_open_the_risks_above_it_at_each_months_end(
    client_for, quality_manager, other_head, other_dept
):
    """Last month's figure is the risks above the threshold at its end as the register read then
    (a risk reassessed lower or retired since still counts there, one recorded since does not);
    this month's is the register as it stands. Opportunities never count."""
    from audits.services import risk_assess
    from qms.services import record_transition

    furnace = af.process(other_dept, "Furnace")

    def risk(title: str, likelihood: int = 5, severity: int = 5, *, recorded_long_ago: bool = True) -> Risk:
        made = af.risk(
            process=furnace, owner=other_head, likelihood=likelihood, severity=severity, title=title
        )
        if recorded_long_ago:  # recorded before last month began
            Risk.history.filter(id=made.pk).update(history_date=at(LAST_MONTH.start - dt.timedelta(days=20)))
        return made

    counted = risk("Quench crack", 4, 5)
    low = risk("Scale", 2, 2)
    lowered = risk("Worn tongs")
    retired = risk("Old furnace")
    chance = risk("New furnace")
    Risk.objects.filter(pk=chance.pk).update(kind=Risk.Kind.OPPORTUNITY)
    Risk.history.filter(id=chance.pk).update(kind=Risk.Kind.OPPORTUNITY)
    new = risk("Cracked crucible", recorded_long_ago=False)
    risk_assess(risk=lowered, by=other_head, likelihood=1, severity=2, note="New tongs bought")
    record_transition(record=retired, name="retire", by=other_head, reason="Furnace scrapped")
    measure = kpis.get("audits.risks_above_threshold")
    client = client_for(quality_manager)
    for period, expected in (
        (LAST_MONTH, {counted.pk, lowered.pk, retired.pk}),
        (MONTH, {counted.pk, new.pk}),
    ):
        assert measure.value(period, subject=other_dept) == len(expected), period.label
        url = measure.url(period, subject=other_dept)
        assert f"above_on={period.judged_on().isoformat()}" in url
        assert set(register_rows(client, url)) == expected, period.label
    assert low.pk not in register_rows(client, measure.url(MONTH))
    # The month still running reads the register as it stands: its "Above the threshold" list.
    now = reverse("audits:risk_list") + f"?status=active&above=true&kind=risk&department={other_dept.pk}"
    assert set(register_rows(client, now)) == {counted.pk, new.pk}
    assert_refused_beside(client, reverse("audits:risk_list") + "?above_on=last+week", "above_on")


def test_junk_in_the_new_filters_is_refused_beside_the_field_and_lists_nothing(
    client_for, quality_manager, running
):
    client = client_for(quality_manager)
    for url, field in (
        (reverse("audits:audit_list") + "?planned_from=2026-02-31", "planned_from"),
        (reverse("audits:audit_list") + "?on_schedule=perhaps", "on_schedule"),
        (reverse("audits:audit_list") + "?audited=abc", "audited"),
        (reverse("audits:finding_list") + "?past_due_on=yesterday", "past_due_on"),
    ):
        assert_refused_beside(client, url, field)
    assert running.pk in register_rows(client, reverse("audits:audit_list") + "?planned_to=9999-12-31")
    assert register_rows(client, reverse("audits:finding_list") + "?past_due_on=9999-12-31") == {}
    assert register_rows(client, reverse("audits:finding_list") + "?past_due_on=0001-01-01") == {}


def test_the_figures_lists_read_the_same_queries_for_few_rows_or_many(
    client_for, quality_manager, lead, running, dept, other_dept, monkeypatch
):
    from audits.views import AuditListView, FindingListView

    for view in (AuditListView, FindingListView):
        monkeypatch.setattr(view, "paginate_by", 3)
    urls = [
        kpis.get("audits.on_schedule").url(LAST_MONTH, subject=other_dept),
        kpis.get("audits.findings_past_due").url(LAST_MONTH, subject=other_dept),
    ]
    client = client_for(quality_manager)

    def add(n: int) -> None:
        for _ in range(n):
            _audit(lead, [other_dept], dept, due=LAST_MONTH.start, started=LAST_MONTH.start)
            found = af.finding(running, grade=Finding.Grade.OBSERVATION)
            Finding.objects.filter(pk=found.pk).update(
                created_at=at(LAST_MONTH.start), due_date=LAST_MONTH.start
            )

    def count() -> list[int]:
        counts = []
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            counts.append(len(ctx.captured_queries))
        return counts

    add(4)
    few = count()
    add(20)
    assert count() == few
