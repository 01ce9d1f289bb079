"""Once a CAPA is in verification its actions stand as they were verified: the verifier was chosen
independent of them (never the owner of a corrective or preventive action), so no write may make
the verifier part of the fix behind their back. An action's kind, title, owner and due date are
kept, no action is added or reopened, and the CAPA is not given to its verifier; each refused
beside its field, nothing changed. "Back to actions" (with a reason) is the way to change the
plan, and verifying again checks the verifier again."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from capa import services
from capa.models import Action, Capa
from qms.services import record_transition
from tests.capa.conftest import days
from tests.helpers import field_error

pytestmark = pytest.mark.django_db


def frozen(capa: Capa) -> str:
    return (
        f"{capa.reference} is in verification: its actions stay as they were verified, and its "
        "verifier was chosen independent of them. To change them, move the CAPA back to actions "
        "(with a reason)."
    )


def snapshot(capa: Capa) -> tuple:
    capa.refresh_from_db()
    return (
        capa.status,
        capa.owner_id,
        capa.history.count(),
        Action.history.filter(capa_id=capa.pk).count(),
        list(capa.actions.values_list("number", "kind", "title", "owner_id", "due_date", "status")),
        list(capa.checks.values_list("verifier_id", "result")),
    )


def edit_action(client, capa: Capa, action: Action, **over):
    data = {
        "action-kind": action.kind,
        "action-title": action.title,
        "action-owner": action.owner_id,
        "action-due_date": action.due_date.isoformat(),
        "action-status": action.status,
        "action-evidence": action.evidence,
    }
    data.update({f"action-{name}": value for name, value in over.items()})
    return client.post(reverse("capa:action_edit", args=[capa.pk, action.pk]), data)


def update(action: Action, by, status: str = "", **fields):
    """``action_update`` with the edit page's fields as they stand, ``fields`` changed."""
    kept = {name: getattr(action, name) for name in ("kind", "title", "owner", "due_date")}
    return services.action_update(
        action=action, by=by, status=status or action.status, evidence=action.evidence, **{**kept, **fields}
    )


# --- the QA walk: a corrective action edited into a correction ----------------------------------


def test_the_kind_of_an_action_cannot_change_in_verification(client_for, head, capa_in_verification):
    """A1 (corrective, owned by staff) edited into a correction would make staff an eligible
    verifier: the edit page says the kind is fixed, and the save is refused beside it."""
    capa = capa_in_verification
    action = capa.actions.get()
    before = snapshot(capa)
    client = client_for(head)
    page = client.get(reverse("capa:action_edit", args=[capa.pk, action.pk])).content.decode()
    assert "Fixed while the CAPA is in verification." in page
    response = edit_action(client, capa, action, kind="correction")
    assert response.status_code == 400
    assert field_error(response, "kind") == frozen(capa)
    assert snapshot(capa) == before


@pytest.mark.parametrize("kind", ["correction", "preventive"])
def test_the_service_keeps_the_kind_in_verification(head, capa_in_verification, kind):
    action = capa_in_verification.actions.get()
    before = snapshot(capa_in_verification)
    with pytest.raises(ValidationError) as refused:
        update(action, head, kind=kind)
    assert refused.value.message_dict == {"kind": [frozen(capa_in_verification)]}
    assert snapshot(capa_in_verification) == before


def test_a_correction_is_not_made_corrective_in_verification(head, other_staff, capa_in_actions):
    """The other way round too: the plan that was verified had a correction, not a corrective
    action (and its owner may be the verifier)."""
    correction = services.action_add(
        capa=capa_in_actions,
        by=head,
        kind="correction",
        title="Re-bore the lot",
        owner=other_staff,
        due_date=days(5),
    )
    for action in capa_in_actions.actions.all():
        services.action_update(action=action, by=head, status="done", evidence="Done, see lot record.")
    services.capa_verification_start(
        capa=capa_in_actions, by=head, planned_date=days(90), criteria="No rejects", verifier=other_staff
    )
    correction.refresh_from_db()
    before = snapshot(capa_in_actions)
    with pytest.raises(ValidationError, match="is in verification"):
        update(correction, head, kind="corrective")
    assert snapshot(capa_in_actions) == before


# --- the owner of an action -----------------------------------------------------------------------


def test_an_action_cannot_be_given_to_the_verifier_in_verification(
    client_for, head, quality_manager, capa_in_verification
):
    capa = capa_in_verification
    action = capa.actions.get()
    before = snapshot(capa)
    response = edit_action(client_for(head), capa, action, owner=quality_manager.pk)
    assert response.status_code == 400
    assert field_error(response, "owner") == frozen(capa)
    assert snapshot(capa) == before
    with pytest.raises(ValidationError) as refused:
        update(action, head, owner=quality_manager)
    assert list(refused.value.message_dict) == ["owner"]
    assert snapshot(capa) == before


def test_no_other_plan_field_changes_in_verification_but_the_evidence_may(
    head, other_staff, capa_in_verification
):
    """Who did it and by when stay as verified; the evidence may still be completed (a document
    reference the verifier asked for), with its history row."""
    capa = capa_in_verification
    action = capa.actions.get()
    before = snapshot(capa)
    for change in ({"owner": other_staff}, {"title": "Something else"}, {"due_date": days(3)}):
        with pytest.raises(ValidationError) as refused:
            update(action, head, **change)
        assert list(refused.value.message_dict) == list(change)
    assert snapshot(capa) == before
    services.action_update(
        action=action,
        by=head,
        status="done",
        evidence="Purchase conditions rev 4, clause 7.3.",
        **{name: getattr(action, name) for name in ("kind", "title", "owner", "due_date")},
    )
    action.refresh_from_db()
    assert action.evidence == "Purchase conditions rev 4, clause 7.3."


# --- an action added or reopened ------------------------------------------------------------------


def test_no_action_is_added_in_verification(client_for, head, quality_manager, capa_in_verification):
    """The page offers no add form and says why; a post anyway is refused, nothing added."""
    capa = capa_in_verification
    before = snapshot(capa)
    client = client_for(head)
    page = client.get(capa.get_absolute_url()).content.decode()
    assert 'data-testid="action-form"' not in page
    assert frozen(capa) in page
    response = client.post(
        reverse("capa:action_add", args=[capa.pk]),
        {
            "action-kind": "corrective",
            "action-title": "Second supplier audit",
            "action-owner": quality_manager.pk,
            "action-due_date": days(10).isoformat(),
        },
    )
    assert response.status_code == 403
    assert frozen(capa) in response.content.decode()
    with pytest.raises(ValidationError, match="is in verification"):
        services.action_add(
            capa=capa, by=head, kind="corrective", title="Audit", owner=quality_manager, due_date=days(10)
        )
    assert snapshot(capa) == before


@pytest.fixture
def verified_with_a_cancelled_action(head, staff, quality_manager, capa_in_actions):
    """A2, the quality manager's corrective action, was cancelled: they may verify the CAPA."""
    a2 = services.action_add(
        capa=capa_in_actions,
        by=head,
        kind="corrective",
        title="Audit the supplier",
        owner=quality_manager,
        due_date=days(10),
    )
    services.action_update(action=a2, by=head, status="cancelled", reason="Covered by A1")
    services.action_update(
        action=capa_in_actions.actions.get(number=1), by=staff, status="done", evidence="Rev 4"
    )
    services.capa_verification_start(
        capa=capa_in_actions, by=head, planned_date=days(90), criteria="No rejects", verifier=quality_manager
    )
    capa_in_actions.refresh_from_db()
    a2.refresh_from_db()
    return capa_in_actions, a2


def test_a_cancelled_action_is_not_reopened_in_verification(
    client_for, head, quality_manager, verified_with_a_cancelled_action
):
    """Un-cancelling A2 would make the verifier own a corrective action again: the status select
    offers no "Open", a post anyway is refused beside the status, by the head and by A2's owner."""
    capa, a2 = verified_with_a_cancelled_action
    before = snapshot(capa)
    client = client_for(head)
    page = client.get(reverse("capa:action_edit", args=[capa.pk, a2.pk]))
    assert [value for value, _ in page.context["form"].fields["status"].widget.choices] == ["cancelled"]
    response = edit_action(client, capa, a2, status="open")
    assert response.status_code == 400
    assert field_error(response, "status") == frozen(capa)
    response = client_for(quality_manager).post(
        reverse("capa:action_edit", args=[capa.pk, a2.pk]), {"action-status": "open", "action-evidence": ""}
    )
    assert response.status_code == 400
    assert field_error(response, "status") == frozen(capa)
    for by in (head, quality_manager):
        with pytest.raises(ValidationError) as refused:
            services.action_update(action=a2, by=by, status="open")
        assert list(refused.value.message_dict) == ["status"]
    assert snapshot(capa) == before


def test_a_done_action_is_not_reopened_in_verification(head, capa_in_verification):
    action = capa_in_verification.actions.get()
    before = snapshot(capa_in_verification)
    with pytest.raises(ValidationError, match="is in verification"):
        update(action, head, status="open")
    assert snapshot(capa_in_verification) == before


# --- the CAPA's owner -----------------------------------------------------------------------------


def capa_form(capa: Capa, **over) -> dict:
    data = {
        "title": capa.title,
        "kind": capa.kind,
        "source": capa.source,
        "severity": capa.severity,
        "nonconformities": list(capa.nonconformities.values_list("pk", flat=True)),
        "description": capa.description,
        "customer": capa.customer,
        "owner": capa.owner_id,
        "department": capa.department_id,
        "due_date": capa.due_date.isoformat(),
        "reason": "Quality manager takes over",
    }
    data.update(over)
    return data


def test_the_capa_cannot_be_given_to_its_verifier(client_for, head, quality_manager, capa_in_verification):
    capa = capa_in_verification
    before = snapshot(capa)
    client = client_for(head)
    response = client.post(
        reverse("capa:capa_update", args=[capa.pk]), capa_form(capa, owner=quality_manager.pk)
    )
    assert response.status_code == 400
    assert field_error(response, "owner") == (
        f"{quality_manager} verifies the effectiveness check of this CAPA, and the CAPA owner cannot "
        "judge their own CAPA: choose another owner, or re-plan the check with another verifier first."
    )
    assert snapshot(capa) == before
    with pytest.raises(ValidationError) as refused:
        services.capa_update(
            capa=Capa.objects.get(pk=capa.pk), by=head, reason="Handover", owner=quality_manager
        )
    assert list(refused.value.message_dict) == ["owner"]
    assert snapshot(capa) == before


def test_the_capa_may_be_given_to_someone_else_in_verification(
    client_for, head, other_head, capa_in_verification
):
    capa = capa_in_verification
    response = client_for(head).post(
        reverse("capa:capa_update", args=[capa.pk]), capa_form(capa, owner=other_head.pk)
    )
    assert response.status_code == 302
    capa.refresh_from_db()
    assert capa.owner == other_head


# --- the way to change the plan ---------------------------------------------------------------


def test_back_to_actions_the_plan_changes_and_verifying_again_checks_the_verifier(
    head, quality_manager, capa_in_verification
):
    capa = capa_in_verification
    record_transition(record=capa, name="back_to_actions", by=head, reason="A1 goes to the QM")
    action = capa.actions.get()
    update(action, head, owner=quality_manager)
    action.refresh_from_db()
    assert action.owner == quality_manager
    with pytest.raises(ValidationError, match="owns action A1"):
        services.capa_verification_start(
            capa=capa, by=head, planned_date=days(90), criteria="No rejects", verifier=quality_manager
        )


def test_a_closed_capa_keeps_its_actions(head, closed_capa):
    action = closed_capa.actions.get()
    before = snapshot(closed_capa)
    with pytest.raises(ValidationError, match="closed"):
        update(action, head, kind="correction")
    with pytest.raises(ValidationError, match="closed"):
        services.action_add(
            capa=closed_capa, by=head, kind="corrective", title="Late", owner=head, due_date=days(5)
        )
    assert snapshot(closed_capa) == before
