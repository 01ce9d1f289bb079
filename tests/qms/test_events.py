"""Events between modules: delivered to every subscriber after the publishing transaction
commits, each in a transaction of its own; a failing subscriber is logged, not raised, and hides
the event from nobody else."""

import logging

import pytest

from qms import events
from qms.services import record_transition
from tests.kernelapp.models import WidgetPart

pytestmark = pytest.mark.django_db


def test_a_release_is_delivered_after_it_commits(head, widget, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        record_transition(record=widget, name="release", by=head)
        assert not widget.parts.exists()  # nothing delivered inside the transaction
    assert queued  # delivery waits for the commit
    for deliver in queued:
        deliver()
    part = widget.parts.get()
    assert (part.name, part.owner, part.status) == ("Inspect after release", head, "open")
    assert part.history.get().history_user.username == "system"


def test_a_subscriber_is_safe_to_run_twice(head, widget, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as queued:
        record_transition(record=widget, name="release", by=head)
    for deliver in queued:
        deliver()
    assert widget.parts.count() == 1


def test_a_failing_subscriber_is_logged_rolled_back_and_hides_the_event_from_nobody(
    head, widget, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def half_done_then_fails(*, widget_id):
        WidgetPart.objects.create(
            widget_id=widget_id, name="Half", owner=head, due_date=widget.created_at.date()
        )
        raise RuntimeError("mail server down")

    subscribers = events._subscribers["kernelapp.widget_released"]
    monkeypatch.setitem(
        events._subscribers, "kernelapp.widget_released", [half_done_then_fails, *subscribers]
    )
    with (
        caplog.at_level(logging.ERROR, logger="qms.events"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        record_transition(record=widget, name="release", by=head)
    widget.refresh_from_db()
    assert widget.status == "released"  # the release stands
    assert list(widget.parts.values_list("name", flat=True)) == ["Inspect after release"]
    assert (
        "event kernelapp.widget_released: subscriber" in caplog.text and "half_done_then_fails" in caplog.text
    )


def test_a_payload_carries_ids_not_model_instances(widget):
    with pytest.raises(TypeError, match="pass ids"):
        events.publish("kernelapp.widget_released", widget_id=widget)
    with pytest.raises(TypeError, match="needs"):
        events.publish("kernelapp.widget_released")
    with pytest.raises(KeyError):
        events.publish("kernelapp.no_such_event", widget_id=1)


def test_the_catalogue_lists_who_hears_each_event():
    names = {event.name: subscribers for event, subscribers in events.catalogue()}
    assert names["kernelapp.widget_released"] == ["tests.kernelapp.services.inspection_part_add"]
    # The kernel's own event is listed whoever hears it (the audits module closes findings by it).
    assert "record.transition" in names
    assert "tests.kernelapp.services.inspection_part_add" not in names["record.transition"]


def test_an_observer_hears_every_event_after_it_commits_with_one_id(
    head, widget, monkeypatch, django_capture_on_commit_callbacks
):
    heard = []
    monkeypatch.setattr(events, "_observers", [heard.append])
    with django_capture_on_commit_callbacks(execute=False) as queued:
        record_transition(record=widget, name="release", by=head)
    assert not heard  # nothing before the commit
    for deliver in queued:
        deliver()
    assert {o.name for o in heard} == {"kernelapp.widget_released", "record.transition"}
    released = next(o for o in heard if o.name == "kernelapp.widget_released")
    assert released.payload == {"widget_id": widget.pk}
    # The same publication run again reaches the observer with the same id (it deduplicates).
    for deliver in queued:
        deliver()
    assert [o.id for o in heard if o.name == released.name] == [released.id, released.id]


def test_webhooks_observe_every_event():
    assert "notifications.webhooks.webhooks_claim" in events.observers()
