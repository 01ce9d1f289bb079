"""The risk register (6.1): scores on the company's scale (outside it refused beside the field,
nothing saved), re-assessments as the score's trend, the heat map whose every number opens its
risks, and the proposals live records make, accepted as a kernel link or dismissed with a reason."""

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

from audits import services
from audits.models import Proposal, Risk
from qms.models import RecordLink
from qms.services import record_transition
from qms.workflow import TransitionError
from tests.audits import factories as af
from tests.helpers import field_error
from tests.training import factories as tf

pytestmark = pytest.mark.django_db


@pytest.fixture
def furnace(other_dept):
    return af.process(other_dept, "Heat treatment")


def short_of_people(competence):
    """The training module raises the competence's coverage alarm (nobody qualified yet)."""
    from training import services as training

    training.alarms_refresh(competences=[competence])
    assert competence.alarms.filter(status="open").exists()
    return competence


def test_a_likelihood_outside_the_scale_is_refused_beside_the_field_and_nothing_saved(
    client_for, other_head, other_dept, furnace
):
    response = client_for(other_head).post(
        reverse("audits:risk_create"),
        {
            "title": "Furnace failure",
            "kind": "risk",
            "process": furnace.pk,
            "likelihood": 7,
            "severity": 3,
            "owner": other_head.pk,
            "department": other_dept.pk,
            "due_date": af.days(200),
        },
    )
    assert response.status_code == 400
    assert (
        "The likelihood is on the company&#x27;s scale of 1 to 5: 7 is outside it."
        in response.content.decode()
    )
    assert not Risk.objects.exists()


def test_a_head_records_risks_of_their_own_processes_reviewed_from_today(
    client_for, head, dept, other_head, other_dept, furnace, quality_manager
):
    """Another department's process, or a next review already past, is refused beside its field
    (its head could not re-assess such a risk; a risk born overdue means nothing); the quality
    manager records a risk of any process."""
    data = {
        "title": "Furnace failure",
        "kind": "risk",
        "process": furnace.pk,
        "likelihood": 3,
        "severity": 3,
        "owner": head.pk,
        "department": dept.pk,
        "due_date": af.days(200),
    }
    response = client_for(head).post(reverse("audits:risk_create"), data)
    assert response.status_code == 400 and "valid choice" in field_error(response, "process")
    response = client_for(other_head).post(
        reverse("audits:risk_create"),
        {**data, "owner": other_head.pk, "department": other_dept.pk, "due_date": af.days(-400)},
    )
    assert response.status_code == 400 and "past" in field_error(response, "due_date")
    assert not Risk.objects.exists()
    qm = {**data, "owner": other_head.pk, "department": other_dept.pk}
    assert client_for(quality_manager).post(reverse("audits:risk_create"), qm).status_code == 302


@override_settings(RISK_SCALE=3, RISK_THRESHOLD=6)
def test_the_company_sets_the_scale(other_head, furnace):
    with pytest.raises(ValidationError, match="1 to 3"):
        af.risk(process=furnace, owner=other_head, likelihood=4, severity=1)
    risk = af.risk(process=furnace, owner=other_head, likelihood=3, severity=2)
    assert risk.score == 6 and risk.above_threshold


def test_each_assessment_is_a_point_of_the_trend(client_for, other_head, furnace):
    risk = af.risk(process=furnace, owner=other_head, likelihood=2, severity=3)
    response = client_for(other_head).post(
        reverse("audits:risk_assess", args=[risk.pk]),
        {"likelihood": 4, "severity": 4, "note": "Sole operator"},
    )
    assert response.status_code == 302
    risk.refresh_from_db()
    assert (risk.likelihood, risk.severity, risk.score) == (4, 4, 16)
    assert list(risk.assessments.values_list("score", flat=True)) == [6, 16]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        page = client_for(other_head).get(risk.get_absolute_url()).content.decode()
    assert 'data-testid="trend"' in page and "<svg" in page
    assert ": 6</title>" in page and ": 16</title>" in page  # each assessment a point of the trend
    # The page reads the assessments once for its table and its trend (its History tab, which names
    # them too, is loaded when opened).
    read = [
        q["sql"] for q in ctx.captured_queries if q["sql"].startswith('SELECT "audits_riskassessment"."id"')
    ]
    assert len(read) == 1, read


def test_an_assessment_off_the_scale_changes_nothing(client_for, other_head, furnace):
    risk = af.risk(process=furnace, owner=other_head, likelihood=2, severity=3)
    response = client_for(other_head).post(
        reverse("audits:risk_assess", args=[risk.pk]), {"likelihood": 0, "severity": 4, "note": "x"}
    )
    assert response.status_code == 400
    assert "0 is outside it" in response.content.decode()
    assert Risk.objects.get(pk=risk.pk).score == 6 and risk.assessments.count() == 1


def test_staff_read_the_register_but_only_owners_heads_and_quality_change_a_risk(
    client_for, other_head, furnace, staff, other_staff
):
    risk = af.risk(process=furnace, owner=other_head)
    assert client_for(staff).get(risk.get_absolute_url()).status_code == 200
    assert client_for(other_staff).get(reverse("audits:risk_update", args=[risk.pk])).status_code == 403


def test_the_heat_map_counts_each_cell_and_links_it_to_its_risks(
    client_for, other_head, furnace, quality_manager
):
    af.risk(process=furnace, owner=other_head, likelihood=4, severity=5, title="Sole qualified person")
    af.risk(process=furnace, owner=other_head, likelihood=4, severity=5, title="Furnace controller")
    af.risk(process=furnace, owner=other_head, likelihood=1, severity=2, title="Quench oil")
    # An opportunity scored as high is no red risk: not in the map, nor behind its cell.
    chance = af.risk(process=furnace, owner=other_head, likelihood=4, severity=5, title="Second furnace")
    Risk.objects.filter(pk=chance.pk).update(kind=Risk.Kind.OPPORTUNITY)
    page = client_for(quality_manager).get(reverse("audits:overview")).content.decode()
    assert "/audits/risks/?likelihood=4&amp;severity=5&amp;status=active&amp;kind=risk" in page
    assert "Likelihood 4, Severity 5: 2" in page
    listed = client_for(quality_manager).get(
        reverse("audits:risk_list") + "?likelihood=4&severity=5&status=active&kind=risk"
    )
    html = listed.content.decode()
    assert "Sole qualified person" in html and "Furnace controller" in html
    assert "Quench oil" not in html and "Second furnace" not in html


# --- proposals -------------------------------------------------------------------------------------


def test_a_coverage_alarm_proposes_a_new_risk_to_the_head_of_the_process(other_dept, other_head, furnace):
    competence = tf.competence(
        other_dept, title="Heat treatment: case-hardening furnace", process=furnace, min_coverage=2
    )
    competence.alarms.update(status="cleared")  # raised when it was created, nobody holding it
    services.signals.from_coverage_alarm(competence_id=competence.pk)  # no alarm open: nothing to say
    assert not Proposal.objects.exists()
    short_of_people(competence)
    services.signals.from_coverage_alarm(competence_id=competence.pk)
    services.signals.from_coverage_alarm(competence_id=competence.pk)  # delivered twice: proposed once
    (proposal,) = Proposal.objects.all()
    assert proposal.kind == "coverage" and proposal.risk is None and proposal.process == furnace
    assert proposal.owner == other_head and proposal.source_reference == competence.reference


def test_accepting_a_new_risk_records_it_and_links_it_to_the_record_that_proposed_it(
    client_for, other_dept, other_head, furnace
):
    competence = short_of_people(
        tf.competence(other_dept, title="Heat treatment: case-hardening furnace", process=furnace)
    )
    services.signals.from_coverage_alarm(competence_id=competence.pk)
    proposal = Proposal.objects.get()
    url = reverse("audits:proposal_accept", args=[proposal.pk])
    refused = client_for(other_head).post(
        url, {"title": "Sole operator", "process": furnace.pk, "likelihood": 9, "severity": 5}
    )
    assert refused.status_code == 400 and not Risk.objects.exists()
    response = client_for(other_head).post(
        url,
        {
            "title": "Sole qualified person in heat treatment",
            "process": furnace.pk,
            "owner": other_head.pk,
            "likelihood": 4,
            "severity": 5,
            "note": "Zimmer alone",
        },
    )
    assert response.status_code == 302
    risk = Risk.objects.get()
    proposal.refresh_from_db()
    assert proposal.status == "accepted" and proposal.risk == risk and risk.score == 20
    assert RecordLink.objects.filter(source_id=competence.pk, target_id=risk.pk).exists()
    # The next alarm on the same competence is proposed to the linked risk, to be re-assessed.
    assert services.signals.linked_risks("training.competence", competence.pk) == [risk]


def test_a_proposal_for_a_new_risk_may_be_answered_by_a_risk_already_in_the_register(
    client_for, other_dept, other_head, furnace
):
    """The coverage alarm proposes a new risk, but heat treatment's sole operator is in the
    register already: accepting onto it re-assesses that risk and links it; nothing new recorded."""
    known = af.risk(process=furnace, owner=other_head, likelihood=3, severity=4, title="Sole operator")
    competence = short_of_people(tf.competence(other_dept, title="Case hardening", process=furnace))
    services.signals.from_coverage_alarm(competence_id=competence.pk)
    proposal = Proposal.objects.get(kind="coverage")
    assert proposal.risk is None
    url = reverse("audits:proposal_accept", args=[proposal.pk])
    assert (
        "A risk already in the register"
        in client_for(other_head).get(proposal.get_absolute_url()).content.decode()
    )
    response = client_for(other_head).post(url, {"existing": known.pk, "likelihood": 4, "severity": 5})
    assert response.status_code == 302
    proposal.refresh_from_db()
    known.refresh_from_db()
    assert proposal.status == "accepted" and proposal.risk == known and known.score == 20
    assert Risk.objects.count() == 1
    assert RecordLink.objects.filter(source_id=competence.pk, target_id=known.pk).exists()


def test_a_dismissal_needs_a_reason(other_dept, other_head, furnace):
    competence = short_of_people(tf.competence(other_dept, process=furnace))
    services.signals.from_coverage_alarm(competence_id=competence.pk)
    proposal = Proposal.objects.get()
    with pytest.raises(TransitionError):
        record_transition(record=proposal, name="dismiss", by=other_head)
    record_transition(
        record=proposal, name="dismiss", by=other_head, reason="Second operator qualifies Friday"
    )
    assert Proposal.objects.get().status == "dismissed"


def test_a_capa_affecting_risks_proposes_a_link_to_each_risk_it_names(other_head, furnace, head, dept):
    from tests.capa.factories import CapaFactory

    risk = af.risk(process=furnace, owner=other_head)
    capa = CapaFactory(owner=head, department=dept)
    services.signals.from_capa(capa_id=capa.pk, note=f"Raise {risk.reference.lower()}: sole operator.")
    (proposal,) = Proposal.objects.all()
    assert proposal.risk == risk and proposal.owner == other_head and proposal.kind == "capa"
    record_transition(record=proposal, name="accept", by=other_head, likelihood=5, severity=4, note="Agreed")
    assert RecordLink.objects.filter(source_id=capa.pk, target_id=risk.pk).exists()
    assert Risk.objects.get(pk=risk.pk).score == 20


def test_closing_a_capa_saying_risks_must_change_reaches_the_register(
    client_for, head, capa_in_verification, quality_manager
):
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client_for(head).post(
            reverse("capa:capa_close", args=[capa_in_verification.pk]),
            {
                "close-risks_change": "yes",
                "close-risks_note": "Supplier risk of Stahlhandel Nord is higher.",
                "close-documents_change": "no",
                "close-reason": "Verified.",
            },
        )
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.source_reference == capa_in_verification.reference
    assert proposal.text == "Supplier risk of Stahlhandel Nord is higher." and proposal.risk is None


def test_a_supplier_change_and_an_out_of_tolerance_gauge_propose_new_risks_when_nothing_is_linked(
    monkeypatch, quality_manager, dept
):
    from django.test import TestCase

    from qms import events

    # The suppliers and calibration modules are not installed here: the events are declared as
    # they will be, for this test only.
    for name, payload in (
        ("suppliers.change_opened", ("change_id", "supplier_id")),
        ("calibration.out_of_tolerance", ("instrument_id", "event_id")),
    ):
        monkeypatch.setitem(events._types, name, events.EventType(name, "test", payload))

    with TestCase.captureOnCommitCallbacks(execute=True):
        events.publish("suppliers.change_opened", change_id=7, supplier_id=3)
        events.publish("calibration.out_of_tolerance", instrument_id=12, event_id=40)
    kinds = dict(Proposal.objects.values_list("kind", "text"))
    assert "supplier #3" in kinds["supplier_change"]
    assert "instrument #12 out of tolerance" in kinds["out_of_tolerance"]
    assert Proposal.objects.filter(risk=None, owner=quality_manager).count() == 2


def test_ncrs_repeating_in_one_department_propose_a_risk_once(other_dept, other_head, furnace):
    from tests.capa.factories import NonconformityFactory

    for n in range(3):
        NonconformityFactory(owner=other_head, department=other_dept, title=f"Hardness low {n}")
    assert services.signals.repeated_ncrs() == 1
    assert services.signals.repeated_ncrs() == 0
    proposal = Proposal.objects.get()
    assert proposal.kind == "repeated_ncr" and proposal.process == furnace  # the department's one process
    assert "3 NCRs in Production" in proposal.title
