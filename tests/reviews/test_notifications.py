"""A review action is a due item like any other: its owner is alerted ahead of the due date, and
when it is missed the escalation climbs to their head; the weekly digest lists it."""

import datetime as dt

import pytest
from django.utils import timezone

from notifications import services as notifications
from reviews import services
from tests.notifications.conftest import smtp  # noqa: F401 - the real SMTP server fixture
from tests.notifications.helpers import text_part

pytestmark = pytest.mark.django_db


def test_a_missed_review_action_is_escalated_to_its_owners_head(
    smtp,  # noqa: F811
    quality_manager,
    held,
    other_staff,
    other_head,
):
    decision = services.decision_add(
        review=held, by=quality_manager, kind="change", text="Withdraw printouts"
    )
    action = services.action_add(
        decision=decision,
        by=quality_manager,
        title="Withdraw printouts at cell 4",
        owner=other_staff,
        due_date=timezone.localdate(),
    )
    type(action).objects.filter(pk=action.pk).update(due_date=timezone.localdate() - dt.timedelta(days=4))
    notifications.escalations_send(now=timezone.now())
    received = {m["X-Envelope-To"]: m for m in smtp.messages}
    assert other_staff.email in received and other_head.email in received
    assert "Withdraw printouts at cell 4" in text_part(received[other_head.email])
    assert held.reference in received[other_head.email]["Subject"]
