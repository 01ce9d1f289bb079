"""Whoever judges a CAPA's effectiveness is independent of the fix: neither the CAPA owner nor the
owner of one of its corrective or preventive actions, when the verifier is chosen and when the
check is signed off (ISO 9001 10.2.1 d)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from capa import services
from capa.models import Action, Capa
from tests.capa.conftest import days
from tests.factories import PASSWORD
from tests.helpers import field_error

pytestmark = pytest.mark.django_db
SIGNED = {"check-password": PASSWORD, "check-early_reason": "Ten lots made already"}


def snapshot(capa: Capa) -> tuple:
    capa.refresh_from_db()
    return (
        capa.status,
        capa.history.count(),
        list(capa.checks.values_list("verifier_id", "result", "verified_by_id")),
        list(capa.actions.values_list("owner_id", "status")),
    )


def finish_actions(capa: Capa, head) -> None:
    for action in capa.actions.all():
        services.action_update(action=action, by=head, status="done", evidence="Purchase conditions rev 4.")


def verify(client, capa: Capa, verifier):
    return client.post(
        reverse("capa:capa_verify", args=[capa.pk]),
        {
            "verify-planned_date": days(90).isoformat(),
            "verify-criteria": "No bore rejects in the next 10 lots.",
            "verify-verifier": verifier.pk,
        },
    )


def test_the_owner_of_a_corrective_action_cannot_be_chosen_as_verifier(
    client_for, head, staff, capa_in_actions
):
    """The QA walk: staff owns and completed A1; choosing them as verifier is refused beside the
    field and the CAPA stays in actions, with no check planned."""
    finish_actions(capa_in_actions, head)
    before = snapshot(capa_in_actions)
    response = verify(client_for(head), capa_in_actions, staff)
    assert response.status_code == 400
    assert field_error(response, "verifier") == (
        f"{staff} owns action A1 of this CAPA; the verifier must be independent of its corrective "
        "and preventive actions: choose someone else."
    )
    assert snapshot(capa_in_actions) == before
    assert capa_in_actions.status == "actions"


def test_the_service_refuses_an_action_owner_as_verifier_too(head, staff, capa_in_actions):
    finish_actions(capa_in_actions, head)
    before = snapshot(capa_in_actions)
    with pytest.raises(ValidationError) as refused:
        services.capa_verification_start(
            capa=capa_in_actions, by=head, planned_date=days(90), criteria="No rejects", verifier=staff
        )
    assert "owns action A1" in refused.value.message_dict["verifier"][0]
    assert snapshot(capa_in_actions) == before


def test_the_owner_of_a_preventive_action_cannot_be_the_verifier(
    head, staff, quality_manager, capa_in_actions
):
    services.action_add(
        capa=capa_in_actions,
        by=head,
        kind="preventive",
        title="Same check on the sister part",
        owner=quality_manager,
        due_date=days(10),
    )
    finish_actions(capa_in_actions, head)
    with pytest.raises(ValidationError, match="owns action A2"):
        services.capa_verification_start(
            capa=capa_in_actions,
            by=head,
            planned_date=days(90),
            criteria="No rejects",
            verifier=quality_manager,
        )


def test_the_owner_of_a_correction_may_verify(client_for, head, staff, other_staff, capa_in_actions):
    """A correction (re-work the lot) deals with the parts, not the cause: its owner may still
    judge whether the corrective action worked."""
    services.action_add(
        capa=capa_in_actions,
        by=head,
        kind="correction",
        title="Re-bore the lot",
        owner=other_staff,
        due_date=days(10),
    )
    finish_actions(capa_in_actions, head)
    response = verify(client_for(head), capa_in_actions, other_staff)
    assert response.status_code == 302
    capa_in_actions.refresh_from_db()
    assert capa_in_actions.status == "verification"
    assert capa_in_actions.checks.get().verifier == other_staff


def test_re_planning_the_check_refuses_an_action_owner(client_for, head, staff, capa_in_verification):
    check = capa_in_verification.checks.get()
    before = snapshot(capa_in_verification)
    response = client_for(head).post(
        reverse("capa:effectivenesscheck_plan", args=[capa_in_verification.pk, check.pk]),
        {"plan-planned_date": days(60).isoformat(), "plan-criteria": "No rejects", "plan-verifier": staff.pk},
    )
    assert response.status_code == 400
    assert "owns action A1" in field_error(response, "verifier")
    assert snapshot(capa_in_verification) == before


def test_a_verifier_who_since_owns_an_action_cannot_sign_off(
    client_for, head, quality_manager, capa_in_verification
):
    """The verifier was independent when chosen; the corrective action given to them afterwards
    makes them part of the fix: the page offers no sign-off and says why, and the signature is
    refused by the view and the service alike, nothing changed. (The edit itself is refused in
    verification since (``test_verified_plan``); a row written before that rule stands so.)"""
    capa = capa_in_verification
    Action.objects.filter(capa=capa, number=1).update(owner=quality_manager)
    check = capa.checks.get()
    before = snapshot(capa)
    client = client_for(quality_manager)
    page = client.get(capa.get_absolute_url()).content.decode()
    assert 'data-testid="check-form"' not in page
    assert f"{quality_manager} owns action A1 of this CAPA" in page
    response = client.post(
        reverse("capa:effectivenesscheck_result", args=[capa.pk, check.pk]),
        {"check-result": "effective", "check-notes": "10 lots, 0 rejects.", **SIGNED},
    )
    assert response.status_code == 403
    assert "independent of its corrective and preventive actions" in response.content.decode()
    with pytest.raises(PermissionDenied, match="owns action A1"):
        services.effectiveness_check_record(
            check=check,
            by=quality_manager,
            result="effective",
            notes="All good",
            password=PASSWORD,
            early_reason="Ten lots made already",
        )
    assert snapshot(capa) == before


def test_a_leavers_capa_in_verification_is_not_handed_to_its_verifier(
    admin_user, head, quality_manager, capa_in_verification
):
    from capa.services import capa_update
    from qms.services import handover

    capa = capa_in_verification  # owned by the QC head, its check verified by the quality manager
    assert capa.owner == head and capa.checks.get().verifier == quality_manager
    refused = handover.refusals(head, quality_manager)
    assert f"{capa.reference}: {quality_manager} verifies its effectiveness check" in " ".join(refused)
    with pytest.raises(ValueError):
        handover.hand_over(leaver=head, to=quality_manager, by=admin_user)
    capa.refresh_from_db()
    assert capa.owner == head
    # The same rule as the CAPA's own form (``capa_update``), which refuses it beside the owner.
    with pytest.raises(Exception, match="cannot judge their own CAPA"):
        capa_update(capa=capa, by=quality_manager, reason="x", owner=quality_manager)


def test_a_leavers_open_actions_are_not_handed_to_the_verifier_and_are_read_all_at_once(
    head, quality_manager, capa_in_verification
):
    """Each corrective action the leaver still owns on a CAPA whose effectiveness check the
    successor verifies is named; the rule reads them in one statement, however many they are."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from qms.services import handover

    capa = capa_in_verification

    def refused_after_adding(n: int) -> tuple[list[str], int]:
        for _ in range(n):
            number = capa.actions.count() + 1
            # Made directly: what counts here is that they are open, implementing and the leaver's.
            Action.objects.create(
                capa=capa, number=number, kind="corrective", title="Re-train", owner=head, due_date=days(5)
            )
        with CaptureQueriesContext(connection) as ctx:
            refused = handover.refusals(head, quality_manager)
        return refused, len(ctx.captured_queries)

    _, statements_for_one = refused_after_adding(1)
    refused, statements_for_four = refused_after_adding(3)
    assert statements_for_one == statements_for_four
    said = " ".join(refused)
    for number in capa.actions.filter(owner=head).values_list("number", flat=True):
        assert f"{capa.reference} A{number}: {quality_manager} verifies the CAPA's effectiveness" in said
