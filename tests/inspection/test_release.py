"""Release of a production lot: each of the seven checks on and off, "not checked" for a gate no
module answers, deviations signed by the quality manager, the checks kept as they stood."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from documents.models import Revision
from inspection import services
from inspection.models import InspectionPlan
from inspection.release import checks_for
from qms import gates
from qms.gates import Refusal
from qms.models import Department, Role
from qms.services import child_add, record_transition, record_update, transition
from qms.workflow import TransitionError
from tests.documents.factories import DocumentFactory, issue
from tests.factories import UserFactory
from tests.inspection import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def answer(monkeypatch):
    """Answer a gate in this test only (as the module that knows would)."""

    def _answer(name, fn):
        monkeypatch.setitem(gates._answers, name, fn)

    return _answer


def _finished(lot):
    record_transition(record=lot, name="finish", by=f.qm())
    lot.refresh_from_db()
    return lot


@pytest.fixture
def ready():
    """A finished lot with a full final inspection accepted: nothing to refuse."""
    plan = f.plan()
    lot = f.lot(quantity=1000)
    f.decide(f.inspect(lot, plan_=plan, on=f.today()))
    return _finished(lot)


def state(lot, key):
    return {c.key: c for c in checks_for(lot)}[key]


def test_a_clean_lot_releases_and_keeps_its_checks_as_they_stood(ready):
    services.lot_release(lot=ready, by=f.qm())
    ready.refresh_from_db()
    assert ready.status == "released"
    assert [c["key"] for c in ready.release_checks] == [
        "supplier_change",
        "drawing",
        "schedule",
        "competence",
        "maintenance",
        "gauges",
        "sampling",
    ]
    assert {c["key"]: c["state"] for c in ready.release_checks}["sampling"] == "clear"


def test_the_lots_history_says_the_checks_were_recorded_without_dumping_them(ready):
    from qms.history import history_rows

    services.lot_release(lot=ready, by=f.qm())
    (release,) = [r for r in history_rows(ready) if r["why"] == "Released"]
    shown = {c["field"]: c["summary"] for c in release["changes"]}
    assert shown["release checks"] == "recorded (7 items)"


def test_a_gate_no_module_answers_shows_not_checked_and_does_not_block(ready, monkeypatch):
    monkeypatch.delitem(gates._answers, "maintenance_in_order", raising=False)
    ready.machine = f.machine()
    ready.save(update_fields=["machine"])
    check = state(ready, "maintenance")
    assert check.state == "not_checked"
    assert "Not checked" in check.findings[0].message
    services.lot_release(lot=ready, by=f.qm())


def test_supplier_change_open_on_the_lots_dates_refuses_release(ready, answer):
    asked = []

    def open_change(*, on, supplier, part, delivered_on):
        asked.append((on, supplier.pk, part, delivered_on))
        return [Refusal(f"Change notification for {part} open on {on}.", "/suppliers/changes/1/")]

    answer("supplier_change_open", open_change)
    receipt = f.receipt(part="BAR-42", quantity=100)
    ready.status = "open"
    ready.save(update_fields=["status"])
    services.material_use_add(lot=ready, by=f.qm(), receipt=receipt, quantity=10)
    ready = _finished(ready)
    assert state(ready, "supplier_change").state == "failed"
    assert asked[0] == (ready.started_on, receipt.supplier_id, "BAR-42", receipt.received_on)
    with pytest.raises(ValidationError, match="Supplier changes evaluated"):
        services.lot_release(lot=ready, by=f.qm())
    answer("supplier_change_open", lambda **kw: [])
    assert state(ready, "supplier_change").state == "clear"


def test_work_to_a_superseded_drawing_revision_refuses_release():
    engineer = f.engineer()
    drawing = DocumentFactory(owner=engineer, department=engineer.department)
    old = issue(drawing, f.qm())
    issue(drawing, f.qm(), summary="Tighter bore")
    plan = f.plan()
    lot = f.lot(revision=old, started=f.today())
    f.decide(f.inspect(lot, plan_=plan))
    lot = _finished(lot)
    check = state(lot, "drawing")
    assert check.state == "failed"
    assert "was not the effective revision" in check.findings[0].message
    current = f.lot(revision=drawing.revisions.get(status="effective"), started=f.today())
    assert state(current, "drawing").state == "clear"


def test_a_delivery_date_changed_without_an_approved_schedule_change_refuses_release(ready):
    ready.status = "open"
    ready.save(update_fields=["status"])
    record_update(record=ready, by=f.qm(), reason="Customer phoned", delivery_date=f.days(20))
    record_update(record=ready, by=f.qm(), reason="Customer phoned again", delivery_date=f.days(10))
    check = state(ready, "schedule")
    assert check.state == "failed"
    assert "without an approved schedule change" in check.findings[0].message
    # Recorded after the fact (the form said "That is the date already planned": a dead end),
    # from the date it replaced, and approved: the check is settled.
    ready.refresh_from_db()
    change = services.schedule_change_propose(
        lot=ready, by=f.qm(), field="delivery_date", new_date=f.days(10), reason="Customer phoned again"
    )
    assert (change.old_date, change.new_date) == (f.days(20), f.days(10))
    head = UserFactory(role=Role.DEPARTMENT_HEAD, department=ready.department)
    Department.objects.filter(pk=ready.department_id).update(head=head)
    transition(obj=change, name="approve", by=head)
    assert state(ready, "schedule").state == "clear"
    with pytest.raises(ValidationError, match="already planned"):  # recorded once
        services.schedule_change_propose(
            lot=ready, by=f.qm(), field="delivery_date", new_date=f.days(10), reason="Again"
        )


def test_a_schedule_change_recorded_and_approved_clears_the_check(ready):
    record_update(record=ready, by=f.qm(), reason="Planned at order", delivery_date=f.days(20))
    ready.refresh_from_db()
    # Setting the first date is not a change; moving it is.
    change = services.schedule_change_propose(
        lot=ready, by=f.qm(), field="delivery_date", new_date=f.days(10), reason="Customer call of Monday"
    )
    assert state(ready, "schedule").state == "failed"  # proposed, not approved
    assert "approve" not in [t.name for t in change.workflow.buttons(change, f.qm())]
    with pytest.raises(TransitionError, match="Nobody approves their own schedule change"):
        transition(obj=change, name="approve", by=f.qm())  # who proposed it
    head = UserFactory(role=Role.DEPARTMENT_HEAD, department=ready.department)
    Department.objects.filter(pk=ready.department_id).update(head=head)
    transition(obj=change, name="approve", by=head)
    ready.refresh_from_db()
    assert ready.delivery_date == f.days(10)
    assert state(ready, "schedule").state == "clear"


def test_a_schedule_change_proposed_is_on_the_heads_my_work_until_it_is_decided(ready):
    """A proposed change sat on the lot's page, on nobody's list, while its head could approve it."""
    from qms.due import registry

    record_update(record=ready, by=f.qm(), reason="Planned at order", delivery_date=f.days(20))
    ready.refresh_from_db()
    head = UserFactory(role=Role.DEPARTMENT_HEAD, department=ready.department)
    Department.objects.filter(pk=ready.department_id).update(head=head)
    change = services.schedule_change_propose(
        lot=ready, by=f.qm(), field="delivery_date", new_date=f.days(10), reason="Customer call of Monday"
    )
    (item,) = [i for i in registry.for_user(head) if i.key == f"inspection.schedulechange:{change.pk}"]
    assert item.due_date == f.days(10)  # the sooner of 20 and 10 days
    assert item.title == f"Schedule change of lot {ready.lot_number} to decide"
    assert item.url == ready.get_absolute_url() + "#schedule"
    transition(obj=change, name="approve", by=head)
    assert not [i for i in registry.for_user(head) if i.key.startswith("inspection.schedulechange:")]


def test_sales_proposes_the_customers_new_date_and_the_head_decides(ready, client_for):
    """The customer's date change reaches sales first: lwagner got 403 on the lot's form."""
    from django.urls import reverse

    sales = UserFactory(role=Role.DEPARTMENT_HEAD, department=f.department("SALES", "Sales"))
    page = client_for(sales).get(ready.get_absolute_url()).content.decode()
    assert 'data-testid="schedule-form"' in page  # offered to them
    response = client_for(sales).post(
        reverse("inspection:schedule_change_add", args=[ready.pk]),
        {"field": "delivery_date", "new_date": f.days(12).isoformat(), "reason": "Customer call of 3 March"},
    )
    assert response.status_code == 302
    change = ready.schedule_changes.get()
    assert change.requested_by == sales and change.status == "proposed"
    assert str(change) == f"Customer delivery date: — → {f.days(12):%-d %b %Y}"  # not 2026-12-10
    with pytest.raises(PermissionDenied):
        transition(obj=change, name="approve", by=sales)  # not theirs to decide


def test_an_operator_without_the_competence_on_the_lots_dates_refuses_release(ready):
    from tests.training import factories as t

    competence = t.competence(ready.department, by=f.qm())
    operator = t.person(ready.department)
    ready.status = "open"
    ready.competence = competence
    ready.save(update_fields=["status", "competence"])
    child_add(model=ready.operators.model, by=f.qm(), lot=ready, person=operator)
    assert state(ready, "competence").state == "failed"
    t.train(operator, competence, level=2, on=f.days(-30))
    assert [x for x in state(ready, "competence").findings if x.checked] == []


def test_overdue_maintenance_refuses_release(ready, answer):
    ready.machine = f.machine()
    ready.save(update_fields=["machine"])
    answer(
        "maintenance_in_order", lambda *, on, machine: [Refusal(f"{machine} maintenance overdue on {on}.")]
    )
    assert state(ready, "maintenance").state == "failed"
    answer("maintenance_in_order", lambda *, on, machine: [])
    assert state(ready, "maintenance").state == "clear"


def test_a_gauge_unusable_on_the_inspection_date_refuses_release(ready, answer):
    inspection = ready.inspections.get()
    gauge = f.gauge()
    from inspection.models import GaugeUse

    GaugeUse.objects.create(inspection=inspection, instrument=gauge)
    seen = []

    def lapsed(*, on, instrument):
        seen.append(on)
        return [Refusal(f"{instrument} was overdue for calibration on {on}.", instrument.get_absolute_url())]

    answer("instrument_usable", lapsed)
    assert state(ready, "gauges").state == "failed"
    assert seen == [inspection.inspected_on]
    answer("instrument_usable", lambda *, on, instrument: [])
    assert state(ready, "gauges").state == "clear"


def test_a_sample_below_iso_2859_refuses_release():
    plan = f.plan(aql="0.65")
    lot = f.lot(quantity=100_000)
    f.decide(f.inspect(lot, plan_=plan, sample=2))
    lot = _finished(lot)
    check = state(lot, "sampling")
    assert check.state == "failed"
    assert "2 inspected of a lot of 100,000; ISO 2859-1 requires 500" in check.findings[0].message


def test_a_rejected_lot_accepted_on_re_inspection_releases_and_its_rejection_stays_on_record():
    plan = f.plan()
    # Inspected two days ago, so in production since then, to a drawing effective before.
    lot = f.lot(quantity=1000, started=f.days(-2))
    Revision.objects.filter(pk=lot.drawing_revision_id).update(effective_date=f.days(-30))
    rejected = f.decide(f.inspect(lot, plan_=plan, nonconforming=50, on=f.days(-2)))
    assert rejected.status == "rejected"
    lot = _finished(lot)
    check = state(lot, "sampling")
    assert check.state == "failed" and f"{rejected.reference} rejected the lot." in check.findings[0].message
    # Another original inspection accepting it does not answer the rejection: the lot was not resubmitted.
    f.decide(f.inspect(lot, plan_=plan, on=f.days(-1)))
    assert f"{rejected.reference} rejected the lot." in [x.message for x in state(lot, "sampling").findings]
    # Reworked, resubmitted and accepted on re-inspection at the same stage: nothing left to refuse.
    again = services.inspection_create(
        by=f.qm(), plan=plan, inspector=f.qm(), inspected_on=f.today(), lot_size=1000, lot=lot, original=False
    )
    services.inspection_update(inspection=again, by=f.qm(), sample_size=again.required_sample)
    f.decide(f.covered(again))
    assert state(lot, "sampling").state == "clear"
    services.lot_release(lot=lot, by=f.qm())
    lot.refresh_from_db()
    assert lot.status == "released" and rejected.status == "rejected"


def test_a_plan_not_reassessed_after_a_change_refuses_release_until_reassessed(ready):
    plan = ready.inspections.get().plan
    services.plan_change_record(
        plan=plan, by=f.qm(), kind="process", changed_on=f.days(-1), what="New fixture"
    )
    check = state(ready, "sampling")
    assert check.state == "failed"
    assert "not re-assessed since" in check.findings[0].message
    services.plan_reassess(plan=plan, by=f.qm(), note="Level II kept, AQL 1.0 confirmed")
    assert state(ready, "sampling").state == "clear"


def test_a_new_drawing_revision_asks_for_reassessment_of_the_plans_made_from_it():
    engineer = f.engineer()
    drawing = DocumentFactory(owner=engineer, department=engineer.department)
    issue(drawing, f.qm())
    plan = f.plan(drawing=drawing)
    services.plan_reassess(plan=plan, by=f.qm(), note="First assessment")
    revision = issue(drawing, f.qm(), summary="Rev B")
    services.plan_changes_for_revision(revision_id=revision.pk, document_id=drawing.pk)
    services.plan_changes_for_revision(revision_id=revision.pk, document_id=drawing.pk)  # twice: once
    assert plan.changes.count() == 1


def test_a_supplier_change_notification_asks_for_reassessment_of_that_suppliers_plans(
    django_capture_on_commit_callbacks,
):
    from suppliers import services as supplier_services

    supplier = f.supplier("Stahl Nord")
    bars = f.plan(stage="iqc", part="BAR-42", supplier_=supplier)
    tubes = f.plan(stage="iqc", part="TUBE-7", supplier_=supplier)
    other = f.plan(stage="iqc", part="BAR-42", supplier_=f.supplier("Kranz Rohr"))
    for plan in (bars, tubes, other):
        services.plan_reassess(plan=plan, by=f.qm(), note="First assessment")
    InspectionPlan.objects.update(reassessed_on=f.days(-30))  # assessed a month ago
    with django_capture_on_commit_callbacks(execute=True):
        change = supplier_services.change_create(
            by=f.qm(),
            supplier=supplier,
            kind="material",
            source="goods_in",
            description="Other mill's marking on the bars.",
            received_on=f.today(),
            affected_parts="BAR-42 Ø40",
            owner=f.qm(),
            department=f.qm().department,
        )
    services.plan_changes_for_supplier_change(change_id=change.pk, supplier_id=supplier.pk)  # twice: once
    assert [c.kind for c in bars.changes.all()] == ["supplier"]
    assert change.reference in bars.changes.get().what
    assert not tubes.changes.exists() and not other.changes.exists()
    bars.refresh_from_db()
    assert bars.pending_change() is not None  # "sampling not re-assessed since …"


# --- deviations ---


def test_the_quality_manager_accepts_a_finding_with_a_signed_reason_and_the_lot_releases(password):
    plan = f.plan(aql="0.65")
    lot = _finished_inspected_below()
    with pytest.raises(ValidationError):
        services.lot_release(lot=lot, by=f.qm())
    services.deviation_accept(
        lot=lot, by=f.qm(), check="sampling", reason="Customer agreed in writing", password=password
    )
    assert state(lot, "sampling").state == "accepted"
    services.lot_release(lot=lot, by=f.qm())
    lot.refresh_from_db()
    snapshot = {c["key"]: c for c in lot.release_checks}
    assert snapshot["sampling"]["state"] == "accepted"
    assert plan  # the plan stays as it was
    # The deviation reads as release names the check, on the lot's page and in the audit pack.
    from django.template.loader import render_to_string

    from inspection.audit import releases
    from inspection.release import CHECK_TITLES

    deviation = lot.deviations.get()
    assert deviation.check_title == CHECK_TITLES["sampling"] != "sampling"
    section = releases(user=f.qm(), date_from=f.days(-1), date_to=f.today())
    [(_, listed)] = section["released"]
    assert listed == [deviation] and str(deviation) == CHECK_TITLES["sampling"]
    # The lot's history names the deviation once: "Release deviation: <check>".
    from qms.history import history_rows

    parts = [r["part"] for r in history_rows(lot, f.qm()) if r["is_child"]]
    assert f"Release deviation: {CHECK_TITLES['sampling']}" in parts
    assert not [p for p in parts if "Deviation:" in p]  # not "Release deviation: Deviation: …"
    html = render_to_string("inspection/audit_release.html", section)
    assert f"{CHECK_TITLES['sampling']}: Customer agreed in writing" in html and "sampling:" not in html


def _finished_inspected_below():
    plan = f.plan(aql="0.65", part="H-221")
    lot = f.lot(quantity=100_000, part="H-221")
    f.decide(f.inspect(lot, plan_=plan, sample=2))
    return _finished(lot)


def test_a_wrong_password_signs_nothing():
    lot = _finished_inspected_below()
    with pytest.raises(ValidationError) as exc:
        services.deviation_accept(lot=lot, by=f.qm(), check="sampling", reason="Agreed", password="wrong")
    assert "password" in exc.value.message_dict
    assert not lot.deviations.exists()


def test_only_the_quality_manager_accepts_a_deviation(password):
    lot = _finished_inspected_below()
    with pytest.raises(PermissionDenied):
        services.deviation_accept(
            lot=lot, by=f.qc_inspector(), check="sampling", reason="Agreed", password=password
        )


def test_a_deviation_covers_only_the_finding_it_was_signed_for(password):
    lot = _finished_inspected_below()
    services.deviation_accept(lot=lot, by=f.qm(), check="sampling", reason="Agreed", password=password)
    plan = lot.inspections.get().plan
    services.plan_change_record(plan=plan, by=f.qm(), kind="supplier", changed_on=f.today(), what="New bar")
    assert state(lot, "sampling").state == "failed"


def test_quality_control_may_release_and_production_may_not(ready):
    from tests.factories import UserFactory

    production = UserFactory(department=f.department("PROD", "Production"))
    assert not services.may_release(production, ready)
    assert services.may_release(f.qc_inspector(), ready)


def test_a_released_lot_ships_and_the_shipment_marks_it_shipped(ready):
    services.lot_release(lot=ready, by=f.qm())
    shipment = f.shipment()
    services.shipment_line_add(shipment=shipment, by=f.qm(), lot=ready, quantity=ready.quantity)
    record_transition(record=shipment, name="ship", by=f.qm())
    ready.refresh_from_db()
    shipment.refresh_from_db()
    assert ready.status == "shipped" and shipment.shipped_on == f.today()


def _measured_with(lot, gauge, *, on):
    """A finished lot whose final inspection on ``on`` used ``gauge``."""
    inspection = f.inspect(lot, plan_=f.plan(), on=on)
    services.gauge_use_add(inspection=inspection, by=f.qm(), instrument=gauge)
    return _finished(f.decide(inspection).lot), inspection


def _reinspected(lot, plan):
    """The lot resubmitted and accepted on re-inspection today, measured with a calibrated gauge."""
    again = services.inspection_create(
        by=f.qm(), plan=plan, inspector=f.qm(), inspected_on=f.today(), lot_size=1000, lot=lot, original=False
    )
    services.inspection_update(inspection=again, by=f.qm(), sample_size=again.required_sample)
    again.refresh_from_db()
    services.gauge_use_add(inspection=f.covered(again), by=f.qm(), instrument=f.gauge())
    return f.decide(again)


def _found_out_of_tolerance(gauge, *, since):
    from calibration.services import assessment_open

    return assessment_open(instrument=gauge, by=f.qm(), until=f.today(), since=since)


def test_a_gauge_found_out_of_tolerance_later_holds_what_it_measured_until_each_item_is_decided():
    from calibration.services import item_decide

    gauge = f.gauge()
    lot, inspection = _measured_with(f.lot(quantity=1000), gauge, on=f.today())
    assert state(lot, "gauges").state == "clear"
    assessment = _found_out_of_tolerance(gauge, since=f.days(-1))
    item = assessment.items.get()  # found by where-used: the final inspection of the lot
    assert item.reference == inspection.reference
    check = state(lot, "gauges")
    assert check.state == "failed"
    assert check.findings[0].message == (
        f"{assessment.reference} ({gauge.tag} was found out of tolerance on {f.today():%-d %b %Y}): "
        f"{item} waits for a decision"
    )
    assert check.findings[0].url == assessment.get_absolute_url() + "#items"
    with pytest.raises(ValidationError, match="Gauges usable"):
        services.lot_release(lot=lot, by=f.qm())
    item_decide(affecteditem=item, by=f.qm(), decision="hold", reason="Held for re-inspection")
    assert "is on hold: Held for re-inspection" in state(lot, "gauges").findings[0].message
    item_decide(affecteditem=item, by=f.qm(), decision="no_impact", reason="Re-measured: in tolerance")
    assert state(lot, "gauges").state == "clear"
    services.lot_release(lot=lot, by=f.qm())


def test_a_lot_named_by_hand_in_an_assessment_is_held_by_its_decision():
    from calibration.services import item_add

    lot, _ = _measured_with(f.lot(quantity=1000), f.gauge(), on=f.today())
    other = f.gauge()  # not recorded on the inspection: the quality engineer knows it was used
    assessment = _found_out_of_tolerance(other, since=f.days(-30))
    item_add(
        assessment=assessment,
        by=f.qm(),
        what="Final inspection",
        reference=f"Lot {lot.lot_number.upper()}",
        decision="recall",
        reason="Measured with the worn micrometer",
    )
    check = state(lot, "gauges")
    assert check.state == "failed"
    assert check.findings[0].message.endswith(
        f"Final inspection Lot {lot.lot_number.upper()} is recalled: Measured with the worn micrometer"
    )


def test_a_lot_to_be_re_inspected_is_settled_by_a_re_inspection_accepted_since_the_finding():
    from calibration.services import item_add

    plan = f.plan()
    lot = f.lot(quantity=1000, started=f.days(-2))
    first = f.inspect(lot, plan_=plan, on=f.days(-2))
    services.gauge_use_add(inspection=first, by=f.qm(), instrument=f.gauge(on=f.days(-30)))
    f.decide(first)
    lot = _finished(lot)
    assessment = _found_out_of_tolerance(f.gauge(), since=f.days(-30))
    item_add(
        assessment=assessment,
        by=f.qm(),
        what="Final inspection",
        reference=f"lot no. {lot.lot_number}",  # as someone types it
        decision="reinspect",
        reason="Bore measured near the limit",
    )
    assert "is to be re-inspected" in state(lot, "gauges").findings[0].message
    _reinspected(lot, plan)
    assert state(lot, "gauges").state == "clear"


def test_a_measurement_in_an_assessments_period_that_it_does_not_list_is_not_assessed():
    gauge = f.gauge(on=f.days(-30))
    assessment = _found_out_of_tolerance(gauge, since=f.days(-10))
    assert not assessment.items.exists()  # nothing measured with it yet when it was opened
    lot, _ = _measured_with(
        f.lot(quantity=1000, started=f.days(-2)), gauge, on=f.days(-2)
    )  # recorded afterwards
    check = state(lot, "gauges")
    assert [x.message for x in check.findings] == [
        f"{assessment.reference}: {gauge.tag} was found out of tolerance on {f.today():%-d %b %Y}; "
        f"its measurement of {f.days(-2):%-d %b %Y} is not assessed."
    ]
    # Measured before the period the assessment covers (since the last good calibration): it stands.
    before, _ = _measured_with(f.lot(quantity=1000, started=f.days(-12)), gauge, on=f.days(-12))
    assert state(before, "gauges").state == "clear"


def test_a_lapsed_gauge_no_longer_refuses_once_the_lot_is_re_inspected_and_accepted():
    plan = f.plan()
    lot = f.lot(quantity=1000, started=f.days(-1))
    first = f.inspect(lot, plan_=plan, on=f.days(-1))
    services.gauge_use_add(inspection=first, by=f.qm(), instrument=f.uncalibrated_gauge())
    f.decide(first)
    lot = _finished(lot)
    assert state(lot, "gauges").state == "failed"  # the fix it names: re-inspect with a calibrated gauge
    _reinspected(lot, plan)
    assert state(lot, "gauges").state == "clear"


def test_the_deviation_form_offers_only_the_checks_that_refuse_the_release(client_for, password):
    """It listed all seven, the clear and the accepted ones too: now only those refusing the lot,
    and a clear one posted is refused beside the field, nothing signed."""
    from django.urls import reverse

    from inspection.forms import DeviationForm
    from inspection.release import checks_for

    lot = _finished_inspected_below()
    refused = {c.key for c in checks_for(lot) if c.blocks}
    assert "sampling" in refused and len(refused) < 7
    offered = {key for key, _ in DeviationForm(parent=lot, user=f.qm()).fields["check"].choices}
    assert offered == refused
    clear = next(c.key for c in checks_for(lot) if c.state == "clear")
    response = client_for(f.qm()).post(
        reverse("inspection:productionlot_deviation", args=[lot.pk]),
        {"check": clear, "reason": "Agreed", "password": password},
    )
    assert response.status_code == 400 and "needs no deviation" in response.content.decode()
    assert not lot.deviations.exists()


def test_an_inspection_is_signed_off_under_its_plans_process_not_the_one_that_made_the_lot():
    """The demo's every lot was refused at check 4: its inspector holds "Final inspection and
    release", which authorises signing off the final inspection process, but the check asked for
    a competence of CNC turning (the lot's process). A plan with no process falls back on it."""
    from inspection.models import InspectionPlan
    from inspection.release import checks_for
    from tests.training import factories as tf

    qc, production = f.department("QC", "Quality control"), f.department("PROD", "Production")
    turning, final = tf.process(production, "CNC turning"), tf.process(qc, "Final inspection (OQC)")
    signoff = tf.competence(
        qc, title="Final inspection and release", process=final, authorises="inspection_signoff"
    )
    inspector = f.qc_inspector()
    tf.file_of(inspector)
    tf.train(inspector, signoff, 2, on=f.days(-30))

    def competence_messages(plan_process):
        plan = f.plan(part="H-230")
        InspectionPlan.objects.filter(pk=plan.pk).update(process=plan_process)
        plan.refresh_from_db()
        lot = f.lot(part="H-230", process=turning)
        f.inspect(lot, plan_=plan, by=inspector)
        check = next(c for c in checks_for(lot) if c.key == "competence")
        messages = [finding.message for finding in check.findings]
        record_transition(record=plan, name="retire", by=f.qm(), reason="Next case")
        return messages

    assert competence_messages(final) == []
    assert any("signing off inspection of CNC turning" in m for m in competence_messages(None))


def _ncr_raised_from(record, title="Burr in the cross bore"):
    """An NCR raised from ``record`` (linked to it, as the page's "Raise an NCR" does)."""
    from qms.services import link_add
    from tests.capa.factories import NonconformityFactory

    ncr = NonconformityFactory(owner=f.qm(), department=record.department, title=title)
    link_add(source=ncr, target=record, by=f.qm())
    return ncr


def test_a_lot_an_ncr_without_disposition_names_is_neither_released_nor_shipped(ready, client_for):
    """Katrin raised an NCR from the lot; the quality manager accepted the other checks and
    released it, and it shipped: nothing looked at the open NCR."""
    from capa.services import ncr_disposition

    ncr = _ncr_raised_from(ready)
    with pytest.raises(ValidationError) as refused:
        services.lot_release(lot=ready, by=f.qm())
    said = refused.value.message_dict["note"][0]
    assert (
        said.startswith("Release refused: ")
        and f"{ncr.reference} “Burr in the cross bore” has no disposition" in said
    )
    page = client_for(f.qm()).get(ready.get_absolute_url()).content.decode()
    assert "Held: this lot may be neither released nor shipped." in page and ncr.reference in page
    assert 'data-testid="release-form"' not in page  # not offered only to be refused
    ncr_disposition(ncr=ncr, by=f.qm(), disposition="concession", note="Deburred; customer agreed")
    services.lot_release(lot=ready, by=f.qm())  # the decision made, the lot goes on
    ready.refresh_from_db()
    assert ready.status == "released"
    assert "Held:" not in client_for(f.qm()).get(ready.get_absolute_url()).content.decode()

    # An NCR from one of its inspections raised after the release holds it from delivery.
    late = _ncr_raised_from(ready.inspections.get(), title="Wrong surface finish found on retained samples")
    shipment = f.shipment()
    with pytest.raises(ValidationError) as refused:
        services.shipment_line_add(shipment=shipment, by=f.qm(), lot=ready, quantity=ready.quantity)
    assert (
        f"Lot {ready.lot_number} may not be shipped: {late.reference}" in refused.value.message_dict["lot"][0]
    )


def test_a_lot_recalled_by_a_gauge_assessment_after_its_release_does_not_ship(client_for):
    """Paul decided Recall for the lot's inspection; the warehouse was still offered the lot and
    shipped it."""
    from calibration.services import item_decide

    gauge = f.gauge()
    lot, inspection = _measured_with(f.lot(quantity=1000), gauge, on=f.today())
    services.lot_release(lot=lot, by=f.qm())
    shipment = f.shipment()
    services.shipment_line_add(shipment=shipment, by=f.qm(), lot=lot, quantity=lot.quantity)
    assessment = _found_out_of_tolerance(gauge, since=f.days(-1))
    for item in assessment.items.all():  # where-used found the inspection and the shipment
        decision = "recall" if item.reference == inspection.reference else "no_impact"
        item_decide(
            affecteditem=item, by=f.qm(), decision=decision, reason="Bore measured with the worn gauge"
        )
    with pytest.raises(TransitionError, match=f"Lot {lot.lot_number} may not be shipped: .* is recalled"):
        record_transition(record=shipment, name="ship", by=f.qm())
    shipment.refresh_from_db()
    assert shipment.status == "draft"
    page = client_for(f.qm()).get(lot.get_absolute_url()).content.decode()
    assert "Held: this lot may be neither released nor shipped." in page


def test_a_shipment_being_packed_shows_each_lot_held_since_its_release_and_why(client_for):
    """The warehouse packed three released lots; since then a gauge assessment recalled one and
    an NCR was raised on another. The shipment's page read "Released" for all three until Ship
    refused. Now each held line says so, with why and where to decide it, under a warning; the
    page asks once for all its lots (no statement run twice), and the shipped delivery shows
    what it shipped."""
    from calibration.services import item_decide
    from tests.qms.test_route_walker import read_twice, request

    gauge = f.gauge()
    recalled, inspection = _measured_with(f.lot(quantity=1000), gauge, on=f.today())
    with_ncr, _ = _measured_with(f.lot(quantity=1000), gauge, on=f.today())
    clean, _ = _measured_with(f.lot(quantity=1000), f.gauge(), on=f.today())
    shipment = f.shipment()
    for lot in (recalled, with_ncr, clean):
        services.lot_release(lot=lot, by=f.qm())
        services.shipment_line_add(shipment=shipment, by=f.qm(), lot=lot, quantity=lot.quantity)
    client = client_for(f.qm())
    page = client.get(shipment.get_absolute_url()).content.decode()
    assert 'data-testid="shipment-held"' not in page and page.count("<td>Released</td>") == 3

    assessment = _found_out_of_tolerance(gauge, since=f.days(-1))
    for item in assessment.items.all():
        decision = "recall" if item.reference == inspection.reference else "no_impact"
        item_decide(
            affecteditem=item, by=f.qm(), decision=decision, reason="Bore measured with the worn gauge"
        )
    ncr = _ncr_raised_from(with_ncr, title="Burr found on retained samples")
    response = request(client, "GET", shipment.get_absolute_url())
    page = response.content.decode()
    assert 'data-testid="shipment-held"' in page
    assert "This shipment cannot ship: 2 lots in it are held." in page
    lines = page.split('data-testid="shipment-lines"')[1].split("</table>")[0]
    rows = {
        lot: next(r for r in lines.split("<tr>") if lot.lot_number in r)
        for lot in (recalled, with_ncr, clean)
    }
    assert "Held" in rows[recalled] and "is recalled: Bore measured with the worn gauge" in rows[recalled]
    assert f'href="{assessment.get_absolute_url()}#items"' in rows[recalled]
    assert "Held" in rows[with_ncr] and f'href="{ncr.get_absolute_url()}"' in rows[with_ncr]
    assert ncr.reference not in rows[recalled] and "Held" not in rows[clean] and "Released" in rows[clean]
    assert not read_twice(response.statements)

    # Removed from the shipment, the held lots no longer stop it; it ships and shows what it shipped.
    from qms.services import child_remove

    for line in shipment.lines.exclude(lot=clean):
        child_remove(child=line, by=f.qm(), reason="Held: stays behind")
    record_transition(record=shipment, name="ship", by=f.qm())
    page = client.get(shipment.get_absolute_url()).content.decode()
    assert 'data-testid="shipment-held"' not in page and "<td>Shipped</td>" in page


def test_an_ncr_naming_the_lot_by_its_reference_or_in_a_list_holds_it(ready):
    """Sofia typed the lot's reference, and another time two lot numbers, into an NCR's lot field:
    neither held the lot, which was released with both undecided."""
    from tests.capa.factories import NonconformityFactory

    for typed in (ready.reference, f"24-0001, {ready.lot_number}", f"{ready.lot_number.lower()} / 24-0002"):
        ncr = NonconformityFactory(owner=f.qm(), department=ready.department, lot=typed)
        with pytest.raises(ValidationError, match=ncr.reference):
            services.lot_release(lot=ready, by=f.qm())
        NonconformityFactory._meta.model.objects.filter(pk=ncr.pk).update(status="closed")
    near = NonconformityFactory(owner=f.qm(), department=ready.department, lot=f"{ready.lot_number}7")
    services.lot_release(lot=ready, by=f.qm())  # another lot whose number begins the same
    assert near.status == "open"
