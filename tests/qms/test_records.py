"""The record kernel: reference numbers, workflow transitions, edits with reasons, history."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from simple_history.models import HistoricalChanges

from qms.registry import record_models
from qms.services import get_system_user, record_create, record_transition, record_update
from qms.workflow import TransitionError, Workflow
from tests.factories import WidgetFactory
from tests.kernelapp.models import Widget


def test_every_record_model_has_history_and_a_workflow():
    models = record_models()
    assert models, "no record models installed"
    for model in models:
        assert isinstance(model.workflow, Workflow), model
        assert model.workflow.initial in dict(model.workflow.statuses), model
        assert model.reference_prefix, model
        history_model = model.history.model
        assert issubclass(history_model, HistoricalChanges), model
        assert {"history_user", "history_change_reason", "history_date"} <= {
            f.name for f in history_model._meta.fields
        }


# Steps that refuse or end something. Their buttons are red or grey, never the blue or green of
# a step forward, so that nobody rejects a receipt or retires a plan when they meant to carry on.
ENDING_STEPS = {
    "reject",
    "retire",
    "disqualify",
    "cancel",
    "withdraw",
    "quarantine",
    "make_obsolete",
    "report_lost",
}


def test_no_button_to_reject_retire_or_cancel_looks_like_a_step_forward():
    from django.apps import apps

    forward = []
    for model in apps.get_models():
        workflow = model.__dict__.get("workflow")
        for step in workflow.transitions if isinstance(workflow, Workflow) else ():
            # A step with a form of its own is laid out by its module, not as this button.
            if (
                step.name in ENDING_STEPS
                and step.allowed
                and not step.form
                and step.style in ("primary", "success")
            ):
                forward.append(f"{model.__name__}.{step.name} ({step.style})")
    assert not forward, forward


@pytest.mark.django_db
def test_references_are_numbered_per_prefix_and_year(staff):
    first = WidgetFactory(owner=staff)
    second = WidgetFactory(owner=staff)
    year = timezone.localdate().year
    assert first.reference == f"WID-{year}-0001"
    assert second.reference == f"WID-{year}-0002"


@pytest.mark.django_db
def test_the_ten_thousandth_reference_of_a_year_has_five_digits(staff):
    from qms.models import ReferenceCounter

    year = timezone.localdate().year
    ReferenceCounter.objects.create(prefix="WID", year=year, last=9998)
    references = [WidgetFactory(owner=staff).reference for _ in range(2)]
    assert references == [f"WID-{year}-9999", f"WID-{year}-10000"]


@pytest.mark.django_db
def test_a_rolled_back_creation_leaves_no_gap(staff):
    WidgetFactory(owner=staff)
    with pytest.raises(RuntimeError), transaction.atomic():
        WidgetFactory(owner=staff)
        raise RuntimeError("the user's save failed later in the same transaction")
    third = WidgetFactory(owner=staff)
    assert third.reference.endswith("-0002")


@pytest.mark.django_db(transaction=True)
def test_references_stay_unique_and_gap_free_with_8_concurrent_creators(head, staff):
    barrier = threading.Barrier(8)
    errors: list[Exception] = []

    def create(n: int) -> None:
        try:
            barrier.wait()
            for i in range(5):
                record_create(
                    model=Widget,
                    by=head,
                    title=f"Concurrent {n}-{i}",
                    description="race",
                    owner=staff,
                    department=staff.department,
                )
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    numbers = sorted(int(r.split("-")[-1]) for r in Widget.objects.values_list("reference", flat=True))
    assert numbers == list(range(1, 41))


@pytest.mark.django_db
def test_an_illegal_transition_is_refused_with_a_clear_message_and_changes_nothing(head):
    ncr = WidgetFactory(owner=head)
    with pytest.raises(TransitionError, match="not possible while the record's status is “Draft”"):
        record_transition(record=ncr, name="close", by=head)
    ncr.refresh_from_db()
    assert ncr.status == "draft"
    assert ncr.history.count() == 1


@pytest.mark.django_db
def test_a_step_someone_may_never_take_is_a_403_whatever_the_status(client_for, head, staff):
    """A machinist replaying the quality manager's "Reopen" on a draft was told the record's
    status and sent back, as if the step were only early: a write without the right is a 403."""
    widget = WidgetFactory(owner=head)
    response = client_for(staff).post(widget.get_absolute_url() + "transition/", {"transition": "reopen"})
    assert response.status_code == 403
    widget.refresh_from_db()
    assert widget.status == "draft" and widget.history.count() == 1


@pytest.mark.django_db
def test_a_transition_records_who_when_and_why(head):
    ncr = WidgetFactory(owner=head)
    record_transition(record=ncr, name="release", by=head, reason="Ready for the shop floor")
    latest = ncr.history.latest()
    assert latest.status == "released"
    assert latest.history_user == head
    assert latest.history_change_reason == "Ready for the shop floor"


@pytest.mark.django_db
def test_a_transition_is_refused_to_someone_not_allowed(staff, other_staff):
    ncr = WidgetFactory(owner=staff)
    record_transition(record=ncr, name="release", by=staff)
    # Closing is for the department head or quality: the owner (staff) may not.
    with pytest.raises(PermissionDenied):
        record_transition(record=ncr, name="close", by=staff)
    ncr.refresh_from_db()
    assert ncr.status == "released"


@pytest.mark.django_db
def test_a_required_reason_is_enforced(quality_manager, head):
    ncr = WidgetFactory(owner=head)
    record_transition(record=ncr, name="release", by=head)
    record_transition(record=ncr, name="close", by=head)
    with pytest.raises(TransitionError, match="reason"):
        record_transition(record=ncr, name="reopen", by=quality_manager, reason="  ")
    ncr.refresh_from_db()
    assert ncr.status == "closed"


@pytest.mark.django_db
def test_editing_past_draft_requires_a_reason_and_history_keeps_old_and_new(head):
    ncr = WidgetFactory(owner=head, title="Old title")
    record_transition(record=ncr, name="release", by=head)
    ncr.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        record_update(record=ncr, by=head, title="New title")
    assert "reason" in refused.value.message_dict
    ncr.refresh_from_db()
    assert ncr.title == "Old title"

    record_update(record=ncr, by=head, title="New title", reason="Customer's part name")
    latest, previous = ncr.history.all()[:2]
    delta = latest.diff_against(previous)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("title", "Old title", "New title")]
    assert latest.history_change_reason == "Customer's part name"
    assert latest.history_user == head


@pytest.mark.django_db
def test_background_changes_are_attributed_to_the_system_account(head):
    ncr = WidgetFactory(owner=head)
    system = get_system_user()
    record_transition(record=ncr, name="release", by=head)
    ncr.refresh_from_db()
    ncr._history_user = system
    ncr._change_reason = "Nightly job"
    ncr.save()
    assert ncr.history.latest().history_user.username == "system"
    assert not system.has_usable_password()


@pytest.mark.django_db
def test_the_history_tab_shows_field_changes(client_for, head):
    ncr = WidgetFactory(owner=head, title="Burr on flange")
    record_transition(record=ncr, name="release", by=head)
    ncr.refresh_from_db()
    record_update(record=ncr, by=head, title="Burr on flange face", reason="More precise")
    html = client_for(head).get(ncr.get_history_url()).content.decode()
    assert "<del>Burr on flange</del> → <ins>Burr on flange face</ins>" in html
    assert "More precise" in html
    assert "<del>Draft</del> → <ins>Released</ins>" in html


@pytest.mark.django_db
def test_the_edit_form_refuses_a_change_without_reason_beside_the_field(client_for, head):
    ncr = WidgetFactory(owner=head, title="Original")
    record_transition(record=ncr, name="release", by=head)
    data = {
        "title": "Changed",
        "description": "d",
        "owner": head.pk,
        "department": head.department_id,
        "reason": "",
    }
    response = client_for(head).post(f"/kernel/widgets/{ncr.pk}/edit/", data)
    assert response.status_code == 400
    assert 'data-field="reason"' in response.content.decode()
    ncr.refresh_from_db()
    assert ncr.title == "Original"


@pytest.mark.django_db
def test_a_long_reason_is_kept_whole_and_an_overlong_one_refused(client_for, head):
    widget = WidgetFactory(owner=head)
    client = client_for(head)
    reason = "Released after the first-article inspection. " * 20  # ~900 characters
    response = client.post(
        f"/kernel/widgets/{widget.pk}/transition/", {"transition": "release", "reason": reason}
    )
    assert response.status_code == 302
    assert widget.history.latest().history_change_reason == reason.strip()
    response = client.post(
        f"/kernel/widgets/{widget.pk}/transition/", {"transition": "close", "reason": "x" * 5000}, follow=True
    )
    assert response.status_code == 200
    widget.refresh_from_db()
    assert widget.status == "released"


NOT_A_DAY = "Enter a real date as YYYY-MM-DD, for example 2026-05-31."


@pytest.mark.django_db
@pytest.mark.parametrize(
    "due, message",
    [
        ("0001-01-01", "Check the year"),
        ("9999-12-31", "Check the year"),
        ("1990-06-01", "Check the year"),
        # "05/06/2027" is May to some and June to others: only YYYY-MM-DD is read, as the date
        # box sends it, and refused in the format's words.
        ("05/06/2027", NOT_A_DAY),
        ("2027-02-30", NOT_A_DAY),
        ("next week", NOT_A_DAY),
    ],
)
def test_an_implausible_or_unreadable_due_date_is_refused_beside_the_field(client_for, head, due, message):
    response = client_for(head).post(
        "/kernel/widgets/new/",
        {"title": "Typo in the date", "owner": head.pk, "department": head.department_id, "due_date": due},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="due_date"' in html and message in html
    assert not Widget.objects.exists()


@pytest.mark.django_db
def test_an_old_due_date_left_unchanged_does_not_block_an_edit(client_for, head):
    import datetime as dt

    long_ago = timezone.localdate().replace(year=timezone.localdate().year - 8)
    widget = WidgetFactory(owner=head, due_date=long_ago)  # imported from an old system, say
    response = client_for(head).post(
        f"/kernel/widgets/{widget.pk}/edit/",
        {"title": "Renamed", "owner": head.pk, "department": head.department_id, "due_date": long_ago},
    )
    assert response.status_code == 302
    widget.refresh_from_db()
    assert widget.title == "Renamed" and widget.due_date == long_ago
    # Changed, the same old year is a typo again: refused beside the field, nothing saved.
    response = client_for(head).post(
        f"/kernel/widgets/{widget.pk}/edit/",
        {
            "title": "Renamed again",
            "owner": head.pk,
            "department": head.department_id,
            "due_date": long_ago - dt.timedelta(days=1),
        },
    )
    assert response.status_code == 400
    assert (
        'data-field="due_date"' in response.content.decode() and "Check the year" in response.content.decode()
    )
    widget.refresh_from_db()
    assert widget.title == "Renamed" and widget.due_date == long_ago


@pytest.mark.django_db
def test_a_search_with_a_nul_character_finds_nothing_instead_of_failing(client_for, head):
    WidgetFactory(owner=head, title="Bore gauge")
    client = client_for(head)
    assert client.get("/kernel/widgets/", {"q": "\x00"}).status_code == 200
    assert client.get("/kernel/widgets/", {"q": "gauge\x00", "format": "csv"}).status_code == 200
