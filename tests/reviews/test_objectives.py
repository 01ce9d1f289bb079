"""Quality objectives (6.2): a target, a deadline, an owner and a measure — a KPI a module
registers, or a value the owner enters each month (a due item) — with a monthly trend against the
target and a status: on track, at risk, missed (met, no data yet)."""

import datetime as dt
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from capa.models import Nonconformity
from qms.due import registry
from reviews import services
from reviews.models import Objective, ObjectiveValue
from reviews.progress import progress_of
from tests.capa.factories import NonconformityFactory
from tests.helpers import field_error
from tests.reviews.conftest import days
from tests.reviews.factories import last_month, make_objective

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def enter(objective, owner, months_back: int, value) -> ObjectiveValue:
    return services.objective_value_enter(
        objective=objective, by=owner, month=last_month(months_back), value=Decimal(str(value))
    )


def status(objective) -> str:
    (progress,) = progress_of([Objective.objects.get(pk=objective.pk)])
    return progress.status


def test_an_entered_objective_is_on_track_while_its_latest_month_meets_the_target(head, client_for):
    objective = make_objective(owner=head, target=Decimal("85"))
    assert status(objective) == "no_data"
    # Judged on complete months: said so, not "no data" beside a figure for this month so far.
    page = client_for(head).get(objective.get_absolute_url()).content.decode()
    assert 'data-testid="objective-status">No month judged yet<' in page
    enter(objective, head, 2, 80)
    enter(objective, head, 1, 86)
    assert status(objective) == "on_track"
    services.objective_value_update(
        entry=objective.values.get(month=last_month(1)), by=head, value=Decimal("84")
    )
    assert status(objective) == "at_risk"


def test_past_its_deadline_an_objective_is_met_or_missed(head):
    deadline = last_month(1) + relativedelta(day=31)
    missed = make_objective(
        owner=head, title="On-time delivery 98 %", target=Decimal("98"), due_date=deadline
    )
    enter(missed, head, 1, 95)
    met = make_objective(
        owner=head, title="Scrap at most 2 %", target=Decimal("2"), better="lower", due_date=deadline
    )
    enter(met, head, 1, 1.5)
    assert status(missed) == "missed" and status(met) == "met"


def test_an_objective_on_a_kpi_reads_the_measure_a_module_registers(head, dept):
    objective = make_objective(
        owner=head,
        title="At most one complaint a month",
        target=Decimal("1"),
        measure_key="capa.complaints",
        unit="",
    )
    for _ in range(2):
        ncr = NonconformityFactory(owner=head, source="customer")
        Nonconformity.objects.filter(pk=ncr.pk).update(
            created_at=timezone.make_aware(dt.datetime.combine(last_month(1), dt.time(9)))
        )
    (progress,) = progress_of([objective])
    assert progress.values[-1] == 2 and progress.latest_month.start == last_month(1)
    assert progress.status == "at_risk"  # lower is better, as the measure says
    assert "/capa/ncr/?source=customer" in progress.urls[-1]
    assert objective.value_due_on is None  # nothing to enter for a KPI


def test_many_objectives_cost_the_same_queries_as_a_few(head, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(n):
        while Objective.objects.count() < n:
            o = make_objective(owner=head, measure_key="capa.ncrs" if Objective.objects.count() % 2 else "")
            if o.is_entered:
                enter(o, head, 1, 90)
        with CaptureQueriesContext(connection) as ctx:
            progress_of(list(Objective.objects.all()))
        return len(ctx.captured_queries)

    assert queries(2) == queries(12)


def test_the_owner_owes_each_months_value_as_a_due_item(head):
    objective = make_objective(owner=head)
    Objective.objects.filter(pk=objective.pk).update(created_at=timezone.now() - relativedelta(months=3))
    objective.refresh_from_db()
    enter(objective, head, 3, 80)  # first month in, the next is owed
    item = next(i for i in registry.for_user(head, days_ahead=60) if i.kind == "Objective value")
    assert item.due_date == last_month(2) + relativedelta(months=1, day=7)
    assert item.url == objective.get_absolute_url()


def test_a_month_is_entered_once_and_only_once_it_is_over(client_for, head):
    objective = make_objective(owner=head)
    client = client_for(head)
    url = f"/reviews/objectives/{objective.pk}/values/add/"
    response = client.post(url, {"value-month": TODAY.isoformat(), "value-value": "88"})
    assert response.status_code == 400 and "once the month is over" in field_error(response, "month")
    assert (
        client.post(url, {"value-month": last_month(1).isoformat(), "value-value": "88"}).status_code == 302
    )
    response = client.post(url, {"value-month": last_month(1).isoformat(), "value-value": "90"})
    assert response.status_code == 400 and "entered already" in field_error(response, "month")
    response = client.post(url, {"value-month": last_month(2).isoformat(), "value-value": "eighty"})
    assert response.status_code == 400 and "Enter a number" in field_error(response, "value")
    assert list(objective.values.values_list("value", flat=True)) == [Decimal("88")]


def objective_form(owner, dept, **overrides) -> dict:
    data = {
        "title": "Customer satisfaction at least 85 %",
        "measure_key": "",
        "target": "85",
        "unit": "%",
        "better": "higher",
        "owner": owner.pk,
        "department": dept.pk,
        "due_date": (TODAY + dt.timedelta(days=200)).isoformat(),
    }
    data.update(overrides)
    return data


def test_a_target_that_is_not_a_number_is_refused_beside_the_field(client_for, quality_manager, head, dept):
    response = client_for(quality_manager).post(
        "/reviews/objectives/new/", objective_form(head, dept, target="95 %")
    )
    assert "Enter a number" in field_error(response, "target")
    assert not Objective.objects.exists()


def test_top_management_sets_an_objective_for_a_head_who_then_owns_it(client_for, head, dept, staff):
    from qms.models import Role
    from tests.factories import UserFactory

    top = UserFactory(role=Role.TOP_MANAGEMENT, department=None)
    response = client_for(top).post(
        "/reviews/objectives/new/", objective_form(head, dept, measure_key="capa.ncrs")
    )
    assert response.status_code == 302
    objective = Objective.objects.get()
    assert objective.owner == head and objective.measure.label == "NCRs raised"
    assert client_for(staff).get("/reviews/objectives/new/").status_code == 403
    assert client_for(head).get("/reviews/objectives/new/").status_code == 403
    assert client_for(head).get(f"/reviews/objectives/{objective.pk}/edit/").status_code == 200


def test_the_objective_page_draws_its_trend_against_the_target(client_for, head):
    objective = make_objective(owner=head, target=Decimal("85"))
    enter(objective, head, 1, 87)
    page = client_for(head).get(objective.get_absolute_url()).content.decode()
    assert "<svg" in page and "Target 85%" in page
    assert 'data-testid="objective-status">On track<' in page


def test_a_measure_no_module_registers_any_more_is_named_as_such(head):
    objective = make_objective(owner=head, measure_key="capa.ncrs")
    Objective.objects.filter(pk=objective.pk).update(measure_key="retired.measure")
    objective.refresh_from_db()
    assert "no module measures it now" in objective.measure_label
    assert status(objective) == "no_data"


def test_an_entered_objective_says_which_way_is_good_and_a_share_stays_within_100(
    client_for, quality_manager, head, dept
):
    """ "Scrap below 2 %" saved as "at least 2 %" would be judged the wrong way round; −5 % or
    150 % is a typing error. Each is refused beside its field and nothing is saved."""
    data = {
        "title": "Scrap rate below 2 %",
        "target": "2",
        "unit": "%",
        "better": "",
        "owner": head.pk,
        "department": dept.pk,
        "due_date": days(200).isoformat(),
    }
    client = client_for(quality_manager)
    response = client.post(reverse("reviews:objective_create"), data)
    assert response.status_code == 400 and "which way is good" in field_error(response, "better")
    response = client.post(reverse("reviews:objective_create"), {**data, "better": "lower", "target": "120"})
    assert response.status_code == 400 and "from 0 to 100" in field_error(response, "target")
    assert not Objective.objects.exists()
    assert client.post(reverse("reviews:objective_create"), {**data, "better": "lower"}).status_code == 302

    objective = make_objective(owner=head, target=Decimal("95"), unit="%", better="higher")
    for value in (Decimal("-5"), Decimal("150")):
        with pytest.raises(ValidationError) as refused:
            services.objective_value_enter(objective=objective, by=head, month=last_month(), value=value)
        assert "from 0 to 100" in refused.value.message_dict["value"][0]
    assert not ObjectiveValue.objects.filter(objective=objective).exists()
