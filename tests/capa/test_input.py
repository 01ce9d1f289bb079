"""Bad input everywhere: a clear message beside the field, status 400, nothing stored."""

import datetime as dt

import pytest
from django.urls import reverse

from capa import services
from capa.models import Action, Capa, ContainmentAction, Discipline, FishboneCause, Nonconformity, Why
from qms.workflow import TransitionError
from tests.capa.conftest import days
from tests.helpers import field_error

pytestmark = pytest.mark.django_db


def stored() -> tuple:
    return tuple(
        m.objects.count()
        for m in (Nonconformity, Capa, Action, ContainmentAction, Why, FishboneCause, Discipline)
    ) + tuple(m.history.count() for m in (Capa, Nonconformity, Action))


CAPA_CASES = [
    ("capa:containment_add", {}, ["description", "owner", "due_date"]),
    (
        "capa:containment_add",
        {
            "containment-description": "Sort",
            "containment-owner": "999999",
            "containment-due_date": "2026-02-30",
        },
        ["owner", "due_date"],
    ),
    (
        "capa:containment_add",
        {"containment-description": "Sort", "containment-due_date": "2001-01-01"},
        ["due_date"],
    ),
    ("capa:why_add", {"why-answer": "   "}, ["answer"]),
    ("capa:cause_add", {"cause-category": "money", "cause-description": ""}, ["category", "description"]),
    ("capa:cause_add", {"cause-category": "machine", "cause-description": "x" * 301}, ["description"]),
    (
        "capa:capa_root_cause",
        {"rootcause-root_cause": "", "rootcause-cause_category": "luck"},
        ["root_cause", "cause_category"],
    ),
    ("capa:capa_discipline", {"discipline-discipline": "D9", "discipline-text": ""}, ["discipline", "text"]),
    (
        "capa:action_add",
        {"action-kind": "magic", "action-title": "", "action-owner": "abc", "action-due_date": "tomorrow"},
        ["kind", "title", "owner", "due_date"],
    ),
    (
        "capa:action_add",
        {"action-kind": "corrective", "action-title": "Fix", "action-due_date": "1999-12-31"},
        ["owner", "due_date"],
    ),
]


@pytest.mark.parametrize("url_name, data, fields", CAPA_CASES)
def test_bad_input_on_the_capa_page(client_for, head, capa, url_name, data, fields):
    before = stored()
    response = client_for(head).post(reverse(url_name, args=[capa.pk]), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was saved" in html
    for field in fields:
        assert f'data-field="{field}"' in html, field
    assert stored() == before


def test_auditor_cannot_be_an_action_owner(client_for, head, capa, auditor):
    before = stored()
    response = client_for(head).post(
        reverse("capa:action_add", args=[capa.pk]),
        {
            "action-kind": "corrective",
            "action-title": "Fix",
            "action-owner": auditor.pk,
            "action-due_date": days(3).isoformat(),
        },
    )
    assert response.status_code == 400 and 'data-field="owner"' in response.content.decode()
    assert stored() == before


def test_action_done_needs_evidence(client_for, head, capa_in_actions):
    action = capa_in_actions.actions.get()
    before = stored()
    response = client_for(head).post(
        reverse("capa:action_edit", args=[capa_in_actions.pk, action.pk]),
        {
            "action-kind": "corrective",
            "action-title": action.title,
            "action-owner": action.owner_id,
            "action-due_date": action.due_date.isoformat(),
            "action-status": "done",
            "action-evidence": "",
        },
    )
    assert response.status_code == 400
    assert "Record the evidence that the action was done." in response.content.decode()
    action.refresh_from_db()
    assert action.status == "open"
    assert stored() == before


def test_cancelling_an_action_needs_a_reason(client_for, head, capa_in_actions):
    action = capa_in_actions.actions.get()
    response = client_for(head).post(
        reverse("capa:action_edit", args=[capa_in_actions.pk, action.pk]),
        {
            "action-kind": "corrective",
            "action-title": action.title,
            "action-owner": action.owner_id,
            "action-due_date": action.due_date.isoformat(),
            "action-status": "cancelled",
        },
    )
    assert response.status_code == 400 and "Say why the action is cancelled." in response.content.decode()
    action.refresh_from_db()
    assert action.status == "open"


def test_containment_done_needs_a_result(client_for, head, capa):
    item = services.containment_add(
        capa=capa, by=head, description="Sort stock", owner=head, due_date=days(2)
    )
    response = client_for(head).post(
        reverse("capa:containment_edit", args=[capa.pk, item.pk]),
        {
            "containment-description": "Sort stock",
            "containment-owner": head.pk,
            "containment-due_date": days(2).isoformat(),
            "containment-status": "done",
            "containment-result": "",
        },
    )
    assert response.status_code == 400 and 'data-field="result"' in response.content.decode()
    item.refresh_from_db()
    assert item.status == "open"


def test_bad_ncr_form(client_for, head):
    before = stored()
    response = client_for(head).post(
        reverse("capa:nonconformity_create"),
        {
            "title": "",
            "source": "rumour",
            "severity": "",
            "quantity_affected": "-3",
            "description": "",
            "owner": head.pk,
            "department": head.department_id,
            "due_date": "31.12.2026",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    for field in ("title", "source", "severity", "quantity_affected", "description", "due_date"):
        assert f'data-field="{field}"' in html, field
    assert stored() == before


def test_an_ncr_is_owned_by_someone_who_can_decide_its_disposition(client_for, head, staff):
    """Katrin (staff) was accepted as an NCR's owner though the field says "a department head or
    the quality manager": the disposition was then due on the My work of someone who cannot decide it."""
    before = stored()
    data = {
        "title": "Burr on the flange",
        "source": "internal",
        "severity": "minor",
        "description": "Burr on the sealing face",
        "owner": staff.pk,
        "department": head.department_id,
    }
    response = client_for(head).post(reverse("capa:nonconformity_create"), data)
    assert response.status_code == 400
    assert field_error(response, "owner") == (
        f"{staff} cannot decide a disposition: choose a department head or the quality manager."
    )
    assert stored() == before
    assert (
        client_for(head).post(reverse("capa:nonconformity_create"), data | {"owner": head.pk}).status_code
        == 302
    )


def test_bad_capa_form(client_for, head, other_head, other_dept):
    from tests.capa.factories import NonconformityFactory

    hidden = NonconformityFactory(owner=other_head, department=other_dept)
    before = stored()
    response = client_for(head).post(
        reverse("capa:capa_create"),
        {
            "title": "x",
            "kind": "corrective",
            "source": "customer",
            "severity": "major",
            "eight_d": "on",
            "description": "d",
            "owner": head.pk,
            "department": head.department_id,
            "due_date": "",
            "nonconformities": [hidden.pk],
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    for field in ("due_date", "nonconformities", "customer"):
        assert f'data-field="{field}"' in html, field
    assert stored() == before


def test_bad_disposition(client_for, head, ncr):
    before = stored()
    url = reverse("capa:nonconformity_disposition", args=[ncr.pk])
    response = client_for(head).post(url, {"disposition-disposition": "bin it"})
    assert response.status_code == 400 and 'data-field="disposition"' in response.content.decode()
    response = client_for(head).post(url, {"disposition-disposition": "concession"})
    assert response.status_code == 400
    assert "A concession needs a note" in response.content.decode()
    ncr.refresh_from_db()
    assert ncr.status == "open" and not ncr.disposition
    assert stored() == before


def test_the_service_refuses_a_concession_without_a_note_too(head, ncr):
    """A disposition recorded by any caller (another module, a command), not only the page's form,
    keeps who granted the concession (ISO 9001 8.7.2 c)."""
    before = stored()
    with pytest.raises(TransitionError, match="A concession needs a note") as refused:
        services.ncr_disposition(ncr=ncr, by=head, disposition="concession", note="  ")
    assert refused.value.field == "note"
    ncr.refresh_from_db()
    assert ncr.status == "open" and not ncr.disposition
    assert stored() == before


def test_bad_effectiveness_result(client_for, quality_manager, closed_capa):
    check = closed_capa.checks.get()
    before = stored()
    response = client_for(quality_manager).post(
        reverse("capa:effectivenesscheck_result", args=[closed_capa.pk, check.pk]),
        {"check-result": "maybe", "check-notes": ""},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-field="result"' in html and 'data-field="notes"' in html
    check.refresh_from_db()
    assert check.result == "pending"
    assert stored() == before


def test_bad_check_plan(client_for, head, capa_in_verification):
    check = capa_in_verification.checks.get()
    response = client_for(head).post(
        reverse("capa:effectivenesscheck_plan", args=[capa_in_verification.pk, check.pk]),
        {"plan-planned_date": "2000-01-01", "plan-criteria": "", "plan-verifier": head.pk},
    )
    html = response.content.decode()
    assert response.status_code == 400
    for field in ("planned_date", "criteria", "verifier"):
        assert f'data-field="{field}"' in html
    check.refresh_from_db()
    assert check.criteria == "No bore rejects in the next 10 lots."


def test_unknown_child_ids_are_404(client_for, head, dept, capa):
    from tests.capa.factories import CapaFactory

    client = client_for(head)
    other = CapaFactory(owner=head, department=dept)
    other_why = services.why_add(capa=other, by=head, answer="Elsewhere")
    assert client.get(reverse("capa:why_edit", args=[capa.pk, other_why.pk])).status_code == 404
    assert client.post(reverse("capa:why_remove", args=[capa.pk, other_why.pk])).status_code == 404
    assert client.get(reverse("capa:action_edit", args=[capa.pk, 999999])).status_code == 404


def test_a_reason_longer_than_the_history_keeps_is_refused(client_for, head, capa, ncr):
    before = stored()
    response = client_for(head).post(
        reverse("capa:capa_transition", args=[capa.pk]),
        {"transition": "contain", "reason": "x" * 1300},
        follow=True,
    )
    assert "Keep the reason to 1000 characters" in response.content.decode()
    capa.refresh_from_db()
    assert capa.status == "open"
    services.ncr_disposition(ncr=ncr, by=head, disposition="scrap")  # past draft: edits need a reason
    before = stored()
    response = client_for(head).post(
        reverse("capa:nonconformity_update", args=[ncr.pk]),
        {
            "title": "t",
            "source": "internal",
            "severity": "minor",
            "description": "d",
            "owner": head.pk,
            "department": head.department_id,
            "reason": "y" * 1200,
        },
    )
    assert response.status_code == 400 and 'data-field="reason"' in response.content.decode()
    assert stored() == before


def test_long_disposition_note_is_kept_whole_on_the_ncr(head, ncr):
    note = (
        "Concession granted by the customer's SQE, deviation DV-118, valid for lots 24-1187 to 24-1190. " * 3
    )
    services.ncr_disposition(ncr=ncr, by=head, disposition="concession", note=note)
    ncr.refresh_from_db()
    assert ncr.disposition_note == note.strip()
    assert note.strip() in ncr.history.first().history_change_reason


def _capa_data(head, **over):
    data = {
        "title": "Burr on flange",
        "kind": "corrective",
        "source": "internal",
        "severity": "minor",
        "description": "Burr found at OQC.",
        "owner": head.pk,
        "department": head.department_id,
        "due_date": days(30).isoformat(),
    }
    data.update(over)
    return data


@pytest.mark.parametrize("due", ["0001-01-01", "2001-01-01", "9999-12-31", days(365 * 11).isoformat()])
def test_capa_and_ncr_due_dates_in_the_past_or_decades_ahead_are_refused(client_for, head, due):
    before = stored()
    client = client_for(head)
    response = client.post(reverse("capa:capa_create"), _capa_data(head, due_date=due))
    assert response.status_code == 400
    message = response.content.decode().lower()
    assert 'data-field="due_date"' in message
    assert ("in the past" in message) or ("check the year" in message)
    response = client.post(reverse("capa:nonconformity_create"), _capa_data(head, due_date=due))
    assert response.status_code == 400 and 'data-field="due_date"' in response.content.decode()
    assert stored() == before


def test_an_overdue_capa_can_be_edited_without_moving_its_due_date(client_for, head, capa):
    Capa.objects.filter(pk=capa.pk).update(due_date=days(-5))  # it has become overdue
    response = client_for(head).post(
        reverse("capa:capa_update", args=[capa.pk]),
        _capa_data(head, title="Bore oversize on shipped lot 24-1187", due_date=days(-5).isoformat()),
    )
    assert response.status_code == 302
    capa.refresh_from_db()
    assert capa.title == "Bore oversize on shipped lot 24-1187" and capa.due_date == days(-5)


@pytest.mark.parametrize(
    "url_name, prefix", [("capa:action_add", "action"), ("capa:containment_add", "containment")]
)
def test_action_due_dates_decades_ahead_are_refused(client_for, head, capa, url_name, prefix):
    before = stored()
    data = {
        f"{prefix}-kind": "corrective",
        f"{prefix}-title": "Fix",
        f"{prefix}-description": "Sort",
        f"{prefix}-owner": head.pk,
        f"{prefix}-due_date": "9999-12-31",
    }
    response = client_for(head).post(reverse(url_name, args=[capa.pk]), data)
    assert response.status_code == 400
    assert "check the year" in response.content.decode().lower()
    assert stored() == before


def test_an_effectiveness_check_decades_ahead_is_refused(client_for, head, capa_in_verification):
    check = capa_in_verification.checks.get()
    response = client_for(head).post(
        reverse("capa:effectivenesscheck_plan", args=[capa_in_verification.pk, check.pk]),
        {
            "plan-planned_date": "9999-12-31",
            "plan-criteria": "No rejects",
            "plan-verifier": check.verifier_id,
        },
    )
    assert response.status_code == 400 and "check the year" in response.content.decode().lower()
    check.refresh_from_db()
    assert check.planned_date == days(90)


@pytest.mark.parametrize(
    "query", ["date_to=0001-01-01", "date_from=0001-01-01", "date_from=9999-12-31", "date_to=9999-12-31"]
)
def test_analysis_with_an_absurd_period_says_so_instead_of_failing(client_for, head, query):
    response = client_for(head).get(reverse("capa:analysis") + "?" + query)
    assert response.status_code == 400
    assert "Check the year: the date must lie between" in response.content.decode()


def test_a_reason_of_a_few_sentences_is_accepted_and_kept_in_the_history(client_for, head, ncr):
    services.ncr_disposition(ncr=ncr, by=head, disposition="scrap")  # past draft: edits need a reason
    reason = "Customer SQE asked to widen the description to the whole lot; see mail of 12 Nov. " * 3
    response = client_for(head).post(
        reverse("capa:nonconformity_update", args=[ncr.pk]),
        _capa_data(head, title=ncr.title, reason=reason, due_date=""),
    )
    assert response.status_code == 302
    assert ncr.history.first().history_change_reason == reason.strip()


def test_an_action_due_after_the_capas_target_is_refused_beside_its_date(client_for, head, capa_in_actions):
    target = capa_in_actions.due_date
    client = client_for(head)
    before = stored()
    late = {
        "action-kind": "corrective",
        "action-title": "Re-train the second shift",
        "action-owner": head.pk,
        "action-due_date": (target + dt.timedelta(days=1)).isoformat(),
    }
    response = client.post(reverse("capa:action_add", args=[capa_in_actions.pk]), late)
    assert response.status_code == 400
    assert f"After the CAPA’s target date ({target:%-d %b %Y})" in field_error(response, "due_date")
    assert stored() == before
    # Moving an existing action past the target is refused the same way.
    action = capa_in_actions.actions.get()
    response = client.post(
        reverse("capa:action_edit", args=[capa_in_actions.pk, action.pk]),
        {**late, "action-title": action.title, "action-status": action.status, "action-evidence": ""},
    )
    assert response.status_code == 400 and "After the CAPA’s target date" in field_error(response, "due_date")
    assert stored() == before
    response = client.post(
        reverse("capa:action_add", args=[capa_in_actions.pk]), {**late, "action-due_date": target.isoformat()}
    )
    assert response.status_code == 302


def test_a_containment_action_due_after_the_capas_target_is_refused_beside_its_date(
    client_for, head, capa_in_actions
):
    """Containment is the first thing done: one due after the CAPA's target was accepted while an
    action of the same date was refused."""
    target = capa_in_actions.due_date
    before = stored()
    response = client_for(head).post(
        reverse("capa:containment_add", args=[capa_in_actions.pk]),
        {
            "containment-description": "Sort the stock",
            "containment-owner": head.pk,
            "containment-due_date": (target + dt.timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert "After the CAPA’s target date" in field_error(response, "due_date")
    assert stored() == before
