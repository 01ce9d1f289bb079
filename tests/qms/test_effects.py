"""Workflow effects: what a transition does besides changing the status is registered by the
module's services (``workflow.on``), runs inside the transition, and can refuse it."""

import pytest

from qms.services import record_transition, transition
from qms.workflow import TransitionError
from tests.kernelapp import services
from tests.kernelapp.models import Widget, WidgetPart

pytestmark = pytest.mark.django_db


def test_releasing_stamps_the_release_in_the_same_history_row(head, widget):
    record_transition(record=widget, name="release", by=head, reason="First article passed")
    widget.refresh_from_db()
    assert widget.released_at is not None
    latest = widget.history.latest()
    assert (latest.status, latest.released_at, latest.history_change_reason) == (
        "released",
        widget.released_at,
        "First article passed",
    )


def test_finishing_a_part_stamps_the_day(staff, part):
    transition(obj=part, name="finish", by=staff)
    part.refresh_from_db()
    assert part.done_on is not None and part.history.latest().done_on == part.done_on


def test_the_services_registered_their_effects_once_each():
    assert Widget.workflow.effects("release") == [services._released]
    assert WidgetPart.workflow.effects("finish") == [services._finished]
    Widget.workflow.on("release")(services._released)  # registering again changes nothing
    assert Widget.workflow.effects("release") == [services._released]


def test_an_effect_for_a_transition_that_does_not_exist_is_a_mistake_found_at_start():
    with pytest.raises(AssertionError, match="no such transition"):
        Widget.workflow.on("approve")


def test_an_effect_that_refuses_leaves_the_record_as_it_was(head, widget, monkeypatch):
    def refuse(widget, **kwargs):
        raise TransitionError("The drawing is not released yet.")

    monkeypatch.setitem(Widget.workflow._effects, "release", [services._released, refuse])
    with pytest.raises(TransitionError, match="drawing"):
        record_transition(record=widget, name="release", by=head)
    widget.refresh_from_db()
    assert (widget.status, widget.released_at, widget.history.count()) == ("draft", None, 1)


def test_an_effect_gets_what_the_form_of_its_step_gave(head, widget, monkeypatch):
    seen = {}

    def remember(widget, *, by, reason, old_status, **kwargs):
        seen.update(by=by, old_status=old_status, **kwargs)

    monkeypatch.setitem(Widget.workflow._effects, "release", [remember])
    record_transition(record=widget, name="release", by=head, batch="24-1187")
    assert seen == {"by": head, "old_status": "draft", "batch": "24-1187"}
