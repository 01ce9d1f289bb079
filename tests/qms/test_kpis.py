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
