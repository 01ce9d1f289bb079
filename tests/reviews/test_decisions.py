"""The outputs of a review (9.3.3): decisions classified as an improvement, a change to the QMS or
a resource need, each with actions that reach their owners as due items (My work, alerts, digest,
escalation) until done; the next review starts from the open ones."""

import pytest
from django.utils import timezone

from qms.due import registry
from reviews import services
from reviews.inputs import compile_inputs
from reviews.models import Decision, ReviewAction
from tests.helpers import field_error
from tests.reviews.conftest import days
from tests.reviews.factories import make_review

pytestmark = pytest.mark.django_db


def test_decisions_are_taken_at_the_meeting_not_before(client_for, quality_manager, review):
    response = client_for(quality_manager).post(
        f"/reviews/meetings/{review.pk}/decisions/add/",
        {"decision-kind": "improvement", "decision-text": "x"},
    )
    assert response.status_code == 403
    with pytest.raises(Exception, match="hold it first"):
        services.decision_add(review=review, by=quality_manager, kind="improvement", text="x")
    assert not Decision.objects.exists()


def test_a_decision_is_numbered_and_classified(client_for, quality_manager, held):
    client = client_for(quality_manager)
    for kind in ("resource", "change"):
        response = client.post(
            f"/reviews/meetings/{held.pk}/decisions/add/",
            {"decision-kind": kind, "decision-input_key": "resources", "decision-text": f"A {kind}"},
        )
        assert response.status_code == 302
    first, second = held.decisions.all()
    assert (first.number, first.get_kind_display(), second.number) == (1, "Resource need", 2)
    assert first.get_input_key_display() == "Adequacy of resources"
    page = client.get(held.get_absolute_url()).content.decode()
    assert 'data-testid="decision-D2"' in page and "Change to the QMS" in page


def test_an_action_reaches_its_owners_my_work_and_leaves_it_when_done(
    client_for, quality_manager, held, other_head
):
    decision = services.decision_add(review=held, by=quality_manager, kind="resource", text="Backup setter")
    client = client_for(quality_manager)
    response = client.post(
        f"/reviews/meetings/{held.pk}/decisions/{decision.pk}/actions/add/",
        {
            "action-title": "Qualify a second setter",
            "action-owner": other_head.pk,
            "action-due_date": days(10).isoformat(),
        },
    )
    assert response.status_code == 302
    action = ReviewAction.objects.get()
    mine = registry.for_user(other_head)
    assert [(i.kind, i.title, i.url) for i in mine] == [
        ("Review action", "Qualify a second setter", action.get_absolute_url())
    ]
    assert mine[0].department_id == other_head.department_id  # escalates to their head
    # The owner, from another department, opens it from My work and reports on it.
    owner = client_for(other_head)
    assert "Qualify a second setter" in owner.get("/").content.decode()
    assert owner.get(action.get_absolute_url()).status_code == 200
    assert owner.get(held.get_absolute_url()).status_code == 200
    response = owner.post(f"{action.get_absolute_url()}step/", {"transition": "finish"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == "done" and action.done_on == timezone.localdate()
    assert registry.for_user(other_head) == []


def test_an_action_due_in_the_past_is_refused_beside_the_field(client_for, quality_manager, held, head):
    decision = services.decision_add(review=held, by=quality_manager, kind="improvement", text="Sampling")
    response = client_for(quality_manager).post(
        f"/reviews/meetings/{held.pk}/decisions/{decision.pk}/actions/add/",
        {"action-title": "Re-assess AQL", "action-owner": head.pk, "action-due_date": days(-3).isoformat()},
    )
    assert response.status_code == 400
    assert "in the past" in field_error(response, "due_date")
    assert not ReviewAction.objects.exists()


def test_a_review_closes_only_once_its_actions_are_done(quality_manager, with_minutes, chair, password, head):
    decision = services.decision_add(
        review=with_minutes, by=quality_manager, kind="change", text="Withdraw printouts"
    )
    action = services.action_add(
        decision=decision, by=quality_manager, title="Procedure", owner=head, due_date=days(5)
    )
    services.review_sign(review=with_minutes, by=chair, password=password)
    from qms.services import transition
    from qms.workflow import TransitionError

    with pytest.raises(TransitionError, match="still open"):
        transition(obj=with_minutes, name="close", by=quality_manager)
    transition(obj=action, name="finish", by=head)
    transition(obj=with_minutes, name="close", by=quality_manager)
    with_minutes.refresh_from_db()
    assert with_minutes.status == "closed"


def test_after_signing_decisions_stand_but_their_actions_are_worked(
    client_for, quality_manager, with_minutes, chair, password, head
):
    decision = services.decision_add(review=with_minutes, by=quality_manager, kind="change", text="Printouts")
    edit_url = f"{decision.get_absolute_url()}edit/"
    assert edit_url in client_for(quality_manager).get(decision.get_absolute_url()).content.decode()
    services.review_sign(review=with_minutes, by=chair, password=password)
    # Its page offers no Edit the signature would refuse.
    assert edit_url not in client_for(quality_manager).get(decision.get_absolute_url()).content.decode()
    with pytest.raises(Exception, match="minutes are signed"):
        services.decision_add(review=with_minutes, by=quality_manager, kind="improvement", text="Late idea")
    with pytest.raises(Exception, match="minutes are signed"):
        services.decision_update(decision=decision, by=quality_manager, kind="change", text="Rewritten")
    # An action may still be added to carry a decision out; the signature stays valid.
    services.action_add(
        decision=decision, by=quality_manager, title="Follow-up", owner=head, due_date=days(20)
    )
    from qms.services import signature_rows

    ((_, valid),) = signature_rows(with_minutes)
    assert valid


def test_the_next_review_starts_from_the_open_decisions(
    quality_manager, with_minutes, chair, password, head, dept
):
    open_one = services.decision_add(review=with_minutes, by=quality_manager, kind="change", text="Printouts")
    services.action_add(
        decision=open_one, by=quality_manager, title="Procedure", owner=head, due_date=days(5)
    )
    done_one = services.decision_add(review=with_minutes, by=quality_manager, kind="resource", text="Setter")
    finished = services.action_add(
        decision=done_one, by=quality_manager, title="Train", owner=head, due_date=days(5)
    )
    services.review_sign(review=with_minutes, by=chair, password=password)
    from qms.services import transition

    transition(obj=finished, name="finish", by=head)
    following = make_review(
        by=quality_manager,
        owner=quality_manager,
        department=dept,
        chair=chair,
        period_start=timezone.localdate(),
        period_end=days(90),
        due_date=days(91),
    )
    decisions = compile_inputs(following)["previous_actions"]["decisions"]
    assert [(d["text"], d["open"]) for d in decisions] == [("Printouts", True), ("Setter", False)]
    assert decisions[0]["actions"][0]["status"] == "Open"


def test_an_attendee_who_did_not_sit_in_the_earlier_review_reads_its_decisions_without_dead_links(
    client_for, quality_manager, with_minutes, chair, head, dept, other_head
):
    """The next review lists the earlier review's open decisions to everyone who sits in it; one
    who may not open the earlier review reads the decision and its actions named, not linked."""
    decision = services.decision_add(review=with_minutes, by=quality_manager, kind="change", text="Printouts")
    action = services.action_add(
        decision=decision, by=quality_manager, title="Procedure", owner=head, due_date=days(5)
    )
    following = make_review(
        by=quality_manager,
        owner=quality_manager,
        department=dept,
        chair=chair,
        attendees=[chair, other_head],
        period_start=timezone.localdate(),
        period_end=days(90),
        due_date=days(91),
    )
    assert client_for(other_head).get(decision.get_absolute_url()).status_code == 404
    for user, linked in ((other_head, False), (quality_manager, True)):
        html = client_for(user).get(following.get_absolute_url()).content.decode()
        assert f"{with_minutes.reference} D{decision.number}" in html and "Procedure" in html, user
        assert (f'href="{decision.get_absolute_url()}"' in html) is linked, user
        assert (f'href="{action.get_absolute_url()}"' in html) is linked, user
