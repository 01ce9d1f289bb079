"""Who may do what in management review: top management and the quality manager run reviews and
set objectives; heads own the objectives and actions given to them; other departments do not see
a review; auditors read everything and change nothing."""

import pytest

from reviews import services
from tests.reviews.conftest import days

pytestmark = pytest.mark.django_db


def test_another_departments_staff_do_not_see_a_review(client_for, held, other_staff):
    client = client_for(other_staff)
    assert client.get(held.get_absolute_url()).status_code == 404
    assert client.get(f"/reviews/meetings/{held.pk}/minutes.pdf").status_code == 404
    assert "MR-" not in client.get("/reviews/meetings/").content.decode()


def test_an_auditor_reads_a_review_and_its_minutes_but_changes_nothing(client_for, held, auditor):
    client = client_for(auditor)
    assert client.get(held.get_absolute_url()).status_code == 200
    assert client.get(f"/reviews/meetings/{held.pk}/minutes.pdf").status_code == 200
    assert client.post(f"/reviews/meetings/{held.pk}/minutes/", {"minutes__audits": "x"}).status_code == 403
    assert held.inputs.get(key="audits").minutes == ""


def test_the_chair_reads_the_review_they_chair(client_for, held, chair):
    assert client_for(chair).get(held.get_absolute_url()).status_code == 200


def test_a_head_changes_an_action_given_to_them_only_by_its_progress(
    client_for, quality_manager, held, other_head
):
    decision = services.decision_add(review=held, by=quality_manager, kind="resource", text="Setter")
    action = services.action_add(
        decision=decision, by=quality_manager, title="Train", owner=other_head, due_date=days(9)
    )
    client = client_for(other_head)
    edit = f"{action.get_absolute_url()}edit/"
    page = client.get(edit).content.decode()
    assert 'name="note"' in page and 'name="due_date"' not in page
    assert client.post(edit, {"note": "Assessment booked"}).status_code == 302
    action.refresh_from_db()
    assert action.note == "Assessment booked" and action.due_date == days(9)
    # Not the review itself.
    assert client.post(f"/reviews/meetings/{held.pk}/minutes/", {"minutes__audits": "x"}).status_code == 403


def test_an_attendee_from_another_department_reads_the_review_they_sit_in(
    client_for, review, other_head, other_staff
):
    review.attendees.add(other_head)
    assert client_for(other_head).get(review.get_absolute_url()).status_code == 200
    assert client_for(other_staff).get(review.get_absolute_url()).status_code == 404
