"""Child records (a widget's parts, a part's files): found only through their record within the
user's scope, added and changed through the kernel's views and services, moved along their own
workflow, removed only while they are draft work, and shown with their controls."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from qms.access import restrict
from qms.services import child_add, child_remove, child_update, record_transition, transition
from qms.workflow import TransitionError
from tests.factories import WidgetFactory
from tests.kernelapp.models import PartFile, WidgetPart
from tests.qms.conftest import days, part_url

pytestmark = pytest.mark.django_db


def part_data(owner, **overrides):
    return {"name": "Flange", "owner": owner.pk, "due_date": days(14).isoformat(), "note": "", **overrides}


# --- finding a row -------------------------------------------------------------------------------


def test_a_child_of_another_departments_record_is_a_404(client_for, other_staff, other_head, part):
    for user in (other_staff, other_head):
        client = client_for(user)
        assert client.get(part_url(part)).status_code == 404
        assert client.get(part_url(part, "edit")).status_code == 404
        assert client.post(part_url(part, "step"), {"transition": "finish"}).status_code == 404
    part.refresh_from_db()
    assert part.status == "open"


def test_a_child_addressed_through_the_wrong_record_is_a_404(client_for, head, part):
    elsewhere = WidgetFactory(owner=head)
    response = client_for(head).get(f"/kernel/widgets/{elsewhere.pk}/parts/{part.pk}/")
    assert response.status_code == 404


def test_a_file_is_found_through_both_of_its_parents_or_not_at_all(client_for, head, widget, part, part_file):
    other_part = child_add(model=WidgetPart, by=head, widget=widget, name="Lid", owner=head, due_date=days(3))
    client = client_for(head)
    wrong = f"/kernel/widgets/{widget.pk}/parts/{other_part.pk}/files/{part_file.pk}/remove/"
    assert client.post(wrong, {"reason": "Wrong photo"}).status_code == 404
    right = f"/kernel/widgets/{widget.pk}/parts/{part.pk}/files/{part_file.pk}/remove/"
    assert client.post(right, {"reason": "Wrong photo"}).status_code == 302
    assert not PartFile.objects.exists()


def test_restrict_narrows_rows_through_their_record(head, staff, other_staff, part, part_file):
    foreign = WidgetFactory(owner=other_staff)
    child_add(
        model=WidgetPart, by=foreign.created_by, widget=foreign, name="X", owner=other_staff, due_date=days(1)
    )
    assert list(restrict(WidgetPart.objects.all(), staff)) == [part]
    assert list(restrict(PartFile.objects.all(), other_staff)) == []
    assert list(restrict(WidgetPart.objects.all(), staff, "change")) == []  # staff change only their own
    assert list(restrict(WidgetPart.objects.all(), head, "change")) == [part]


# --- adding and changing ----------------------------------------------------------------------------


def test_a_part_is_added_from_the_widget_page_and_the_history_says_who(client_for, head, staff, widget):
    response = client_for(head).post(f"/kernel/widgets/{widget.pk}/parts/add/", part_data(staff))
    part = WidgetPart.objects.get()
    assert response.status_code == 302 and response["Location"] == part.get_absolute_url()
    assert (part.name, part.owner, part.status) == ("Flange", staff, "open")
    entry = part.history.get()
    assert entry.history_user == head and entry.history_change_reason == "Widget part added: Flange"


def test_a_refused_part_is_shown_beside_its_field_on_the_widget_page(client_for, head, staff, widget):
    response = client_for(head).post(
        f"/kernel/widgets/{widget.pk}/parts/add/", part_data(staff, due_date=days(-1).isoformat())
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="due_date"' in html and "in the past" in html
    assert widget.title in html and 'data-testid="part-form"' in html
    assert not WidgetPart.objects.exists()


def test_no_part_is_added_to_a_closed_widget(head, quality_manager, staff, widget):
    record_transition(record=widget, name="release", by=head)
    for open_part in widget.parts.all():  # the inspection part the release brought
        transition(obj=open_part, name="finish", by=head)
    record_transition(record=widget, name="close", by=head)
    with pytest.raises(ValidationError, match="closed; reopen it first"):
        child_add(
            model=WidgetPart, by=quality_manager, widget=widget, name="Late", owner=staff, due_date=days(1)
        )


def test_staff_cannot_add_a_part_to_a_widget_they_may_not_change(client_for, staff, widget):
    response = client_for(staff).post(f"/kernel/widgets/{widget.pk}/parts/add/", part_data(staff))
    assert response.status_code == 403
    assert not WidgetPart.objects.exists()


def test_whoever_may_change_the_widget_edits_every_field_of_a_part(client_for, head, staff, part):
    client = client_for(head)
    form = client.get(part_url(part, "edit")).content.decode()
    assert 'name="name"' in form and 'name="due_date"' in form and 'name="note"' in form
    response = client.post(part_url(part, "edit"), part_data(staff, name="Bore Ø20", critical="on"))
    assert response.status_code == 302
    part.refresh_from_db()
    assert (part.name, part.critical) == ("Bore Ø20", True)


def test_the_assignee_reports_progress_and_nothing_else(client_for, staff, part):
    client = client_for(staff)
    form = client.get(part_url(part, "edit")).content.decode()
    assert 'name="note"' in form and 'name="name"' not in form and 'name="due_date"' not in form
    response = client.post(part_url(part, "edit"), {"note": "Rough-bored", "name": "Renamed"})
    assert response.status_code == 302
    part.refresh_from_db()
    assert (part.note, part.name) == ("Rough-bored", "Bore")
    with pytest.raises(PermissionDenied):
        child_update(child=part, by=staff, name="Renamed")


def test_a_colleague_who_is_not_the_assignee_may_not_edit_a_part(client_for, dept, part):
    from tests.factories import UserFactory

    colleague = UserFactory(department=dept)
    assert client_for(colleague).get(part_url(part, "edit")).status_code == 403


def test_an_edit_left_with_an_old_due_date_is_not_refused_for_it(client_for, head, staff, part):
    WidgetPart.objects.filter(pk=part.pk).update(due_date=days(-3))  # overdue by now
    response = client_for(head).post(part_url(part, "edit"), part_data(staff, due_date=days(-3).isoformat()))
    assert response.status_code == 302
    part.refresh_from_db()
    assert part.name == "Flange"


def test_a_refused_edit_stays_on_the_edit_page_with_the_error_beside_the_field(client_for, head, staff, part):
    response = client_for(head).post(part_url(part, "edit"), part_data(staff, name=""))
    assert response.status_code == 400
    assert 'data-field="name"' in response.content.decode()
    part.refresh_from_db()
    assert part.name == "Bore"


# --- the row's own workflow ---------------------------------------------------------------------


def test_the_assignee_finishes_their_part(client_for, staff, part):
    response = client_for(staff).post(part_url(part, "step"), {"transition": "finish", "reason": "Bored"})
    assert response.status_code == 302
    part.refresh_from_db()
    assert part.status == "done" and part.done_on is not None
    assert part.history.latest().history_change_reason == "Bored"


def test_cancelling_a_part_needs_a_reason_and_a_right(client_for, head, staff, part):
    response = client_for(head).post(part_url(part, "step"), {"transition": "cancel"}, follow=True)
    assert "Give a reason for this step." in response.content.decode()
    response = client_for(staff).post(part_url(part, "step"), {"transition": "cancel", "reason": "x"})
    assert response.status_code == 403  # the assignee may finish, not cancel
    part.refresh_from_db()
    assert part.status == "open"


def test_a_part_of_a_closed_widget_does_not_move(head, quality_manager, widget, part):
    record_transition(record=widget, name="release", by=head)
    for open_part in widget.parts.all():
        transition(obj=open_part, name="finish", by=head)
    record_transition(record=widget, name="close", by=head)
    finished = WidgetPart.objects.get(pk=part.pk)
    with pytest.raises(TransitionError, match="not possible while the widget part's status is “Done”"):
        transition(obj=finished, name="cancel", by=quality_manager, reason="x")
    WidgetPart.objects.filter(pk=part.pk).update(status="open")  # as if it had been left open
    with pytest.raises(TransitionError, match=f"{widget.reference} is closed; reopen it first"):
        transition(obj=WidgetPart.objects.get(pk=part.pk), name="finish", by=quality_manager)


def test_the_widget_closes_only_once_its_parts_are_done(head, widget, part):
    record_transition(record=widget, name="release", by=head)
    with pytest.raises(TransitionError, match="is still open"):
        record_transition(record=widget, name="close", by=head)


# --- removing draft work ------------------------------------------------------------------------


def test_a_part_of_a_draft_widget_is_removed_with_a_reason_in_the_widget_history(client_for, head, part):
    response = client_for(head).post(part_url(part, "remove"), {"reason": "Duplicate of the bracket"})
    assert response.status_code == 302 and response["Location"] == f"/kernel/widgets/{part.widget_id}/#parts"
    assert not WidgetPart.objects.exists()
    latest = part.widget.history.latest()
    assert latest.history_change_reason == "Widget part removed: Bore — Duplicate of the bracket"


def test_a_removal_without_a_reason_removes_nothing(client_for, head, part):
    response = client_for(head).post(part_url(part, "remove"), {"reason": ""}, follow=True)
    assert "Say why it is removed" in response.content.decode()
    assert WidgetPart.objects.filter(pk=part.pk).exists()


def test_a_part_of_a_released_widget_is_cancelled_not_removed(client_for, head, widget, part):
    record_transition(record=widget, name="release", by=head)
    response = client_for(head).post(part_url(part, "remove"), {"reason": "Not needed"}, follow=True)
    assert "Parts of a released widget are cancelled, not removed." in response.content.decode()
    assert WidgetPart.objects.filter(pk=part.pk).exists()


def test_only_someone_who_may_change_the_widget_removes_its_parts(staff, part):
    with pytest.raises(PermissionDenied):
        child_remove(child=part, by=staff, reason="Mine")


# --- the pages --------------------------------------------------------------------------------------


def test_the_widget_page_lists_parts_with_the_controls_each_user_may_use(
    client_for, head, staff, auditor, part
):
    html = client_for(head).get(part.widget.get_absolute_url()).content.decode()
    assert part_url(part, "edit") in html and part_url(part, "remove") in html
    assert 'value="finish"' in html and 'value="cancel"' in html
    html = client_for(staff).get(part.widget.get_absolute_url()).content.decode()
    assert part_url(part, "edit") in html  # the assignee's progress form
    assert part_url(part, "remove") not in html and 'value="cancel"' not in html
    assert 'value="finish"' in html
    html = client_for(auditor).get(part.widget.get_absolute_url()).content.decode()
    assert "Bore" in html and 'data-testid="row-controls"' in html
    assert part_url(part, "edit") not in html and 'value="finish"' not in html


def test_the_part_page_shows_the_part_its_files_and_an_upload_form(client_for, head, part, part_file):
    response = client_for(head).get(part_url(part))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Bore" in html and part.widget.reference in html
    assert part_file.get_download_url() in html and 'data-testid="file-form"' in html


def test_a_refused_file_is_shown_beside_its_field_on_the_part_page(client_for, head, part):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(head).post(
        part_url(part, "files/add"), {"file": SimpleUploadedFile("drawing.png", b"MZ\x90\x00 not an image")}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="file"' in html and "not accepted" in html
    assert "Bore" in html  # the part's own page, again
    assert not PartFile.objects.exists()


def test_the_page_lists_rows_in_a_constant_number_of_queries(client_for, head, staff, widget):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(head)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(widget.get_absolute_url()).status_code == 200
        return len(ctx.captured_queries)

    child_add(model=WidgetPart, by=head, widget=widget, name="A", owner=staff, due_date=days(1))
    queries()  # the process's first look-up of the widget's content type is cached: not a row's cost
    few = queries()
    for n in range(6):
        child_add(model=WidgetPart, by=head, widget=widget, name=f"B{n}", owner=head, due_date=days(2))
    assert queries() == few


def test_the_part_page_lists_its_files_in_a_constant_number_of_queries(client_for, head, staff, part):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import UserFactory
    from tests.qms.conftest import png

    client = client_for(head)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(part_url(part)).status_code == 200
        return len(ctx.captured_queries)

    child_add(model=PartFile, by=head, part=part, file=png())
    few = queries()
    for n in range(4):
        uploader = UserFactory(department=head.department, role="head")
        child_add(model=PartFile, by=uploader, part=part, file=png(f"photo{n}.png"))
    assert queries() == few


# --- two writes at the same moment ------------------------------------------------------------------


def test_a_row_removed_meanwhile_is_not_written_back_by_an_edit_of_it(head, part):
    """An edit sent while the row was being removed (its page open in two tabs) wrote it back."""
    stale = WidgetPart.objects.get(pk=part.pk)
    WidgetPart.objects.filter(pk=part.pk).delete()
    with pytest.raises(WidgetPart.DoesNotExist):
        child_update(child=stale, by=head, name="Flange, deburred")
    assert not WidgetPart.objects.exists()


def test_a_write_that_loses_a_race_is_answered_409_and_saves_nothing(
    client_for, head, staff, widget, monkeypatch
):
    """A double-click on "Add" took the same number twice: the second request's unique key was
    refused and the user met a server error."""
    from django.db import IntegrityError

    def taken(*args, **kwargs):
        raise IntegrityError('duplicate key value violates unique constraint "number"')

    monkeypatch.setattr("qms.history.save", taken)
    page = client_for(head).post(
        f"/kernel/widgets/{widget.pk}/parts/add/",
        part_data(staff),
        HTTP_REFERER=f"http://testserver/kernel/widgets/{widget.pk}/",
    )
    assert page.status_code == 409
    html = page.content.decode()
    assert "Someone changed this at the same moment, or the form was sent twice: nothing was saved." in html
    assert f'href="http://testserver/kernel/widgets/{widget.pk}/">Back to the page' in html
    assert not WidgetPart.objects.exists()
