"""The close gates of a CAPA: each refuses with a clear message and changes nothing."""

import pytest
from django.urls import reverse
from django.utils import timezone

from capa import services
from capa.models import Action, Capa, ContainmentAction, EffectivenessCheck, Nonconformity
from qms.models import Signature
from qms.services import record_transition
from qms.workflow import TransitionError
from tests.capa.conftest import days
from tests.factories import PASSWORD
from tests.helpers import field_error

pytestmark = pytest.mark.django_db
# The verifier's e-signature on an effectiveness check signed before it is due.
SIGNED = {"check-password": PASSWORD, "check-early_reason": "Ten lots made already"}


def snapshot(capa: Capa) -> tuple:
    capa.refresh_from_db()
    return (
        capa.status,
        capa.history.count(),
        capa.checks.count(),
        list(capa.actions.values_list("status", flat=True)),
        capa.closed_at,
    )


def test_capa_cannot_move_to_verification_while_an_action_is_open(
    client_for, head, capa_in_actions, quality_manager
):
    before = snapshot(capa_in_actions)
    response = client_for(head).post(
        reverse("capa:capa_verify", args=[capa_in_actions.pk]),
        {
            "verify-planned_date": days(90).isoformat(),
            "verify-criteria": "No rejects in 10 lots",
            "verify-verifier": quality_manager.pk,
        },
    )
    assert response.status_code == 400
    assert "A1 is still open: finish or cancel every action before verification." in response.content.decode()
    assert snapshot(capa_in_actions) == before


def test_a_capa_with_only_a_correction_is_not_verified(client_for, head, staff, other_staff, capa_in_actions):
    """Re-working the lot deals with the parts; a CAPA verified on that alone verifies nothing done
    about the cause (ISO 9001 10.2.1 c): refused, with the corrective action A1 cancelled."""
    services.action_add(
        capa=capa_in_actions,
        by=head,
        kind="correction",
        title="Re-bore the lot",
        owner=staff,
        due_date=days(5),
    )
    a1, a2 = capa_in_actions.actions.order_by("number")
    services.action_update(action=a1, by=head, status="cancelled", reason="Supplier agreed anyway")
    services.action_update(action=a2, by=staff, status="done", evidence="Lot 24-1187 re-bored.")
    before = snapshot(capa_in_actions)
    response = client_for(head).post(
        reverse("capa:capa_verify", args=[capa_in_actions.pk]),
        {
            "verify-planned_date": days(90).isoformat(),
            "verify-criteria": "No rejects in 10 lots",
            "verify-verifier": other_staff.pk,
        },
    )
    assert response.status_code == 400
    assert (
        "Add at least one corrective or preventive action before verification: a correction deals "
        "with the parts, not with the cause (ISO 9001 10.2.1 c)."
    ) in response.content.decode()
    assert snapshot(capa_in_actions) == before


def test_verification_is_refused_through_the_generic_step_button_too(client_for, head, capa_in_actions):
    before = snapshot(capa_in_actions)
    response = client_for(head).post(
        reverse("capa:capa_transition", args=[capa_in_actions.pk]), {"transition": "verify"}, follow=True
    )
    assert "still open" in response.content.decode()
    assert snapshot(capa_in_actions) == before


def test_verification_needs_the_effectiveness_check_planned(client_for, head, staff, capa_in_actions):
    action = capa_in_actions.actions.get()
    services.action_update(action=action, by=staff, status="done", evidence="Done, see rev 4.")
    before = snapshot(capa_in_actions)
    response = client_for(head).post(reverse("capa:capa_verify", args=[capa_in_actions.pk]), {})
    html = response.content.decode()
    assert response.status_code == 400
    for field in ("planned_date", "criteria", "verifier"):
        assert f'data-field="{field}"' in html
    assert snapshot(capa_in_actions) == before
    # The service refuses the same without a plan (another caller than the view).
    with pytest.raises(TransitionError, match="Plan the effectiveness check"):
        record_transition(record=capa_in_actions, name="verify", by=head)
    assert snapshot(capa_in_actions) == before


def test_the_owner_cannot_be_the_verifier(client_for, head, staff, capa_in_actions):
    action = capa_in_actions.actions.get()
    services.action_update(action=action, by=staff, status="done", evidence="Done.")
    before = snapshot(capa_in_actions)
    response = client_for(head).post(
        reverse("capa:capa_verify", args=[capa_in_actions.pk]),
        {
            "verify-planned_date": days(90).isoformat(),
            "verify-criteria": "No rejects",
            "verify-verifier": head.pk,
        },
    )
    assert response.status_code == 400
    assert (
        field_error(response, "verifier")
        == "The CAPA owner cannot verify their own CAPA; choose someone independent."
    )
    assert snapshot(capa_in_actions) == before


def test_plan_actions_needs_the_root_cause(client_for, head, capa):
    record_transition(record=capa, name="investigate", by=head)
    before = snapshot(capa)
    response = client_for(head).post(
        reverse("capa:capa_transition", args=[capa.pk]), {"transition": "plan_actions"}, follow=True
    )
    assert "Record the root cause" in response.content.decode()
    assert snapshot(capa) == before


def test_closing_asks_whether_risks_and_documents_must_change(client_for, head, capa_in_verification):
    before = snapshot(capa_in_verification)
    response = client_for(head).post(reverse("capa:capa_close", args=[capa_in_verification.pk]), {})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-field="risks_change"' in html and 'data-field="documents_change"' in html
    assert snapshot(capa_in_verification) == before

    response = client_for(head).post(
        reverse("capa:capa_close", args=[capa_in_verification.pk]),
        {"close-risks_change": "yes", "close-documents_change": "yes"},
    )
    html = response.content.decode()
    assert "Say which risks or opportunities must be updated." in html
    assert "Say which documents must change and how." in html
    assert snapshot(capa_in_verification) == before


def test_close_through_the_generic_step_is_refused(client_for, head, capa_in_verification):
    before = snapshot(capa_in_verification)
    response = client_for(head).post(
        reverse("capa:capa_transition", args=[capa_in_verification.pk]), {"transition": "close"}, follow=True
    )
    assert "10.2.1 e–f" in response.content.decode()
    assert snapshot(capa_in_verification) == before


def test_closing_needs_a_planned_effectiveness_check(client_for, head, capa_in_verification):
    EffectivenessCheck.objects.filter(capa=capa_in_verification).delete()
    before = snapshot(capa_in_verification)
    response = client_for(head).post(
        reverse("capa:capa_close", args=[capa_in_verification.pk]),
        {"close-risks_change": "no", "close-documents_change": "no"},
    )
    assert response.status_code == 400
    assert "Plan the effectiveness check (date and criteria) before closing." in response.content.decode()
    assert snapshot(capa_in_verification) == before


def test_closing_with_an_action_reopened_meanwhile_is_refused(head, capa_in_verification):
    Action.objects.filter(capa=capa_in_verification).update(status="in_progress")
    before = snapshot(capa_in_verification)
    with pytest.raises(TransitionError, match="still open"):
        services.capa_close(capa=capa_in_verification, by=head, risks_change=False, documents_change=False)
    assert snapshot(capa_in_verification) == before


def test_closing_over_an_open_containment_action_is_refused_until_it_is_done(
    client_for, head, capa_in_verification
):
    """The lot still in quarantine: the CAPA does not close, saying what is open; once the
    containment action is done it closes."""
    row = ContainmentAction.objects.create(
        capa=capa_in_verification, description="Quarantine stock of F-100", owner=head, due_date=days(5)
    )
    before = snapshot(capa_in_verification)
    data = {"close-risks_change": "no", "close-documents_change": "no"}
    client = client_for(head)
    response = client.post(reverse("capa:capa_close", args=[capa_in_verification.pk]), data)
    assert response.status_code == 400
    assert "1 containment action is still open" in response.content.decode()
    assert snapshot(capa_in_verification) == before
    ContainmentAction.objects.filter(pk=row.pk).update(status="done")
    assert client.post(reverse("capa:capa_close", args=[capa_in_verification.pk]), data).status_code == 302
    assert Capa.objects.get(pk=capa_in_verification.pk).status == "closed"


def test_closing_records_the_answers_and_who_closed(client_for, head, capa_in_verification):
    response = client_for(head).post(
        reverse("capa:capa_close", args=[capa_in_verification.pk]),
        {
            "close-risks_change": "yes",
            "close-risks_note": "Supplier risk class of Stahlhandel Nord to high.",
            "close-documents_change": "no",
            "close-reason": "Actions verified on the shop floor.",
        },
    )
    assert response.status_code == 302
    capa = Capa.objects.get(pk=capa_in_verification.pk)
    assert capa.status == "closed"
    assert capa.closed_by == head and capa.closed_at
    assert capa.risks_change is True and capa.documents_change is False
    assert capa.history.first().history_change_reason == "Actions verified on the shop floor."


def test_effectiveness_check_cannot_be_signed_off_by_the_owner(client_for, head, closed_capa):
    check = closed_capa.checks.get()
    before = snapshot(closed_capa)
    url = reverse("capa:effectivenesscheck_result", args=[closed_capa.pk, check.pk])
    response = client_for(head).post(url, {"check-result": "effective", "check-notes": "All good", **SIGNED})
    assert response.status_code == 403
    assert "The CAPA owner cannot sign off its effectiveness check" in response.content.decode()
    check.refresh_from_db()
    assert check.result == "pending" and check.verified_by is None
    assert snapshot(closed_capa) == before
    with pytest.raises(Exception, match="owner cannot sign off"):
        services.effectiveness_check_record(
            check=check,
            by=head,
            result="effective",
            notes="All good",
            password=PASSWORD,
            early_reason="Ten lots made already",
        )


def test_the_owner_sees_no_sign_off_form(client_for, head, closed_capa):
    html = client_for(head).get(closed_capa.get_absolute_url()).content.decode()
    assert 'data-testid="check-form"' not in html
    assert "As the CAPA owner you cannot sign off" in html


def test_verifier_signs_off_effective(client_for, quality_manager, closed_capa):
    check = closed_capa.checks.get()
    response = client_for(quality_manager).post(
        reverse("capa:effectivenesscheck_result", args=[closed_capa.pk, check.pk]),
        {"check-result": "effective", "check-notes": "10 lots, 0 bore rejects.", **SIGNED},
    )
    assert response.status_code == 302
    check.refresh_from_db()
    assert check.result == "effective" and check.verified_by == quality_manager and check.verified_at
    closed_capa.refresh_from_db()
    assert closed_capa.status == "closed"


def test_a_check_signed_effective_before_closing_lets_the_capa_close(
    client_for, head, quality_manager, capa_in_verification
):
    """The verifier may judge the check early (with a reason) while the CAPA is being verified;
    closing then needs no other plan: it closed with "Plan the effectiveness check" before."""
    check = capa_in_verification.checks.get()
    services.effectiveness_check_record(
        check=check,
        by=quality_manager,
        result="effective",
        notes="10 lots, 0 bore rejects.",
        password=PASSWORD,
        early_reason="Ten lots made already",
    )
    response = client_for(head).post(
        reverse("capa:capa_close", args=[capa_in_verification.pk]),
        {"close-risks_change": "no", "close-documents_change": "no"},
    )
    assert response.status_code == 302
    capa_in_verification.refresh_from_db()
    assert capa_in_verification.status == "closed"
    assert list(capa_in_verification.checks.values_list("result", flat=True)) == ["effective"]


def test_not_effective_reopens_the_capa_and_keeps_the_history(client_for, quality_manager, closed_capa):
    check = closed_capa.checks.get()
    history_before = closed_capa.history.count()
    response = client_for(quality_manager).post(
        reverse("capa:effectivenesscheck_result", args=[closed_capa.pk, check.pk]),
        {"check-result": "not_effective", "check-notes": "Lot 25-0031 rejected for the same bore.", **SIGNED},
    )
    assert response.status_code == 302
    closed_capa.refresh_from_db()
    assert closed_capa.status == "investigation"
    assert closed_capa.closed_at is None
    statuses = list(closed_capa.history.order_by("history_date").values_list("status", flat=True))
    assert "closed" in statuses and statuses[-1] == "investigation"
    assert closed_capa.history.count() > history_before
    assert "not effective" in closed_capa.history.first().history_change_reason
    check.refresh_from_db()
    assert check.result == "not_effective"
    # Its actions, whys and the failed check stay; a new check is needed before closing again.
    assert closed_capa.actions.count() == 1 and closed_capa.whys.count() == 1
    assert closed_capa.pending_check() is None


def test_a_designated_verifier_from_another_department_can_sign(
    client_for, other_staff, capa_in_actions, ncr, head, staff
):
    services.ncr_disposition(ncr=ncr, by=head, disposition="scrap")
    services.action_update(action=capa_in_actions.actions.get(), by=staff, status="done", evidence="ok")
    services.capa_verification_start(
        capa=capa_in_actions, by=head, planned_date=days(30), criteria="No rejects", verifier=other_staff
    )
    services.capa_close(capa=capa_in_actions, by=head, risks_change=False, documents_change=False)
    client = client_for(other_staff)
    assert client.get(capa_in_actions.get_absolute_url()).status_code == 200
    check = capa_in_actions.checks.get()
    response = client.post(
        reverse("capa:effectivenesscheck_result", args=[capa_in_actions.pk, check.pk]),
        {"check-result": "not_effective", "check-notes": "Came back on lot 25-0002.", **SIGNED},
    )
    assert response.status_code == 302
    capa_in_actions.refresh_from_db()
    assert capa_in_actions.status == "investigation"


def test_a_capa_does_not_close_over_an_ncr_without_a_disposition(client_for, capa_in_verification, ncr, head):
    """The parts themselves are decided first: closing says how many NCRs are undecided (not
    which: the closer may not see every one), and closes once they are."""
    Nonconformity.objects.filter(pk=ncr.pk).update(status="open", disposition="")
    response = client_for(head).post(
        reverse("capa:capa_close", args=[capa_in_verification.pk]),
        {"close-risks_change": "no", "close-documents_change": "no", "close-reason": "Verified."},
    )
    capa_in_verification.refresh_from_db()
    assert capa_in_verification.status == "verification"
    assert "1 nonconformity (NCR) of this CAPA has no disposition yet" in response.content.decode()
    services.ncr_disposition(ncr=ncr, by=head, disposition="scrap")
    services.capa_close(capa=capa_in_verification, by=head, risks_change=False, documents_change=False)
    capa_in_verification.refresh_from_db()
    assert capa_in_verification.status == "closed"


def test_signing_a_check_off_is_an_electronic_signature(client_for, quality_manager, closed_capa):
    """Issue #11, item 5: the password is asked for, as for approving a revision; a wrong one
    signs nothing."""
    check = closed_capa.checks.get()
    url = reverse("capa:effectivenesscheck_result", args=[closed_capa.pk, check.pk])
    data = {"check-result": "effective", "check-notes": "10 lots, 0 rejects.", **SIGNED}
    response = client_for(quality_manager).post(url, {**data, "check-password": "wrong"})
    assert response.status_code == 400 and 'data-field="password"' in response.content.decode()
    check.refresh_from_db()
    assert check.result == "pending" and not Signature.objects.exists()
    assert client_for(quality_manager).post(url, data).status_code == 302
    signature = Signature.objects.get()
    assert signature.signer == quality_manager and signature.meaning == "Effectiveness verified: effective"
    assert signature.reason == "Ten lots made already"
    page = client_for(quality_manager).get(closed_capa.get_absolute_url()).content.decode()
    assert f"e-signed by {quality_manager.get_full_name()}" in page
    assert "Signed before its due date: Ten lots made already" in page


def test_signing_a_check_before_it_is_due_needs_a_reason_kept_in_the_history(
    client_for, quality_manager, closed_capa
):
    check = closed_capa.checks.get()
    url = reverse("capa:effectivenesscheck_result", args=[closed_capa.pk, check.pk])
    data = {"check-result": "effective", "check-notes": "0 rejects so far.", "check-password": PASSWORD}
    response = client_for(quality_manager).post(url, data)
    html = response.content.decode()
    assert response.status_code == 400 and 'data-field="early_reason"' in html
    assert f"due on {check.planned_date:%-d %b %Y}" in html
    check.refresh_from_db()
    assert check.result == "pending"
    client_for(quality_manager).post(url, {**data, "check-early_reason": "Customer audit next week"})
    check.refresh_from_db()
    assert check.result == "effective"
    reasons = list(check.history.values_list("history_change_reason", flat=True))
    assert any("signed before its due date" in r and "Customer audit next week" in r for r in reasons)


def test_a_check_that_is_due_is_signed_without_a_reason(quality_manager, closed_capa):
    check = closed_capa.checks.get()
    EffectivenessCheck.objects.filter(pk=check.pk).update(planned_date=timezone.localdate())
    check.refresh_from_db()
    services.effectiveness_check_record(
        check=check, by=quality_manager, result="effective", notes="10 lots, 0 rejects", password=PASSWORD
    )
    check.refresh_from_db()
    assert check.result == "effective"
