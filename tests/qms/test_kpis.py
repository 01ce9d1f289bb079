"""KPIs: a measure has a value per period (and per department, say), read from the module that
knows it; periods are calendar months and years unless said otherwise."""

import datetime as dt

import pytest
from django.utils import timezone

from qms import kpis
from qms.services import record_transition
from tests.factories import WidgetFactory


def test_a_month_runs_from_its_first_to_its_last_day():
    assert kpis.Period.month(dt.date(2024, 2, 17)) == kpis.Period(dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert kpis.Period.month(dt.date(2026, 12, 31)).end == dt.date(2026, 12, 31)


def test_the_last_months_run_oldest_first_across_the_year_end():
    months = kpis.Period.months_to(dt.date(2026, 2, 10), 3)
    assert [m.label for m in months] == ["Dec 2025", "Jan 2026", "Feb 2026"]


@pytest.mark.parametrize(
    "period, label",
    [
        (kpis.Period(dt.date(2026, 5, 1), dt.date(2026, 5, 31)), "May 2026"),
        (kpis.Period.year(2026), "2026"),
        (kpis.Period(dt.date(2026, 4, 1), dt.date(2026, 6, 30)), "1 Apr 2026 – 30 Jun 2026"),
        (kpis.Period(dt.date(2026, 5, 1), dt.date(2026, 5, 15)), "1 May 2026 – 15 May 2026"),
    ],
)
def test_a_period_reads_as_users_say_it(period, label):
    assert period.label == label


@pytest.mark.django_db
def test_widgets_released_are_counted_per_period_and_department(head, other_head, dept, other_dept):
    released = kpis.get("kernelapp.released")
    for owner in (head, head, other_head):
        record_transition(record=WidgetFactory(owner=owner), name="release", by=owner)
    WidgetFactory(owner=head)  # a draft counts for nothing
    month = kpis.Period.month(timezone.localdate())
    assert released.value(month) == 3
    assert released.value(month, subject=dept) == 2 and released.value(month, subject=other_dept) == 1
    last_year = kpis.Period.year(timezone.localdate().year - 1)
    assert released.series([last_year, month]) == [0, 3]
    assert (released.unit, released.subject, released.better) == ("count", "department", "higher")


# --- a whole series in one query ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_trend_of_counts_is_one_query_and_agrees_with_the_months_one_by_one(
    head, django_assert_num_queries
):
    from tests.kernelapp.models import Widget

    for _ in range(3):
        record_transition(record=WidgetFactory(owner=head), name="release", by=head)
    months = kpis.Period.months_to(timezone.localdate(), 12)
    released = Widget.objects.filter(released_at__isnull=False)
    with django_assert_num_queries(1):
        trend = kpis.counted(released, "released_at__date", months)
    assert trend == [0] * 11 + [3]
    # Periods that are not calendar months (a quarter, a year) count the same way.
    quarter = kpis.Period(months[-3].start, months[-1].end)
    assert kpis.counted(released, "released_at__date", [quarter, kpis.Period.year(2001)]) == [3, 0]


@pytest.mark.django_db
def test_a_datetime_falls_into_the_month_of_its_local_day_at_either_edge(head):
    # The window is compared as datetimes (so an index answers it), and must give the rows the
    # local day gives: the last minute of a month is in it, its next month's first minute is not.
    from tests.kernelapp.models import Widget

    zone = timezone.get_current_timezone()
    months = kpis.Period.months_to(timezone.localdate(), 3)[:2]
    edges = [
        dt.datetime.combine(months[0].start, dt.time(0, 0), zone),  # first minute of the window
        dt.datetime.combine(months[0].end, dt.time(23, 59, 59), zone),  # last second of a month
        dt.datetime.combine(months[1].start, dt.time(0, 0), zone),  # the next month
        dt.datetime.combine(months[1].end + dt.timedelta(days=1), dt.time(0, 0), zone),  # after the window
        dt.datetime.combine(months[0].start, dt.time(0, 0), zone) - dt.timedelta(seconds=1),  # before it
    ]
    for moment in edges:
        Widget.objects.filter(pk=WidgetFactory(owner=head).pk).update(released_at=moment)
    released = Widget.objects.filter(released_at__isnull=False)
    assert kpis.counted(released, "released_at__date", months) == [2, 1]
    both = kpis.Period(months[0].start, months[1].end)
    assert kpis.counted(released, "released_at__date", [both, months[1]]) == [3, 1]
    inside = [released.filter(kpis.within("released_at__date", p.start, p.end)) for p in months]
    assert [found.count() for found in inside] == [2, 1]


@pytest.mark.django_db
def test_counts_and_sums_by_day_add_up_into_their_months(head, django_assert_num_queries):
    # Grouped by the day in SQL and added up by month here: several days make one month, a sum
    # over no rows of a day (None) adds nothing, and a month of only such rows sums to None.
    from django.db.models import Avg, Count, Q, Sum

    from tests.kernelapp.models import Widget

    months = kpis.Period.months_to(timezone.localdate(), 3)
    released = []
    for month, day, release in ((0, 1, True), (0, 15, True), (0, 28, False), (1, 2, False), (1, 2, False)):
        widget = WidgetFactory(owner=head)
        if release:
            record_transition(record=widget, name="release", by=head)
            released.append(widget.pk)
        Widget.objects.filter(pk=widget.pk).update(due_date=months[month].start.replace(day=day))
    aggregates = {"n": Count("pk"), "ids": Sum("pk", filter=Q(status="released"))}
    with django_assert_num_queries(1):
        found = kpis.per_period(Widget.objects.all(), "due_date", months, **aggregates)
    assert found == [{"n": 3, "ids": sum(released)}, {"n": 2, "ids": None}, {}]
    # What cannot be added up day by day is refused rather than added up wrong.
    for refused in (Avg("pk"), Count("owner", distinct=True)):
        with pytest.raises(TypeError):
            kpis.per_period(Widget.objects.all(), "due_date", months, n=refused)


@pytest.mark.django_db
def test_a_count_as_of_each_period_end_is_one_query(head, django_assert_num_queries):
    from django.db.models import Q

    from tests.kernelapp.models import Widget

    months = kpis.Period.months_to(timezone.localdate(), 3)
    for month in months:  # one widget due on the first day of each month
        Widget.objects.filter(pk=WidgetFactory(owner=head).pk).update(due_date=month.start)
    with django_assert_num_queries(1):
        due_by_then = kpis.at_each(Widget.objects.all(), months, lambda p: Q(due_date__lte=p.end))
    assert due_by_then == [1, 2, 3]
    assert kpis.at_each(Widget.objects.all(), [], lambda p: Q()) == []


@pytest.mark.django_db
def test_a_share_is_a_percentage_and_none_for_a_period_without_rows(head):
    from django.db.models import Q

    from tests.kernelapp.models import Widget

    record_transition(record=WidgetFactory(owner=head, title="A"), name="release", by=head)
    WidgetFactory(owner=head, title="B")
    months = kpis.Period.months_to(timezone.localdate(), 2)
    everything = Widget.objects.all()
    assert kpis.share(everything, "created_at__date", months, Q(status="released")) == [None, 50.0]
    whole = kpis.Period(months[0].start, months[1].end)
    assert kpis.share(everything, "created_at__date", [whole], Q(status="released")) == [50.0]


def test_a_measure_with_values_gives_its_series_from_them():
    calls = []

    def values(periods, subject=None):
        calls.append(len(periods))
        return [7] * len(periods)

    measure = kpis.Measure("x.y", "Y", "count", lambda p, subject=None: 0, values=values)
    assert measure.series(kpis.Period.months_to(dt.date(2026, 5, 1), 12)) == [7] * 12
    assert calls == [12]


# --- the inputs of a management review (9.3.2) -------------------------------------------------------


def _measure(clause: str, review_input: str = "") -> kpis.Measure:
    return kpis.Measure(
        f"t.{clause}", clause, "count", lambda p, subject=None: 0, clause=clause, review_input=review_input
    )


@pytest.mark.parametrize(
    "clause, expected",
    [
        ("8.4", "providers"),
        ("8.4.1", "providers"),
        ("7.1.5", "monitoring"),
        ("7.1.3", "resources"),
        ("7.2", "resources"),
        ("9.1.2", "customers"),
        ("9.2", "audits"),
        ("10.2", "nonconformities"),
        ("10.3", "improvement"),
        ("6.1", "risks"),
        ("8.5.1", "processes"),
        ("7.10", "processes"),  # not under 7.1: whole numbers, and no input names 7.10
        ("", "processes"),
    ],
)
def test_a_measure_feeds_the_input_its_clause_falls_under_most_closely(clause, expected):
    assert kpis.input_of(_measure(clause)) == expected


def test_a_measure_may_name_the_input_it_feeds():
    assert kpis.input_of(_measure("8.5", review_input="customers")) == "customers"
    assert kpis.input_of(_measure("8.4", review_input="no such input")) == "providers"


def test_every_input_of_9_3_2_is_declared_once_in_the_order_of_the_clause():
    keys = [i.key for i in kpis.REVIEW_INPUTS]
    assert len(keys) == len(set(keys)) == 12
    assert keys[0] == "previous_actions" and keys[-1] == "improvement"
    assert kpis.review_input("providers").clause == "9.3.2 c) 7)"


def test_an_installed_measure_is_found_among_those_feeding_its_input():
    measure = _measure("8.4.2")
    kpis.register(measure)
    try:
        assert measure in kpis.feeding("providers")
        assert measure not in kpis.feeding("audits")
    finally:
        kpis._measures.pop(measure.key)


@pytest.mark.django_db
def test_a_share_by_due_date_leaves_out_what_is_not_yet_due_and_not_yet_done(head):
    from django.db.models import Q

    from tests.kernelapp.models import Widget

    today = timezone.localdate()
    done = Q(status="released")
    for title, due, released in (
        ("done, due two days ago", -2, True),
        ("not done, due yesterday", -1, False),
        ("not done, due today", 0, False),
        ("not done, due in five days", 5, False),
        ("done early, due in five days", 5, True),
    ):
        widget = WidgetFactory(owner=head, title=title, due_date=today + dt.timedelta(days=due))
        if released:
            record_transition(record=widget, name="release", by=head)
    days = [kpis.Period(today - dt.timedelta(days=10), today + dt.timedelta(days=10))]
    everything = Widget.objects.all()
    assert kpis.share(everything, "due_date", days, done) == [40.0]  # every row, as a count of rows
    assert kpis.share(everything, "due_date", days, done, due=True) == [66.7]  # 2 done of 3 decided


@pytest.mark.django_db
def test_every_installed_measure_links_to_the_records_behind_it(dept):
    """Every number on the KPI dashboard and in a review's inputs opens the records behind it,
    for the whole company and for one department."""
    from django.urls import resolve

    month = kpis.Period.month(timezone.localdate())
    missing, broken = [], []
    for measure in kpis.measures():
        if measure.url is None:
            missing.append(measure.key)
            continue
        for subject in (None, dept):
            address = measure.url(month, subject=subject)
            try:
                resolve(address.split("?")[0])
            except Exception:  # noqa: BLE001 - any failure to resolve is the finding
                broken.append(f"{measure.key}: {address}")
    assert not missing, f"measures without the records behind them: {missing}"
    assert not broken, broken
