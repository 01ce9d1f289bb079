"""The rows inside a CAPA on the kernel: actions, containment actions and effectiveness checks
move by their own workflows (who may, a reason to cancel, one history row per save); whys and
fishbone causes are draft work, removed with a reason that stays in the CAPA's history until
actions are planned."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from capa import services
from capa.models import Action, Capa, ContainmentAction, EffectivenessCheck, Why
from qms.history import history_rows
from qms.services import record_transition, transition
from qms.workflow import TransitionError
from tests.capa.conftest import days
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
# The verifier's e-signature on an effectiveness check signed before it is due.
SIGNED = {"check-password": PASSWORD, "check-early_reason": "Ten lots made already"}


def _status_choices(html: str) -> list[str]:
    select = html[html.index('name="action-status"') :]
    select = select[: select.index("</select>")]
    return [part.split('"', 1)[0] for part in select.split('<option value="')[1:]]


@pytest.fixture
def outside_action(capa_in_actions, head, other_staff):
    """An action owned by someone from another department (a machinist in production)."""
    return services.action_add(
        capa=capa_in_actions,
        by=head,
        kind="corrective",
        title="Add the bore check to the setup sheet",
        owner=other_staff,
        due_date=days(5),
    )


# --- actions --------------------------------------------------------------------------------------


def test_the_action_owner_starts_and_finishes_their_action(client_for, other_staff, outside_action):
    client = client_for(other_staff)
    url = reverse("capa:action_edit", args=[outside_action.capa_id, outside_action.pk])
    # They are offered the steps the workflow allows from here, and no field they may not change.
    assert _status_choices(client.get(url).content.decode()) == ["open", "in_progress", "done", "cancelled"]
    response = client.post(url, {"action-status": "in_progress", "action-evidence": ""})
    assert response.status_code == 302
    outside_action.refresh_from_db()
    assert outside_action.status == "in_progress" and outside_action.completed_at is None
    response = client.post(url, {"action-status": "done", "action-evidence": "Setup sheet SS-12 rev 3"})
    assert response.status_code == 302
    outside_action.refresh_from_db()
    assert outside_action.status == "done" and outside_action.completed_at is not None
    # Done, it may only be reopened.
    assert _status_choices(client.get(url).content.decode()) == ["open", "done"]
    assert outside_action.history.first().history_user == other_staff


def test_a_done_action_cannot_jump_back_to_in_progress(head, staff, capa_in_actions):
    action = capa_in_actions.actions.get()
    services.action_update(action=action, by=staff, status="done", evidence="Rev 4 issued.")
    with pytest.raises(TransitionError, match="cannot change to in progress directly"):
        services.action_update(action=action, by=head, status="in_progress", evidence="Rev 4 issued.")
    action.refresh_from_db()
    assert action.status == "done"
    # Reopened, it is open again and no longer stamped as done.
    services.action_update(action=action, by=head, status="open", evidence="Rev 4 issued.")
    action.refresh_from_db()
    assert action.status == "open" and action.completed_at is None


def test_a_status_the_page_does_not_offer_is_refused_beside_the_field(client_for, head, capa_in_actions):
    action = capa_in_actions.actions.get()
    services.action_update(action=action, by=head, status="done", evidence="Rev 4 issued.")
    before = (Action.history.count(), action.status)
    response = client_for(head).post(
        reverse("capa:action_edit", args=[capa_in_actions.pk, action.pk]),
        {
            "action-kind": "corrective",
            "action-title": action.title,
            "action-owner": action.owner_id,
            "action-due_date": action.due_date.isoformat(),
            "action-status": "in_progress",
            "action-evidence": "Rev 4 issued.",
        },
    )
    assert response.status_code == 400 and 'data-field="status"' in response.content.decode()
    action.refresh_from_db()
    assert (Action.history.count(), action.status) == before


def test_cancelling_needs_a_reason_which_goes_into_the_history(head, capa_in_actions):
    action = capa_in_actions.actions.get()
    with pytest.raises(TransitionError, match="Say why the action is cancelled."):
        transition(obj=action, name="cancel", by=head)
    action.refresh_from_db()
    assert action.status == "open"
    services.action_update(
        action=action, by=head, status="cancelled", reason="Supplier already changed its terms."
    )
    action.refresh_from_db()
    assert action.status == "cancelled"
    assert action.history.first().history_change_reason == "Supplier already changed its terms."


def test_someone_who_is_neither_assignee_nor_changer_cannot_move_an_action(staff, other_head, outside_action):
    # staff belongs to the CAPA's department but neither owns the CAPA nor this action.
    with pytest.raises(PermissionDenied):
        transition(obj=outside_action, name="start", by=staff)
    with pytest.raises(PermissionDenied):
        services.action_update(action=outside_action, by=staff, status="done", evidence="x")
    outside_action.refresh_from_db()
    assert outside_action.status == "open"


def test_fields_and_status_changed_together_make_one_history_row(head, staff, capa_in_actions):
    action = capa_in_actions.actions.get()
    before = action.history.count()
    services.action_update(
        action=action,
        by=head,
        status="done",
        evidence="Purchase conditions rev 4.",
        title="Require change notices from every supplier",
        kind="corrective",
        owner=staff,
        due_date=action.due_date,
    )
    assert action.history.count() == before + 1
    latest = action.history.first()
    assert latest.status == "done" and latest.title == "Require change notices from every supplier"
    assert latest.history_user == capa_in_actions.owner


def test_an_overdue_action_is_marked_done_without_moving_its_due_date(client_for, head, capa_in_actions):
    action = capa_in_actions.actions.get()
    Action.objects.filter(pk=action.pk).update(due_date=days(-3))  # it has become overdue
    response = client_for(head).post(
        reverse("capa:action_edit", args=[capa_in_actions.pk, action.pk]),
        {
            "action-kind": "corrective",
            "action-title": action.title,
            "action-owner": action.owner_id,
            "action-due_date": days(-3).isoformat(),
            "action-status": "done",
            "action-evidence": "Done late, see rev 4.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    action.refresh_from_db()
    assert action.status == "done" and action.due_date == days(-3)


# --- containment ----------------------------------------------------------------------------------


@pytest.fixture
def containment(capa, head, other_staff):
    return services.containment_add(
        capa=capa, by=head, description="Sort all H-220 stock", owner=other_staff, due_date=days(2)
    )


def test_the_containment_owner_reports_it_done_with_its_result(client_for, other_staff, containment):
    client = client_for(other_staff)
    url = reverse("capa:containment_edit", args=[containment.capa_id, containment.pk])
    page = client.get(url).content.decode()
    assert 'name="containment-status"' in page and 'name="containment-description"' not in page
    response = client.post(url, {"containment-status": "done", "containment-result": ""})
    assert response.status_code == 400 and 'data-field="result"' in response.content.decode()
    response = client.post(url, {"containment-status": "done", "containment-result": "1,240 parts sorted."})
    assert response.status_code == 302
    containment.refresh_from_db()
    assert containment.status == "done" and containment.done_at is not None


def test_cancelling_a_containment_action_needs_a_reason(client_for, head, containment):
    url = reverse("capa:containment_edit", args=[containment.capa_id, containment.pk])
    data = {
        "containment-description": containment.description,
        "containment-owner": containment.owner_id,
        "containment-due_date": containment.due_date.isoformat(),
        "containment-status": "cancelled",
    }
    response = client_for(head).post(url, data)
    assert response.status_code == 400
    assert "Say why the containment action is cancelled." in response.content.decode()
    containment.refresh_from_db()
    assert containment.status == "open"
    response = client_for(head).post(url, {**data, "containment-reason": "Customer sorts at receipt."})
    assert response.status_code == 302
    containment.refresh_from_db()
    assert containment.status == ContainmentAction.Status.CANCELLED


# --- effectiveness check --------------------------------------------------------------------------


def test_a_check_is_not_judged_while_the_capa_is_back_in_actions(head, quality_manager, capa_in_verification):
    record_transition(record=capa_in_verification, name="back_to_actions", by=head, reason="A2 missing")
    check = capa_in_verification.checks.get()
    with pytest.raises(TransitionError, match="judged once the CAPA is in verification or closed"):
        services.effectiveness_check_record(
            check=check,
            by=quality_manager,
            result="effective",
            notes="ok",
            password=PASSWORD,
            early_reason="Ten lots made already",
        )
    check.refresh_from_db()
    assert check.result == "pending"


def test_a_check_is_signed_off_once(quality_manager, closed_capa):
    check = closed_capa.checks.get()
    services.effectiveness_check_record(
        check=check,
        by=quality_manager,
        result="effective",
        notes="0 rejects",
        password=PASSWORD,
        early_reason="Ten lots made already",
    )
    with pytest.raises(TransitionError):
        services.effectiveness_check_record(
            check=check,
            by=quality_manager,
            result="not_effective",
            notes="x",
            password=PASSWORD,
            early_reason="Ten lots made already",
        )
    check.refresh_from_db()
    assert check.result == EffectivenessCheck.Result.EFFECTIVE
    assert Capa.objects.get(pk=closed_capa.pk).status == "closed"


def test_staff_who_is_not_the_verifier_cannot_sign_off(client_for, staff, closed_capa):
    check = closed_capa.checks.get()
    response = client_for(staff).post(
        reverse("capa:effectivenesscheck_result", args=[closed_capa.pk, check.pk]),
        {"check-result": "effective", "check-notes": "Looks fine", **SIGNED},
    )
    assert response.status_code == 403
    check.refresh_from_db()
    assert check.result == "pending"


def test_not_effective_says_the_capa_is_reopened(client_for, quality_manager, closed_capa):
    check = closed_capa.checks.get()
    response = client_for(quality_manager).post(
        reverse("capa:effectivenesscheck_result", args=[closed_capa.pk, check.pk]),
        {"check-result": "not_effective", "check-notes": "Lot 25-0031 rejected again.", **SIGNED},
        follow=True,
    )
    assert "the CAPA is reopened for a new investigation" in response.content.decode()


# --- whys and fishbone causes: draft work ---------------------------------------------------------


def test_removing_a_why_renumbers_the_chain_and_keeps_the_reason_in_the_capa_history(client_for, head, capa):
    record_transition(record=capa, name="investigate", by=head)
    for answer in ("Bore oversize.", "Offsets set for the usual bar stock.", "Supplier changed the grade."):
        services.why_add(capa=capa, by=head, answer=answer)
    second = capa.whys.get(number=2)
    client = client_for(head)
    response = client.post(
        reverse("capa:why_remove", args=[capa.pk, second.pk]), {"reason": "Duplicate of why 1."}
    )
    assert response.status_code == 302
    assert list(capa.whys.values_list("number", "answer")) == [
        (1, "Bore oversize."),
        (2, "Supplier changed the grade."),
    ]
    latest = capa.history.first()
    assert latest.history_user == head
    assert "Why removed: Why 2: Offsets set" in latest.history_change_reason
    assert "Duplicate of why 1." in latest.history_change_reason
    html = client.get(capa.get_history_url()).content.decode()
    assert "Duplicate of why 1." in html


def test_a_why_is_not_removed_without_a_reason(client_for, head, capa):
    why = services.why_add(capa=capa, by=head, answer="Bore oversize.")
    response = client_for(head).post(reverse("capa:why_remove", args=[capa.pk, why.pk]), {"reason": " "})
    assert response.status_code == 302
    assert Why.objects.filter(pk=why.pk).exists()
    html = client_for(head).get(response["Location"]).content.decode()
    assert "Say why it is removed" in html


def test_once_actions_are_planned_the_analysis_stands(client_for, head, capa_in_actions):
    why = capa_in_actions.whys.get()
    client = client_for(head)
    html = client.get(capa_in_actions.get_absolute_url()).content.decode()
    assert 'data-testid="why-remove"' not in html
    response = client.post(
        reverse("capa:why_remove", args=[capa_in_actions.pk, why.pk]), {"reason": "Wrong"}, follow=True
    )
    assert "once actions are planned the analysis stands as recorded" in response.content.decode()
    assert Why.objects.filter(pk=why.pk).exists()


def test_a_fishbone_cause_is_removed_with_a_reason(client_for, head, capa, staff):
    cause = services.cause_add(capa=capa, by=head, category="machine", description="Worn boring bar")
    assert (
        client_for(staff)
        .post(reverse("capa:cause_remove", args=[capa.pk, cause.pk]), {"reason": "x"})
        .status_code
        == 403
    )
    response = client_for(head).post(
        reverse("capa:cause_remove", args=[capa.pk, cause.pk]), {"reason": "Bar was new; ruled out."}
    )
    assert response.status_code == 302
    assert not capa.causes.exists()
    assert "Bar was new; ruled out." in capa.history.first().history_change_reason


# --- the history of the rows on the CAPA page -----------------------------------------------------


def test_the_capa_page_shows_the_rows_history_with_who_when_state_and_why(
    client_for, head, staff, capa_in_actions
):
    action = capa_in_actions.actions.get()
    services.action_update(
        action=action, by=staff, status="cancelled", reason="Covered by the purchasing audit."
    )
    rows = [r for r in history_rows(capa_in_actions) if r["is_child"]]
    cancelled = next(r for r in rows if r["why"] == "Covered by the purchasing audit.")
    assert cancelled["state"] == "Cancelled" and cancelled["who"] == staff
    assert cancelled["part"] == f"Action: {action}"
    html = client_for(head).get(capa_in_actions.get_history_url()).content.decode()
    row = html[: html.index("Covered by the purchasing audit.")]
    row = row[row.rindex("<tr") :]
    assert str(staff) in row and f"Action: {action} · Cancelled" in row
    assert "Why 1" in html  # the analysis rows' history beside the actions'


def test_an_action_owner_from_another_department_attaches_the_evidence_to_the_capa(
    client_for, other_staff, outside_action, top
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from qms.models import Attachment
    from tests.uploads import pdf_bytes

    capa = outside_action.capa
    url = reverse("attachment_upload", args=["capa.capa", capa.pk])
    client = client_for(other_staff)
    assert 'data-testid="attachment-form"' in client.get(capa.get_absolute_url()).content.decode()
    evidence = SimpleUploadedFile("setup-sheet.pdf", pdf_bytes("Setup sheet SS-12 rev 3"), "application/pdf")
    response = client.post(url, {"file": evidence, "description": "A1: the revised setup sheet"})
    assert response.status_code == 302
    (attachment,) = Attachment.objects.filter(object_id=capa.pk)
    assert attachment.description == "A1: the revised setup sheet" and attachment.uploaded_by == other_staff
    # Top management reads every CAPA and owns no action of this one: reading is not attaching.
    again = SimpleUploadedFile("other.pdf", pdf_bytes("Other"), "application/pdf")
    assert client_for(top).post(url, {"file": again}).status_code == 403
    assert Attachment.objects.filter(object_id=capa.pk).count() == 1


def test_a_capa_without_an_ncr_says_what_it_is(client_for, head, dept):
    """A corrective action with no NCR linked says so; a preventive action or an improvement
    names its kind rather than an empty field."""
    import re

    client = client_for(head)
    for kind, shown in (("corrective", "None linked"), ("preventive", "— (preventive action)")):
        capa = services.capa_create(
            by=head,
            title=f"A {kind} CAPA",
            description="Found at the audit.",
            owner=head,
            department=dept,
            kind=kind,
        )
        html = client.get(capa.get_absolute_url()).content.decode()
        ncrs = re.search(r'data-testid="capa-ncrs">(.*?)</dd>', html, re.S)[1]
        assert ncrs == shown, kind


def test_the_history_names_a_long_why_cut_at_a_word_and_an_8d_discipline_with_its_capitals(head, capa):
    """ "Why 5: … when a revision is…", not "… when a revision is r"; "8D discipline: D1 Team"."""
    record_transition(record=capa, name="investigate", by=head)
    services.why_add(
        capa=capa,
        by=head,
        answer="Old drawing printouts are not withdrawn when a revision is released to the shop floor.",
    )
    services.discipline_set(capa=capa, by=head, discipline="D1", text="Sofia Klein (QC)")
    parts = {r["part"] for r in history_rows(capa) if r["is_child"]}
    assert parts == {
        "Why: Why 1: Old drawing printouts are not withdrawn when a revision is…",
        "8D discipline: D1 Team",
    }
