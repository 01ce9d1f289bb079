"""Each CAPA figure on the KPI dashboard opens the records it counted: the same month, the same
department, the same rows, so the number and the list agree (CAPAs closed on time, their aging,
the effectiveness checks, the NCRs raised)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from capa.models import Capa, EffectivenessCheck, Nonconformity
from qms import kpis
from tests.capa.factories import CapaFactory, NonconformityFactory
from tests.helpers import assert_refused_beside, register_rows

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
MONTH = kpis.Period.month(TODAY)
LAST_MONTH = kpis.Period.month(MONTH.start - dt.timedelta(days=1))


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def closed(capa: Capa, *, on: dt.date, due: dt.date | None) -> None:
    Capa.objects.filter(pk=capa.pk).update(status="closed", closed_at=at(on), due_date=due)


def test_closed_on_time_opens_the_months_capas_closed_with_a_target_date_of_the_department(
    client_for, quality_manager, head, other_head, dept
):
    on_time, late, earlier, undated, still_open = (CapaFactory(owner=head) for _ in range(5))
    closed(on_time, on=MONTH.start, due=MONTH.start + dt.timedelta(days=3))
    closed(late, on=MONTH.start, due=MONTH.start - dt.timedelta(days=2))
    closed(earlier, on=LAST_MONTH.start, due=LAST_MONTH.end)
    closed(undated, on=MONTH.start, due=None)  # no target date: not judged
    elsewhere = CapaFactory(owner=other_head)
    closed(elsewhere, on=MONTH.start, due=MONTH.end)
    measure = kpis.get("capa.closed_on_time")
    assert measure.value(MONTH, subject=dept) == 50.0
    client = client_for(quality_manager)
    listed = register_rows(client, measure.url(MONTH, subject=dept))
    assert set(listed) == {on_time.pk, late.pk}
    # The target date and the day closed side by side: which were on time, as the figure says.
    shown = {pk: row["Closed"] <= row["Target date"] for pk, row in listed.items()}
    assert 100 * sum(shown.values()) / len(shown) == measure.value(MONTH, subject=dept)
    rows = {r.label: r for r in measure.breakdown(MONTH, subject=dept)}
    assert set(register_rows(client, rows["Closed on time"].url)) == {on_time.pk}
    assert set(register_rows(client, rows["Closed late"].url)) == {late.pk}
    assert rows["Closed on time"].value == 1 and rows["Closed late"].value == 1
    assert set(register_rows(client, measure.url(LAST_MONTH, subject=dept))) == {earlier.pk}
    assert set(register_rows(client, measure.url(MONTH))) == {on_time.pk, late.pk, elsewhere.pk}
    assert measure.value(MONTH) == pytest.approx(100 * 2 / 3, abs=0.1)
    assert still_open.pk not in register_rows(client, measure.url(MONTH))


def test_a_capa_closed_in_a_months_last_minute_is_that_months_in_the_figure_and_the_list(
    client_for, quality_manager, head, dept
):
    zone = timezone.get_current_timezone()
    capa = CapaFactory(owner=head)
    Capa.objects.filter(pk=capa.pk).update(
        status="closed",
        closed_at=dt.datetime.combine(LAST_MONTH.end, dt.time(23, 59), zone),
        due_date=LAST_MONTH.end,
    )
    measure = kpis.get("capa.closed_on_time")
    assert measure.value(LAST_MONTH, subject=dept) == 100 and measure.value(MONTH, subject=dept) is None
    client = client_for(quality_manager)
    assert set(register_rows(client, measure.url(LAST_MONTH, subject=dept))) == {capa.pk}
    assert register_rows(client, measure.url(MONTH, subject=dept)) == {}


def test_aging_of_a_past_month_opens_the_capas_open_at_its_end_aged_to_that_day(
    client_for, quality_manager, head, other_head, dept
):
    end = LAST_MONTH.end
    young, old, closed_before, opened_after = (CapaFactory(owner=head) for _ in range(4))
    Capa.objects.filter(pk=young.pk).update(created_at=at(end - dt.timedelta(days=10)))
    # Open at the end of last month, closed since: counted then, though closed today.
    Capa.objects.filter(pk=old.pk).update(
        created_at=at(end - dt.timedelta(days=40)), status="closed", closed_at=at(MONTH.start, 9)
    )
    Capa.objects.filter(pk=closed_before.pk).update(
        created_at=at(end - dt.timedelta(days=90)), status="closed", closed_at=at(end - dt.timedelta(days=1))
    )
    Capa.objects.filter(pk=opened_after.pk).update(created_at=at(MONTH.start, 8))
    elsewhere = CapaFactory(owner=other_head)
    Capa.objects.filter(pk=elsewhere.pk).update(created_at=at(end - dt.timedelta(days=5)))
    aging = kpis.get("capa.aging")
    assert aging.value(LAST_MONTH, subject=dept) == 25.0
    client = client_for(quality_manager)
    listed = register_rows(client, aging.url(LAST_MONTH, subject=dept))
    assert {pk: row["Age (days)"] for pk, row in listed.items()} == {young.pk: 10, old.pk: 40}
    ages = [row["Age (days)"] for row in listed.values()]
    assert sum(ages) / len(ages) == aging.value(LAST_MONTH, subject=dept)
    buckets = {r.label: r for r in aging.breakdown(LAST_MONTH, subject=dept)}
    assert set(register_rows(client, buckets["0–30 days"].url)) == {young.pk}
    assert set(register_rows(client, buckets["31–60"].url)) == {old.pk}
    assert register_rows(client, buckets["over 180"].url) == {}
    assert all(len(register_rows(client, r.url)) == r.value for r in buckets.values())
    assert set(register_rows(client, aging.url(LAST_MONTH))) == {young.pk, old.pk, elsewhere.pk}


def test_aging_of_the_running_month_is_the_capas_open_today_aged_to_today(
    client_for, quality_manager, head, dept
):
    """The month still running is read as of today, in the figure and the list: a CAPA is not
    older on the month's last day than it is now."""
    a, b, closed_one = (CapaFactory(owner=head) for _ in range(3))
    Capa.objects.filter(pk=a.pk).update(created_at=at(TODAY - dt.timedelta(days=3), 0))
    Capa.objects.filter(pk=b.pk).update(created_at=at(TODAY - dt.timedelta(days=50), 0))
    Capa.objects.filter(pk=closed_one.pk).update(
        created_at=at(TODAY - dt.timedelta(days=20), 0), status="closed", closed_at=timezone.now()
    )
    aging = kpis.get("capa.aging")
    assert aging.value(MONTH, subject=dept) == 26.5
    listed = register_rows(client_for(quality_manager), aging.url(MONTH, subject=dept))
    assert {pk: row["Age (days)"] for pk, row in listed.items()} == {a.pk: 3, b.pk: 50}


def test_effectiveness_opens_the_checks_judged_in_the_month_of_the_departments_capas(
    client_for, quality_manager, head, other_head, dept
):
    capa, elsewhere = CapaFactory(owner=head), CapaFactory(owner=other_head)

    def check(on, result, of=capa):
        return EffectivenessCheck.objects.create(
            capa=of,
            planned_date=MONTH.start,
            criteria="No recurrence in 3 lots",
            planned_by=quality_manager,
            verifier=quality_manager,
            result=result,
            verified_at=None if result == "pending" else at(on),
        )

    # A CAPA judged not effective and again effective in one month: two checks, two rows.
    effective, not_effective = check(MONTH.start, "effective"), check(MONTH.start, "not_effective")
    pending, earlier = check(None, "pending"), check(LAST_MONTH.start, "effective")
    other = check(MONTH.start, "effective", of=elsewhere)
    measure = kpis.get("capa.effective")
    assert measure.value(MONTH, subject=dept) == 50.0
    client = client_for(quality_manager)
    listed = register_rows(client, measure.url(MONTH, subject=dept))
    assert set(listed) == {effective.pk, not_effective.pk}
    assert all(row["CAPA"] == capa.reference for row in listed.values())
    results = [row["Result"] for row in listed.values()]
    assert 100 * results.count("Effective") / len(results) == measure.value(MONTH, subject=dept)
    rows = {r.label: r for r in measure.breakdown(MONTH, subject=dept)}
    assert set(register_rows(client, rows["Effective"].url)) == {effective.pk}
    assert set(register_rows(client, rows["Not effective"].url)) == {not_effective.pk}
    assert set(register_rows(client, measure.url(LAST_MONTH, subject=dept))) == {earlier.pk}
    assert set(register_rows(client, measure.url(MONTH))) == {effective.pk, not_effective.pk, other.pk}
    assert pending.pk in register_rows(client, reverse("capa:check_list"))
    # Each row opens the CAPA's effectiveness section.
    page = client.get(measure.url(MONTH, subject=dept)).content.decode()
    assert f'href="{capa.get_absolute_url()}#effectiveness"' in page


def test_the_check_register_lists_only_the_checks_of_capas_in_the_readers_scope(
    client_for, quality_manager, head, other_head, other_staff
):
    mine, theirs = CapaFactory(owner=head), CapaFactory(owner=other_head)
    for capa in (mine, theirs):
        EffectivenessCheck.objects.create(
            capa=capa,
            planned_date=MONTH.start,
            criteria="No recurrence",
            planned_by=quality_manager,
            verifier=quality_manager,
        )
    listed = register_rows(client_for(other_staff), reverse("capa:check_list"))
    assert {row["CAPA"] for row in listed.values()} == {theirs.reference}
    listed = register_rows(client_for(head), reverse("capa:check_list"))
    assert {row["CAPA"] for row in listed.values()} == {mine.reference}


def test_ncrs_raised_open_the_months_ncrs_of_the_department(
    client_for, quality_manager, head, other_head, dept, other_dept
):
    counted = NonconformityFactory(owner=head, cause_category="material")
    earlier = NonconformityFactory(owner=head)
    Nonconformity.objects.filter(pk=earlier.pk).update(created_at=at(LAST_MONTH.start))
    elsewhere = NonconformityFactory(owner=other_head, source="audit")
    client = client_for(quality_manager)
    for key in ("capa.ncrs", "capa.ncrs_by_department"):
        measure = kpis.get(key)
        assert measure.value(MONTH, subject=dept) == 1
        assert set(register_rows(client, measure.url(MONTH, subject=dept))) == {counted.pk}, key
        assert set(register_rows(client, measure.url(LAST_MONTH, subject=dept))) == {earlier.pk}, key
        assert set(register_rows(client, measure.url(MONTH))) == {counted.pk, elsewhere.pk}, key
    # Each department's bar opens that department's NCRs of the month, not of every month.
    by_department = {r.label: r for r in kpis.get("capa.ncrs_by_department").breakdown(MONTH)}
    assert set(register_rows(client, by_department[dept.name].url)) == {counted.pk}
    assert set(register_rows(client, by_department[other_dept.name].url)) == {elsewhere.pk}
    # The Pareto of one department's NCRs is that department's: each cause opens its NCRs.
    (material,) = kpis.get("capa.ncrs").breakdown(MONTH, subject=dept)
    assert material.label == "Material" and f"department={dept.pk}" in material.url
    assert set(register_rows(client, material.url)) == {counted.pk}


def test_junk_in_the_new_filters_is_refused_beside_the_field_and_lists_nothing(
    client_for, quality_manager, head
):
    capa = CapaFactory(owner=head)
    client = client_for(quality_manager)
    for url, field in (
        (reverse("capa:capa_list") + "?open_on=2026-02-31", "open_on"),
        (reverse("capa:capa_list") + "?on_time=maybe", "on_time"),
        (reverse("capa:capa_list") + "?closed_from=yesterday", "closed_from"),
        (reverse("capa:check_list") + "?result=splendid", "result"),
        (reverse("capa:check_list") + "?judged_to=31.02.", "judged_to"),
        (reverse("capa:check_list") + "?department=abc", "department"),
    ):
        assert_refused_beside(client, url, field)
    # The last day there is and the first: no bound, and no error.
    assert capa.pk in register_rows(client, reverse("capa:capa_list") + "?open_on=9999-12-31")
    assert register_rows(client, reverse("capa:capa_list") + "?open_on=0001-01-01") == {}
    response = client.get(reverse("capa:analysis") + "?department=abc")
    assert response.status_code == 400 and 'data-field="department"' in response.content.decode()


def test_the_figures_lists_read_the_same_queries_for_few_rows_or_many(
    client_for, quality_manager, head, dept, monkeypatch
):
    """The registers as the figures open them (filtered, aged to a day, checks with their CAPA):
    pages of three, so both sizes run past the first page."""
    from capa.views.registers import CapaListView, EffectivenessCheckListView

    for view in (CapaListView, EffectivenessCheckListView):
        monkeypatch.setattr(view, "paginate_by", 3)
    urls = [
        kpis.get("capa.aging").url(MONTH, subject=dept),
        kpis.get("capa.closed_on_time").url(MONTH, subject=dept),
        kpis.get("capa.effective").url(MONTH, subject=dept),
    ]
    client = client_for(quality_manager)

    def add(n: int) -> None:
        for _ in range(n):
            capa = CapaFactory(owner=head)
            Capa.objects.filter(pk=capa.pk).update(
                created_at=at(MONTH.start, 0), status="closed", closed_at=timezone.now(), due_date=TODAY
            )
            EffectivenessCheck.objects.create(
                capa=capa,
                planned_date=TODAY,
                criteria="No recurrence",
                planned_by=quality_manager,
                verifier=quality_manager,
                result="effective",
                verified_at=timezone.now(),
            )
            open_one = CapaFactory(owner=head)
            Capa.objects.filter(pk=open_one.pk).update(created_at=at(MONTH.start, 0))

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
