"""Preventive maintenance: done under a plan moves its due date; a postponement needs a reason and
the head's approval, beyond the plan's limit the quality manager's; the original due date stays
in the history; postponements count; overdue maintenance fails the kernel gate."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from calibration import kpis, services
from calibration.models import Postponement
from qms import gates
from qms.due import registry
from qms.kpis import Period
from qms.services import transition
from qms.workflow import TransitionError
from tests.calibration import factories as f

pytestmark = pytest.mark.django_db


def test_maintenance_done_moves_the_plan_by_its_interval_and_keeps_the_checklist(dept, head, staff):
    machine = f.machine(dept, counter_unit="hours", counter_value=1000)
    plan = f.plan(machine, interval_days=30, interval_counter=500, responsible=staff)
    results = {"Check spindle run-out": "done", "Replace spindle oil": "not_ok"}
    event = services.maintenance_record(
        machine=machine,
        plan=plan,
        by=staff,
        done_on=f.days(-1),
        done_by=staff,
        work_done="Serviced",
        checklist_results=results,
        counter_reading=1200,
        downtime_hours=2,
    )
    plan.refresh_from_db()
    machine.refresh_from_db()
    assert plan.next_due == f.days(29) and plan.next_due_counter == 1700 and plan.last_done_on == f.days(-1)
    assert machine.counter_value == 1200
    assert event.checklist_results == {**results, "Clean coolant filter": "not recorded"}


def test_a_postponement_needs_a_later_date_and_a_reason(dept, head, staff):
    plan = f.plan(f.machine(dept), responsible=staff)
    with pytest.raises(ValidationError) as raised:
        services.postponement_request(plan=plan, by=staff, new_due=plan.next_due, reason=" ")
    assert set(raised.value.message_dict) == {"new_due", "reason"}
    assert not plan.postponements.exists()


def test_the_head_approves_a_postponement_and_the_original_due_date_is_kept(dept, head, staff):
    plan = f.plan(f.machine(dept), responsible=staff, next_due=f.days(3))
    row = services.postponement_request(plan=plan, by=staff, new_due=f.days(10), reason="Backlog")
    plan.refresh_from_db()
    assert plan.next_due == f.days(3)  # nothing moves before approval
    transition(obj=row, name="approve", by=head)
    plan.refresh_from_db()
    row.refresh_from_db()
    assert plan.next_due == f.days(10) and row.original_due == f.days(3) and row.decided_by == head
    assert "Postponed from" in plan.history.first().history_change_reason


def test_staff_cannot_approve_a_postponement(dept, head, staff):
    plan = f.plan(f.machine(dept), responsible=head)
    row = services.postponement_request(
        plan=plan, by=head, new_due=plan.next_due + dt.timedelta(days=5), reason="x"
    )
    with pytest.raises(PermissionDenied):
        transition(obj=row, name="approve", by=staff)


def test_beyond_the_plan_limit_only_the_quality_manager_approves(dept, head, staff, quality_manager):
    plan = f.plan(f.machine(dept), responsible=staff, postponement_limit=14)
    row = services.postponement_request(
        plan=plan, by=staff, new_due=plan.next_due + dt.timedelta(days=20), reason="x"
    )
    with pytest.raises(TransitionError, match="only the quality manager"):
        transition(obj=row, name="approve", by=head)
    row.refresh_from_db()
    assert row.status == "requested"
    transition(obj=row, name="approve", by=quality_manager)
    plan.refresh_from_db()
    assert plan.next_due == row.new_due


def test_postponements_in_a_row_count_from_the_first_due_date_against_the_limit(
    dept, head, staff, quality_manager
):
    """Three postponements of ten days each leave the maintenance thirty days late: the second
    one is past the plan's limit of 14 days and needs the quality manager."""
    plan = f.plan(f.machine(dept), responsible=staff, next_due=f.days(3), postponement_limit=14)
    first = services.postponement_request(plan=plan, by=staff, new_due=f.days(13), reason="Backlog")
    transition(obj=first, name="approve", by=head)
    plan.refresh_from_db()
    second = services.postponement_request(plan=plan, by=staff, new_due=f.days(23), reason="Still backlog")
    assert second.original_due == f.days(3) and second.days == 20 and second.beyond_limit
    with pytest.raises(TransitionError, match="only the quality manager"):
        transition(obj=second, name="approve", by=head)
    transition(obj=second, name="approve", by=quality_manager)
    plan.refresh_from_db()
    assert plan.next_due == f.days(23)


def test_overdue_maintenance_fails_the_gate_and_is_a_due_item_of_the_responsible(dept, head, staff):
    machine = f.machine(dept)
    plan = f.plan(machine, responsible=staff, next_due=f.days(-2))
    refusals = gates.check("maintenance_in_order", on=f.today(), machine=machine)
    assert any("Spindle maintenance was overdue" in r.message for r in refusals)
    assert gates.check("maintenance_in_order", on=f.days(-3), machine=machine) == []
    items = [i for i in registry.for_user(staff) if i.key == f"calibration.maintenanceplan:{plan.pk}"]
    assert items and items[0].due_date == f.days(-2)


def test_maintenance_running_on_an_approved_postponement_fails_the_gate_from_its_first_due_date(
    dept, head, staff
):
    """The spindle was due on the 26th and postponed, approved: the lots made after the 26th
    were "clear" although "postponed maintenance is a cause waiting to happen"."""
    machine = f.machine(dept)
    plan = f.plan(machine, responsible=staff, next_due=f.days(3), postponement_limit=30)
    row = services.postponement_request(plan=plan, by=staff, new_due=f.days(10), reason="Backlog")
    transition(obj=row, name="approve", by=head)
    assert gates.check("maintenance_in_order", on=f.days(2), machine=machine) == []
    refusals = gates.check("maintenance_in_order", on=f.days(5), machine=machine)
    assert [r.message for r in refusals] == [
        f"{machine.asset_number} {machine.title}: Spindle maintenance ran on a postponement "
        f"(due {f.days(3):%-d %b %Y}, postponed to {f.days(10):%-d %b %Y})."
    ]


def test_a_postponement_asked_is_on_the_heads_my_work_until_it_is_decided(dept, head, staff):
    """A requested postponement appeared on nobody's list: the head who decides it never heard."""
    plan = f.plan(f.machine(dept), responsible=staff, next_due=f.days(3), postponement_limit=30)
    row = services.postponement_request(plan=plan, by=staff, new_due=f.days(10), reason="Backlog")
    items = [i for i in registry.for_user(head) if i.key == f"calibration.postponement:{row.pk}"]
    assert [(i.due_date, i.title, i.url) for i in items] == [
        (f.days(3), "Spindle maintenance: postponement asked", plan.get_absolute_url() + "#postponements")
    ]
    transition(obj=row, name="approve", by=head)
    assert not [i for i in registry.for_user(head) if i.key.startswith("calibration.postponement:")]


def test_a_machine_out_of_service_fails_the_gate(dept, head):
    machine = f.machine(dept)
    transition(obj=machine, name="take_out", by=head, reason="Crash")
    assert gates.check("maintenance_in_order", on=f.today(), machine=machine)


def test_postponements_count_per_month_as_a_kpi(dept, head, staff):
    plan = f.plan(f.machine(dept), responsible=staff)
    for _ in range(2):
        plan.refresh_from_db()
        row = services.postponement_request(
            plan=plan, by=staff, new_due=plan.next_due + dt.timedelta(days=3), reason="x"
        )
        transition(obj=row, name="approve", by=head)
    assert Postponement.objects.filter(status="approved").count() == 2
    assert kpis.postponement_values([Period.month(f.today())]) == [2]
    assert kpis.postponement_values([Period.month(f.today())], subject=dept) == [2]


def test_a_counter_never_runs_backwards(dept, head):
    machine = f.machine(dept, counter_unit="cycles", counter_value=500)
    with pytest.raises(ValidationError):
        services.counter_read(machine=machine, by=head, counter_value=400)
    services.counter_read(machine=machine, by=head, counter_value=900)
    machine.refresh_from_db()
    assert machine.counter_value == 900


def test_a_counter_read_backwards_is_refused_where_it_was_typed(client_for, dept, head):
    """The message sat inside the folded "Read the counter": the section opens on it."""
    from django.urls import reverse

    machine = f.machine(dept, counter_unit="cycles", counter_value=500)
    response = client_for(head).post(
        reverse("calibration:machine_counter", args=[machine.pk]), {"counter_value": 100}
    )
    html = response.content.decode()
    assert response.status_code == 400 and "backwards" in html
    section = html[html.rindex("<details", 0, html.index('data-testid="counter-form"')) :]
    assert section.startswith('<details class="mb-2" open>')


def test_a_postponement_offers_approve_only_to_who_may_approve_it(
    client_for, dept, head, staff, quality_manager
):
    """Approve was offered to the head who asked, and to a head beyond the plan's limit, and then
    refused: now the page offers it only to who may (the head may still refuse it)."""
    plan = f.plan(f.machine(dept), responsible=staff, postponement_limit=14)
    own = services.postponement_request(
        plan=plan, by=head, new_due=plan.next_due + dt.timedelta(days=5), reason="x"
    )
    assert "approve" not in [t.name for t in own.workflow.buttons(own, head)]
    assert "approve" in [t.name for t in own.workflow.buttons(own, quality_manager)]
    with pytest.raises(TransitionError, match="their own postponement"):
        transition(obj=own, name="approve", by=head)
    transition(obj=own, name="refuse", by=quality_manager, reason="Not now")
    far = services.postponement_request(
        plan=plan, by=staff, new_due=plan.next_due + dt.timedelta(days=40), reason="y"
    )
    assert [t.name for t in far.workflow.buttons(far, head)] == ["refuse"]
    page = client_for(head).get(far.get_absolute_url()).content.decode()
    assert 'value="refuse"' in page and 'value="approve"' not in page


def test_the_quality_manager_does_not_approve_their_own_postponement_either(
    dept, head, staff, quality_manager, top
):
    """The quality manager asked to postpone the coolant change and approved it herself: the head
    approves it, and beyond the limit (where only the quality manager may) top management."""
    plan = f.plan(f.machine(dept), responsible=staff, postponement_limit=14)
    near = services.postponement_request(
        plan=plan, by=quality_manager, new_due=plan.next_due + dt.timedelta(days=5), reason="Parts late"
    )
    assert "approve" not in [t.name for t in near.workflow.buttons(near, quality_manager)]
    with pytest.raises(TransitionError, match="their own postponement"):
        transition(obj=near, name="approve", by=quality_manager)
    assert not near.workflow.buttons(near, top)  # within the limit: the head's to decide
    transition(obj=near, name="approve", by=head)
    far = services.postponement_request(
        plan=plan, by=quality_manager, new_due=plan.next_due + dt.timedelta(days=60), reason="Backlog"
    )
    assert [t.name for t in far.workflow.buttons(far, head)] == ["refuse"]
    assert [t.name for t in far.workflow.buttons(far, top)] == ["approve", "refuse"]
    transition(obj=far, name="approve", by=top)
    far.refresh_from_db()
    assert far.status == "approved" and far.decided_by == top


def test_a_repairs_downtime_past_a_year_is_refused_beside_it(dept, head):
    from calibration.forms import RepairForm

    form = RepairForm(data={"downtime_hours": "99999"}, parent=f.machine(dept), user=head)
    form.is_valid()
    assert any("At most 8,760 hours" in e for e in form.errors["downtime_hours"])
