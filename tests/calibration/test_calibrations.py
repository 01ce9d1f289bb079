"""Calibrations: results as found and as left, next due, the out-of-tolerance assessment, the
cascade through reference standards, and bad input refused with nothing changed."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from calibration import selectors, services
from calibration.models import ImpactAssessment, Instrument
from qms import gates
from qms.services import transition
from qms.workflow import TransitionError
from tests.calibration import factories as f

pytestmark = pytest.mark.django_db


def test_a_calibration_in_tolerance_sets_the_next_due_date_from_the_interval(dept, head):
    gauge = f.instrument(dept, interval_value=6, interval_unit="months")
    calibration = f.calibrate(gauge, on=f.days(-3), found="25.001")
    gauge.refresh_from_db()
    assert calibration.as_found_ok and calibration.as_left_ok
    assert gauge.last_calibrated_on == f.days(-3)
    assert gauge.due_date == gauge.next_due_from(f.days(-3))
    assert gauge.status == "in_service"
    assert gates.check("instrument_usable", on=f.today(), instrument=gauge) == []


def test_an_as_found_failure_quarantines_and_opens_an_impact_assessment_due_in_ten_days(dept, head):
    gauge = f.instrument(dept)
    good = f.calibrate(gauge, on=f.days(-300))
    failed = f.calibrate(gauge, found="25.004", left="25.000")
    gauge.refresh_from_db()
    assert failed.as_found_ok is False and failed.as_left_ok is True
    assert gauge.status == "quarantined"
    assessment = ImpactAssessment.objects.get(instrument=gauge)
    assert assessment.calibration == failed
    assert assessment.period_from == good.calibrated_on
    assert assessment.due_date == f.days(10)
    refusals = gates.check("instrument_usable", on=f.today(), instrument=gauge)
    assert any("quarantined" in r.message for r in refusals)


def test_a_gauge_quarantined_today_was_usable_on_a_day_before_it_entered_the_register(dept, head):
    """A bore gauge entered with its past calibration and quarantined this morning: an inspection
    of last month said it "is quarantined (7 Nov)", its state of today read into that day."""
    from qms.services import record_transition

    gauge = f.instrument(dept)
    f.calibrate(gauge, on=f.days(-60))
    gauge.refresh_from_db()
    record_transition(record=gauge, name="quarantine", by=head, reason="Dropped on the floor")
    type(gauge).history.filter(id=gauge.pk).update(history_date=timezone.now())  # all of it entered today
    assert gates.check("instrument_usable", on=f.days(-30), instrument=gauge) == []
    refusals = gates.check("instrument_usable", on=f.today(), instrument=gauge)
    assert [r.message for r in refusals] == [
        f"{gauge.tag} {gauge.title} is quarantined ({f.today():%-d %b %Y})."
    ]


def test_the_instrument_stays_quarantined_until_its_assessment_is_closed(dept, head):
    gauge = f.instrument(dept)
    f.calibrate(gauge, on=f.days(-300))
    f.calibrate(gauge, found="25.004", left="25.000")
    gauge.refresh_from_db()
    with pytest.raises(TransitionError, match="still open"):
        transition(obj=gauge, name="release", by=head, reason="Looks fine")
    assessment = gauge.assessments.get()
    with pytest.raises(TransitionError, match="List what was measured"):
        transition(obj=assessment, name="close", by=head)
    item = services.item_add(assessment=assessment, by=head, what="Final inspection", reference="LOT-7")
    with pytest.raises(TransitionError, match="wait for a decision"):
        transition(obj=assessment, name="close", by=head)
    services.item_decide(
        affecteditem=item, by=head, decision="reinspect", reason="Shafts measured near the limit"
    )
    transition(obj=assessment, name="close", by=head)
    gauge.refresh_from_db()
    assert gauge.status == "in_service"


def test_an_assessment_deciding_a_recall_closes_once_an_ncr_tracks_it(dept, head):
    """Items set to "Recall" and "Notify the customer", and the assessment closed with no NCR,
    no action, no due item: the gauge back in service and the recall nowhere."""
    from qms.services import link_raised
    from tests.capa.factories import NonconformityFactory

    gauge = f.instrument(dept)
    f.calibrate(gauge, on=f.days(-300))
    f.calibrate(gauge, found="25.004", left="25.000")
    assessment = gauge.assessments.get()
    for reference, decision in (("SHP-7", "notify_customer"), ("LOT-7", "recall")):
        item = services.item_add(assessment=assessment, by=head, what="Shipment", reference=reference)
        services.item_decide(affecteditem=item, by=head, decision=decision, reason="Shipped with the gauge")
    with pytest.raises(
        TransitionError, match="2 affected item\\(s\\) are to be recalled or their customer notified"
    ):
        transition(obj=assessment, name="close", by=head)
    ncr = NonconformityFactory(owner=head, title="Lots measured with an out-of-tolerance gauge")
    link_raised(record=ncr, source=assessment, by=head)
    transition(obj=assessment, name="close", by=head)
    assessment.refresh_from_db()
    assert assessment.status == "closed"


def test_the_out_of_tolerance_event_is_published(dept, head, django_capture_on_commit_callbacks):
    from qms import events

    received = []
    events.subscribe("calibration.out_of_tolerance", lambda **kw: received.append(kw))
    gauge = f.instrument(dept)
    with django_capture_on_commit_callbacks(execute=True):
        failed = f.calibrate(gauge, found="25.004", left="25.000")
    assert {"instrument_id": gauge.pk, "event_id": failed.pk} in received


def test_the_cascade_flags_every_instrument_down_three_levels(dept, head, quality_manager):
    """Master gauge blocks → working gauge blocks → setting ring → bore gauge: the master found out
    of tolerance makes all three below suspect, each with its own assessment opened by the one
    above it, and the master's page shows the chain."""
    master = f.calibrated(dept, on=f.days(-400), is_reference_standard=True, type_name="Gauge block set")
    working = f.instrument(dept, is_reference_standard=True, type_name="Gauge block set")
    f.calibrate(working, on=f.days(-200), standards=[master])
    ring = f.instrument(dept, is_reference_standard=True, type_name="Setting ring")
    f.calibrate(ring, on=f.days(-150), standards=[working])
    bore = f.instrument(dept, type_name="Bore gauge")
    f.calibrate(bore, on=f.days(-100), standards=[ring])
    unrelated = f.calibrated(dept, on=f.days(-100))

    f.calibrate(master, found="25.003", left="25.000")

    for gauge in (working, ring, bore):
        gauge.refresh_from_db()
        assert gauge.suspect
        assert gauge.assessments.get().cause == "suspect"
        assert any(
            "suspect" in r.message for r in gates.check("instrument_usable", on=f.today(), instrument=gauge)
        )
    unrelated.refresh_from_db()
    assert not unrelated.suspect and not unrelated.assessments.exists()
    master_assessment = master.assessments.get()
    working_assessment = working.assessments.get()
    ring_assessment = ring.assessments.get()
    assert working_assessment.origin == master_assessment
    assert ring_assessment.origin == working_assessment and ring_assessment.standard == working
    assert bore.assessments.get().origin == ring_assessment
    # Each assessment lists, through where-used, what was calibrated against its instrument.
    assert list(master_assessment.items.values_list("reference", flat=True)) == [working.tag]
    assert list(ring_assessment.items.values_list("reference", flat=True)) == [bore.tag]
    chain = selectors.chain(master, quality_manager)
    (top,) = chain
    assert [n.assessment.instrument for n in top.children] == [working]
    assert [n.assessment.instrument for n in top.children[0].children] == [ring]
    assert [n.assessment.instrument for n in top.children[0].children[0].children] == [bore]


def test_a_calibration_before_the_last_good_one_of_the_standard_is_not_suspect(dept, head):
    master = f.calibrated(dept, on=f.days(-400), is_reference_standard=True)
    early = f.instrument(dept)
    f.calibrate(early, on=f.days(-300), standards=[master])
    f.calibrate(master, on=f.days(-200))  # good: the window starts here
    late = f.instrument(dept)
    f.calibrate(late, on=f.days(-100), standards=[master])
    f.calibrate(master, found="25.003", left="25.000")
    early.refresh_from_db()
    late.refresh_from_db()
    assert not early.suspect and late.suspect


def test_a_suspect_instrument_calibrated_again_is_usable(dept, head):
    master = f.calibrated(dept, on=f.days(-400), is_reference_standard=True)
    good_master = f.calibrated(dept, on=f.days(-5), is_reference_standard=True)
    gauge = f.instrument(dept)
    f.calibrate(gauge, on=f.days(-100), standards=[master])
    f.calibrate(master, found="25.003", left="25.000")
    gauge.refresh_from_db()
    assert gauge.suspect
    f.calibrate(gauge, standards=[good_master])
    gauge.refresh_from_db()
    assert not gauge.suspect


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"calibrated_on": f.days(1)}, "calibrated_on", "future"),
        ({"calibrated_on": f.days(-500)}, "calibrated_on", "cannot be earlier"),
        ({"source": "internal", "performed_by": None}, "performed_by", "Name the technician"),
        ({"lab": None}, "lab", "Name the laboratory"),
        ({"humidity": 500}, "humidity", "less than or equal to 100"),
        ({"humidity": -5}, "humidity", "greater than or equal to 0"),
        ({"temperature": 2000}, "temperature", "less than or equal to 150"),
    ],
)
def test_bad_calibration_input_is_refused_beside_its_field(dept, head, fields, field, message):
    gauge = f.instrument(dept, source="external")
    f.calibrate(gauge, on=f.days(-100))
    data = {"calibrated_on": f.today(), "source": "external", "lab": gauge.lab, "certificate_number": "X"}
    data.update(fields)
    if data["source"] == "internal":
        data.pop("lab")
    before = gauge.calibrations.count()
    with pytest.raises(ValidationError) as raised:
        services.calibration_add(instrument=gauge, by=head, **data)
    assert message in " ".join(raised.value.message_dict[field])
    assert gauge.calibrations.count() == before


def test_an_inhouse_technician_must_pass_the_competence_gate(dept, head, staff):
    gauge = f.instrument(dept, type_name="Caliper")
    with pytest.raises(ValidationError) as raised:
        services.calibration_add(
            instrument=gauge, by=head, calibrated_on=f.today(), source="internal", performed_by=staff
        )
    assert "Caliper" in " ".join(raised.value.message_dict["performed_by"])


def test_an_instrument_cannot_be_its_own_standard_directly_or_through_a_loop(dept, head):
    a = f.calibrated(dept, on=f.days(-50), is_reference_standard=True)
    b = f.instrument(dept, is_reference_standard=True)
    f.calibrate(b, on=f.days(-20), standards=[a])
    b.refresh_from_db()
    draft = f.calibrate(a, complete=False)
    with pytest.raises(ValidationError, match="its own reference standard"):
        services.standard_add(calibration=draft, by=head, standard=a)
    with pytest.raises(ValidationError, match="loop"):
        services.standard_add(calibration=draft, by=head, standard=b)
    assert draft.standards.count() == 0


def test_only_an_instrument_kept_as_a_reference_standard_calibrates_others(dept, head):
    """A production caliper was accepted as the reference of another gauge's calibration."""
    caliper = f.calibrated(dept, on=f.days(-30))
    draft = f.calibrate(f.instrument(dept), complete=False)
    with pytest.raises(ValidationError, match="not marked as a reference standard"):
        services.standard_add(calibration=draft, by=head, standard=caliper)
    assert draft.standards.count() == 0


def test_an_overdue_standard_cannot_be_used_to_calibrate(dept, head):
    old = f.calibrated(dept, on=f.days(-800), is_reference_standard=True)
    draft = f.calibrate(f.instrument(dept), complete=False)
    with pytest.raises(ValidationError, match="overdue"):
        services.standard_add(calibration=draft, by=head, standard=old)


def test_a_completed_calibration_takes_no_more_points(dept, head):
    calibration = f.calibrate(f.instrument(dept))
    with pytest.raises(ValidationError):
        services.point_add(
            calibration=calibration,
            by=head,
            nominal=Decimal(1),
            lower_limit=Decimal(0),
            upper_limit=Decimal(2),
            as_found=Decimal(1),
        )


def test_the_test_uncertainty_ratio_warns_under_four_to_one(dept, head):
    calibration = f.calibrate(f.instrument(dept), uncertainty="0.0006")  # span 0.004 / 0.0012 = 3.3
    point = calibration.points.get()
    assert point.tur_low and round(point.tur, 1) == Decimal("3.3")
    fine = f.calibrate(f.instrument(dept), uncertainty="0.0002").points.get()
    assert not fine.tur_low


def test_an_instrument_never_calibrated_is_not_usable(dept, head):
    gauge = f.instrument(dept)
    assert Instrument.objects.with_standing().get(pk=gauge.pk).standing == "overdue"
    assert gates.check("instrument_usable", on=f.today(), instrument=gauge)


def test_each_calibration_says_the_due_date_it_answered(dept):
    """A new gauge is due the day it is registered; the certificate it arrived with, dated before,
    answered no due date (it said "was due" today, after it was made); the next one answered the
    first's next due date."""
    gauge = f.instrument(dept, interval_value=6, interval_unit="months")
    arrived = f.calibrate(gauge, on=f.days(-60))
    assert arrived.due_on is None
    gauge.refresh_from_db()
    next_one = f.calibrate(gauge, on=f.days(0))
    assert next_one.due_on == arrived.next_due
    # Registered a week ago and calibrated today: it answered its registration day, late.
    late = f.instrument(dept)
    Instrument.objects.filter(pk=late.pk).update(due_date=f.days(-7))
    late.refresh_from_db()
    assert f.calibrate(late, on=f.days(0)).due_on == f.days(-7)
