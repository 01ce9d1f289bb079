"""The CAPA module's measures, as management review and the KPI dashboard read them: counted in
the database for a period (and a department), a twelve-month trend in one query."""

import datetime as dt

import pytest
from django.utils import timezone

from capa.models import Capa, EffectivenessCheck, Nonconformity
from qms import kpis
from tests.capa.factories import CapaFactory, NonconformityFactory
from tests.helpers import register_rows

pytestmark = pytest.mark.django_db

MONTH = kpis.Period.month(timezone.localdate())
LAST_MONTH = kpis.Period.month(MONTH.start - dt.timedelta(days=1))


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


def closed(capa: Capa, *, on: dt.date, due: dt.date) -> None:
    Capa.objects.filter(pk=capa.pk).update(status="closed", closed_at=at(on), due_date=due)


def test_capas_closed_on_time_is_the_share_closed_by_their_target_date(head, other_head, dept):
    a, b, c = (CapaFactory(owner=head) for _ in range(3))
    closed(a, on=MONTH.start, due=MONTH.start + dt.timedelta(days=3))
    closed(b, on=MONTH.start + dt.timedelta(days=5), due=MONTH.start)
    closed(c, on=LAST_MONTH.start, due=LAST_MONTH.end)
    closed(CapaFactory(owner=other_head), on=MONTH.start, due=MONTH.start - dt.timedelta(days=1))
    measure = kpis.get("capa.closed_on_time")
    assert measure.value(MONTH) == pytest.approx(33.3)
    assert measure.value(MONTH, subject=dept) == 50.0
    assert measure.series([LAST_MONTH, MONTH]) == [100.0, pytest.approx(33.3)]
    assert measure.value(kpis.Period.year(2001)) is None  # nothing closed: nothing to measure
    rows = {r.label: r.value for r in measure.breakdown(MONTH)}
    assert rows == {"Closed on time": 1, "Closed late": 2}


def test_ncrs_are_counted_per_month_with_a_pareto_by_cause_and_a_breakdown_by_department(
    client_for, quality_manager, head, other_head, dept, other_dept
):
    for cause in ("material", "material", "method", ""):
        NonconformityFactory(owner=head, cause_category=cause)
    NonconformityFactory(owner=other_head, cause_category="material")
    old = NonconformityFactory(owner=head)
    Nonconformity.objects.filter(pk=old.pk).update(created_at=at(LAST_MONTH.start))
    ncrs = kpis.get("capa.ncrs")
    assert ncrs.series([LAST_MONTH, MONTH]) == [1, 5]
    assert ncrs.value(MONTH, subject=other_dept) == 1
    pareto = [(r.label, r.value) for r in ncrs.breakdown(MONTH)]
    assert pareto[0] == ("Material", 3)
    assert sorted(pareto[1:]) == [("Method", 1), ("Not yet classified", 1)]
    # Each cause opens the NCRs it counts (it opened the analysis page, unfiltered).
    client = client_for(quality_manager)
    for row in ncrs.breakdown(MONTH):
        assert row.url.startswith("/capa/ncr/?") and "cause_category=" in row.url
        assert len(register_rows(client, row.url)) == row.value, row.label
    by_department = kpis.get("capa.ncrs_by_department").breakdown(MONTH)
    assert [(r.label, r.value) for r in by_department] == [(dept.name, 4), (other_dept.name, 1)]
    assert by_department[0].url.endswith(f"department={dept.pk}")


def test_customer_complaints_are_the_ncrs_from_customers(client_for, head, quality_manager):
    this = NonconformityFactory(owner=head, source="customer", severity="major")
    NonconformityFactory(owner=head, source="internal")
    earlier = NonconformityFactory(owner=head, source="customer", severity="major")
    Nonconformity.objects.filter(pk=earlier.pk).update(created_at=at(LAST_MONTH.start))
    complaints = kpis.get("capa.complaints")
    assert complaints.value(MONTH) == 1
    assert [(r.label, r.value) for r in complaints.breakdown(MONTH)] == [("Major", 1)]
    assert complaints.better == "lower" and complaints.clause == "9.1.2"
    # The number and its breakdown open the month's complaints, not every complaint ever.
    for url in (complaints.url(MONTH), complaints.breakdown(MONTH)[0].url):
        page = client_for(quality_manager).get(url).content.decode()
        assert this.reference in page and earlier.reference not in page, url


def test_capa_aging_is_the_average_age_of_the_capas_open_at_the_end_of_each_period(head):
    end = LAST_MONTH.end
    a, b, c = (CapaFactory(owner=head) for _ in range(3))
    Capa.objects.filter(pk=a.pk).update(created_at=at(end - dt.timedelta(days=10)))
    Capa.objects.filter(pk=b.pk).update(created_at=at(end - dt.timedelta(days=40)))
    # Closed before the end of last month: not open then.
    Capa.objects.filter(pk=c.pk).update(
        created_at=at(end - dt.timedelta(days=90)), closed_at=at(end - dt.timedelta(days=1))
    )
    aging = kpis.get("capa.aging")
    assert aging.value(LAST_MONTH) == 25.0
    buckets = {r.label: r.value for r in aging.breakdown(LAST_MONTH)}
    assert buckets["0–30 days"] == 1 and buckets["31–60"] == 1 and buckets["over 180"] == 0
    assert aging.value(kpis.Period.year(2001)) is None


def test_capa_aging_trend_reads_each_month_end_as_a_local_day(head):
    # Counted in SQL per month end: a CAPA opened in a month's last minute is open (age 0) at its
    # end; one closed in the first minute of the next month was still open at that end.
    zone = timezone.get_current_timezone()
    first, second = kpis.Period.months_to(LAST_MONTH.end, 2)
    late, closing = CapaFactory(owner=head), CapaFactory(owner=head)
    Capa.objects.filter(pk=late.pk).update(created_at=dt.datetime.combine(first.end, dt.time(23, 59), zone))
    Capa.objects.filter(pk=closing.pk).update(
        created_at=at(first.end - dt.timedelta(days=10)),
        status="closed",
        closed_at=dt.datetime.combine(second.start, dt.time(0, 0), zone),
    )
    aging = kpis.get("capa.aging")
    expected = [5.0, float((second.end - first.end).days)]
    assert aging.series([first, second]) == expected
    assert [aging.value(p) for p in (first, second)] == expected


def test_effectiveness_is_the_share_of_checks_judged_effective(head, quality_manager):
    capa = CapaFactory(owner=head)
    for result in ("effective", "effective", "not_effective", "pending"):
        EffectivenessCheck.objects.create(
            capa=capa,
            planned_date=MONTH.start,
            criteria="No recurrence in 3 lots",
            planned_by=quality_manager,
            verifier=quality_manager,
            result=result,
            verified_at=None if result == "pending" else at(MONTH.start),
        )
    effective = kpis.get("capa.effective")
    assert effective.value(MONTH) == pytest.approx(66.7)
    assert {r.label: r.value for r in effective.breakdown(MONTH)} == {"Effective": 2, "Not effective": 1}


def test_every_capa_trend_is_one_query_whatever_the_number_of_records(head, django_assert_num_queries):
    for _ in range(5):
        NonconformityFactory(owner=head)
        CapaFactory(owner=head)
    months = kpis.Period.months_to(timezone.localdate(), 12)
    for key in ("capa.closed_on_time", "capa.ncrs", "capa.complaints", "capa.aging", "capa.effective"):
        with django_assert_num_queries(1):
            assert len(kpis.get(key).series(months)) == 12
