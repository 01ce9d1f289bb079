"""The competence gates: the kernel's "competence" gate answered by training, and the gates it
declares for other modules (inspection sign-off for a process, in-house calibration of an
instrument type), each refusing with a message that says what is missing, as of a date."""

import datetime as dt
from pathlib import Path

import pytest

from qms import gates
from tests.training import factories as f

pytestmark = pytest.mark.django_db


def check(name, on, **subject) -> list[str]:
    return [str(r) for r in gates.check(name, on=on, **subject)]


def test_training_answers_the_competence_gate_and_declares_two_more():
    answered = {gate.name: answered for gate, answered in gates.catalogue()}
    assert answered["competence"] and answered["inspection_signoff"] and answered["inhouse_calibration"]


def test_the_competence_gate_says_what_is_missing_on_that_date(hardening, zimmer, head):
    day = dt.date(2026, 3, 1)
    (none,) = check("competence", day, person=zimmer, competence=hardening)
    assert "Oliver Zimmer has no training record in Heat treatment" in none and "level 2 (qualified)" in none
    f.train(zimmer, hardening, 1, on=dt.date(2026, 2, 1), by=head)
    (low,) = check("competence", day, person=zimmer, competence=hardening)
    assert "holds Heat treatment: case-hardening furnace at level 1 (in training (supervised))" in low
    f.train(zimmer, hardening, 2, on=dt.date(2026, 2, 20), by=head)
    assert check("competence", day, person=zimmer.pk, competence=hardening.title) == []
    # Before the training it was not so; a year later it has expired.
    assert check("competence", dt.date(2026, 2, 10), person=zimmer, competence=hardening)
    (expired,) = check("competence", dt.date(2027, 3, 1), person=zimmer, competence=hardening)
    assert "expired on 20 Feb 2027" in expired
    (trainer,) = check("competence", day, person=zimmer, competence=hardening, level=3)
    assert "level 3 (can train and assess others) is needed" in trainer
    refusal = gates.check("competence", on=day, person=zimmer, competence=hardening, level=3)[0]
    assert refusal.checked and refusal.url == hardening.get_absolute_url()


def test_an_unknown_or_retired_competence_is_refused(zimmer, hardening, head):
    assert "no competence “Welding”" in check("competence", f.today(), person=zimmer, competence="Welding")[0]
    from qms.services import transition

    transition(obj=hardening, name="retire", by=head, reason="Furnace sold")
    assert "retired" in check("competence", f.today(), person=zimmer, competence=hardening)[0]


def test_inspection_sign_off_needs_every_sign_off_competence_of_the_process(dept, head, zimmer):
    process = f.process(dept, "Final inspection (OQC)")
    (refusal,) = gates.check("inspection_signoff", on=f.today(), person=zimmer, process=process)
    assert refusal.message == (
        "No competence in the catalogue authorises signing off inspection of Final inspection (OQC), "
        f"so {zimmer}'s sign-off cannot be told qualified: the quality manager adds one "
        "(“also authorises: signing off inspection”) to the competence catalogue."
    )
    assert refusal.url == "/training/competences/"
    visual = f.competence(
        dept, title="Final inspection: visual", process=process, authorises="inspection_signoff"
    )
    cmm = f.competence(dept, title="Final inspection: CMM", process=process, authorises="inspection_signoff")
    f.competence(dept, title="Packing", process=process)  # does not authorise sign-off
    f.train(zimmer, visual, 2, by=head)
    (missing,) = check("inspection_signoff", f.today(), person=zimmer, process=process)
    assert "Final inspection: CMM" in missing
    f.train(zimmer, cmm, 3, by=head)
    assert check("inspection_signoff", f.today(), person=zimmer, process=process.pk) == []


def test_in_house_calibration_of_an_instrument_type(dept, head, zimmer):
    assert (
        "“Micrometer”"
        in check("inhouse_calibration", f.today(), person=zimmer, instrument_type="Micrometer")[0]
    )
    micrometers = f.competence(
        dept,
        title="In-house calibration of micrometers",
        authorises="calibration",
        instrument_type="Micrometer",
    )
    assert check("inhouse_calibration", f.today(), person=zimmer, instrument_type="micrometer")
    f.train(zimmer, micrometers, 2, by=head)
    assert check("inhouse_calibration", f.today(), person=zimmer, instrument_type="Micrometer") == []


def test_the_declared_gates_are_documented_for_other_modules():
    guide = (Path(__file__).resolve().parents[2] / "docs" / "kernel.md").read_text()
    for name in ("inspection_signoff", "inhouse_calibration", '"competence"'):
        assert name in guide
