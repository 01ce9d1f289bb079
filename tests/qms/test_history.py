"""A record's history tells the whole story: its own changes and its rows' (parts, files), each
value as the forms show it, and what happened around it (attachments, links, removals)."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from qms.history import history_rows
from qms.registry import child_models
from qms.services import attachment_add, child_remove, child_update, link_add, transition
from tests.factories import WidgetFactory
from tests.qms.conftest import days

pytestmark = pytest.mark.django_db


def changes(rows, part: str) -> dict[str, tuple[str, str]]:
    return {c["field"]: (c["old"], c["new"]) for r in rows if r["part"] == part for c in r["changes"]}


def test_a_parts_changes_read_as_the_forms_show_them(head, staff, part):
    due = dt.date(2026, 11, 3)
    child_update(
        child=part, by=head, critical=True, due_date=due, owner=head, reason="Customer drawing rev C"
    )
    transition(obj=part, name="finish", by=head)
    rows = history_rows(part.widget)
    shown = changes(rows, "Widget part: Bore")
    assert shown["critical to quality"] == ("No", "Yes")
    assert shown["due date"] == (f"{days(10):%-d %b %Y}", "3 Nov 2026")
    assert shown["owner"] == (str(staff), str(head))
    assert shown["status"] == ("Open", "Done")
    edit = next(r for r in rows if r["why"] == "Customer drawing rev C")
    assert (edit["who"], edit["type"], edit["is_child"]) == (head, "Changed", True)


def test_a_rows_name_is_read_without_the_relations_its_name_does_not_need(head, part):
    # A part declares no relations for its name (``history_related``): its row is read with its own
    # foreign keys (its owner), not joined to its widget and the widget's people, as
    # ``select_related()`` of nothing would.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        rows = history_rows(part.widget)
    assert any(r["part"] == "Widget part: Bore" for r in rows)
    named = [q["sql"] for q in ctx.captured_queries if 'FROM "kernelapp_widgetpart"' in q["sql"]]
    assert len(named) == 1 and named[0].count("JOIN") == 1 and '"kernelapp_widget"' not in named[0]


def test_the_history_tab_shows_the_rows_of_the_parts_beside_the_widgets(client_for, head, part):
    child_update(child=part, by=head, critical=True)
    html = client_for(head).get(part.widget.get_history_url()).content.decode()
    assert "Widget part: Bore" in html
    assert "<del>No</del> → <ins>Yes</ins>" in html


def test_the_page_counts_the_history_and_its_tab_loads_it_when_opened(client_for, head, staff, part):
    """A record's page reads no history row: its History tab shows how many changes there are and
    fetches the table when the tab is shown; the table alone for htmx, a page of its own as a link."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    widget = part.widget
    child_update(child=part, by=head, critical=True, reason="Customer drawing rev C")
    shown = history_rows(widget)
    assert (
        len(shown) == 3 and sum(r["is_child"] for r in shown) == 2
    )  # widget created, part created + changed
    client = client_for(head)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(widget.get_absolute_url()).content.decode()
    history_tables = {m.history.model._meta.db_table for m in (type(widget), *child_models(type(widget)))}
    reads = [q["sql"] for q in ctx.captured_queries if any(f'"{t}"' in q["sql"] for t in history_tables)]
    assert len(reads) == 1 and reads[0].startswith("SELECT COUNT(*)")  # the badge's count
    assert "Customer drawing rev C" not in page
    assert 'data-testid="tab-history">History <span class="badge text-bg-light">3</span>' in page
    assert f'hx-get="{widget.get_history_url()}" hx-trigger="intersect once"' in page

    response = client.get(widget.get_history_url(), headers={"HX-Request": "true"})
    assert "HX-Request" in response["Vary"]  # a cache keeps the table and the page apart
    fragment = response.content.decode()
    assert "<html" not in fragment and fragment.count("<tr") == 4  # the header and three changes
    assert "Customer drawing rev C" in fragment and "Widget part: Bore" in fragment
    full = client.get(widget.get_history_url()).content.decode()
    assert "<html" in full and f'<a href="{widget.get_absolute_url()}">{widget.display_reference}</a>' in full
    assert "Customer drawing rev C" in full


def test_a_record_outside_the_readers_scope_has_no_history_page(client_for, other_head, widget):
    assert client_for(other_head).get(widget.get_history_url()).status_code == 404


def test_attachments_links_signatures_and_removals_appear_in_the_widgets_history(
    head, password, widget, part
):
    from qms.services import signature_sign

    attachment_add(record=widget, upload=SimpleUploadedFile("note.txt", b"first article ok"), by=head)
    other = WidgetFactory(owner=head)
    link_add(source=widget, target=other, by=head)
    signature_sign(obj=widget, by=head, password=password, meaning="Approved")
    child_remove(child=part, by=head, reason="Drawn twice")
    reasons = [r["why"] for r in history_rows(widget) if not r["is_child"]]
    assert reasons[:4] == [
        "Widget part removed: Bore — Drawn twice",
        "Signed: Approved",
        f"Link to {other.reference} added",
        "Attachment added: note.txt",
    ]
    removed = next(r for r in history_rows(widget) if r["type"] == "Removed")
    assert removed["part"] == "Widget part: Bore"


def test_a_files_upload_is_in_the_widgets_history(head, part_file):
    (row,) = [r for r in history_rows(part_file.root) if r["part"].startswith("Part file")]
    assert (row["who"], row["type"], row["part"]) == (head, "Created", "Part file: bracket.png")


def test_fields_a_model_declares_internal_are_left_out_of_its_history(head, widget, monkeypatch):
    """``history_hidden``: a model's internal state (a counter, a string of codes) is not read out
    on its History tab; the other changes of the same row are."""
    from qms.services import record_update

    monkeypatch.setattr(type(widget), "history_hidden", frozenset({"description"}))
    record_update(record=widget, by=head, title="Bracket, welded", description="AANNA")
    (row,) = [r for r in history_rows(widget) if r["type"] == "Changed"]
    assert [c["field"] for c in row["changes"]] == ["title"]


def test_a_kind_of_row_keeps_its_capitals_in_the_history(head, part, monkeypatch):
    """ "8D discipline: D1 Team", not "8d discipline" (``str.capitalize`` lowers the rest)."""
    monkeypatch.setattr(type(part)._meta, "verbose_name", "QC part")
    child_update(child=part, by=head, critical=True)
    rows = [r for r in history_rows(part.widget) if r["is_child"]]
    assert {r["part"] for r in rows} == {"QC part: Bore"}
    assert rows[0]["why"] == "QC part changed: Bore"


def test_a_json_value_is_never_dumped_into_the_history_and_a_list_says_how_many_items():
    """Figures frozen for a review, the checks a release ran: data the page lays out, said in
    words in the history (a dict as "recorded", a list with its count), never as Python."""
    from django.db import models

    from qms.history import _data_change, _text

    data = models.JSONField()
    figures = {"module": True, "measures": [{"key": "audits.risks", "trend": [["Oct 2025", None]]}]}
    checks = [{"key": "supplier_change", "state": "accepted", "checked": True}] * 8
    assert _data_change(None, figures) == "recorded"
    assert _data_change([], checks) == "recorded (8 items)"
    assert _data_change(checks, checks[:1]) == "changed (1 item)"
    assert _data_change(figures, None) == "cleared"
    assert (_text(data, [], {}), _text(data, checks, {}), _text(data, figures, {})) == (
        "—",
        "recorded (8 items)",
        "recorded",
    )


def test_a_list_of_choices_reads_as_their_labels():
    from django.contrib.postgres.fields import ArrayField
    from django.db import models

    from qms.history import _text

    choices = [("head", "Department head"), ("staff", "Staff")]
    roles = ArrayField(models.CharField(max_length=10, choices=choices))
    assert _text(roles, ["head", "staff"], {}) == "Department head, Staff"
    assert _text(roles, [], {}) == "—"


def test_the_history_tab_says_a_json_change_in_words(head, widget):
    """The template prints a JSON change's phrase alone (no "old → new" of two dumps)."""
    from django.template.loader import render_to_string

    html = render_to_string(
        "qms/_history.html",
        {
            "history": [
                {
                    "when": widget.created_at,
                    "who": head,
                    "why": "Released",
                    "type": "Changed",
                    "part": widget.reference,
                    "is_child": False,
                    "state": "",
                    "changes": [
                        {"field": "release checks", "old": "—", "new": "", "summary": "recorded (8 items)"},
                        {"field": "title", "old": "A", "new": "B", "summary": ""},
                    ],
                }
            ]
        },
    )
    assert "<strong>Release checks:</strong> recorded (8 items)</div>" in html
    assert "<del>A</del> → <ins>B</ins>" in html


def test_history_tables_are_indexed_only_where_history_is_read():
    """A record's history is read by its id, a child row's by its parent's key, any row's by who
    made it; an index on anything else is written on every change and never read."""
    from django.db import connection

    from qms.models import ChildRecord
    from qms.registry import record_models

    models = [*record_models(), *(c for m in record_models() for c in child_models(m))]
    assert any(issubclass(m, ChildRecord) for m in models)
    with connection.cursor() as cursor:
        for model in models:
            history = model.history.model
            table = history._meta.db_table
            columns = {
                tuple(c["columns"])
                for c in connection.introspection.get_constraints(cursor, table).values()
                if c["index"] or c["primary_key"]
            }
            read_by = {("history_id",), ("id",), ("history_user_id",)}
            if issubclass(model, ChildRecord):
                read_by.add((model._meta.get_field(model.parent_field).column,))
            assert columns == read_by, table


def _as_kept(entry) -> dict:
    """A history row's values, but for what differs between any two rows (ids, number, times)."""
    differ = {"history_id", "id", "reference", "history_date", "created_at", "updated_at"}
    fields = type(entry)._meta.concrete_fields
    return {f.attname: getattr(entry, f.attname) for f in fields if f.attname not in differ}


def test_a_new_row_is_written_with_its_history_row_in_one_statement_as_simple_history_writes_it(
    head, staff, widget
):
    """The row and its history row go in one statement, and the history row holds what
    simple-history's own ``save()`` path writes for the same row: every field, who and why."""
    from django.db import connection
    from django.db.models.signals import post_save
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from qms import history
    from qms.services import child_add
    from tests.kernelapp.models import WidgetPart

    fields = {"widget": widget, "name": "Bore", "owner": staff, "due_date": days(10), "critical": True}
    saved = []

    def heard(sender, instance, created, **kwargs):
        saved.append((instance.pk, created))

    post_save.connect(heard, sender=WidgetPart)
    try:
        before = timezone.now()
        with CaptureQueriesContext(connection) as ctx:
            row = child_add(model=WidgetPart, by=head, reason="Drawing rev B", **fields)
    finally:
        post_save.disconnect(heard, sender=WidgetPart)
    writes = [q["sql"] for q in ctx.captured_queries if "INSERT" in q["sql"]]
    assert len(writes) == 1 and writes[0].startswith('WITH new_row AS (INSERT INTO "kernelapp_widgetpart"')
    assert saved == [(row.pk, True)]  # post_save heard once, as a created row
    assert not row._state.adding and WidgetPart.objects.get(pk=row.pk).name == "Bore"

    plain = WidgetPart(**fields)
    history.attribute(plain, by=head, reason="Drawing rev B")
    plain.save()  # simple-history's own path: the row, then its history row
    [one], [other] = row.history.all(), plain.history.all()
    assert _as_kept(one) == _as_kept(other)
    assert (one.history_type, one.history_user, one.history_change_reason) == ("+", head, "Drawing rev B")
    assert one.id == row.pk and before <= one.history_date <= timezone.now()


def test_a_new_records_history_row_has_the_number_the_database_gave_it(head, dept):
    from qms.services import record_create
    from tests.kernelapp.models import Widget

    widget = record_create(model=Widget, by=head, title="Housing", owner=head, department=dept)
    [created] = widget.history.all()
    assert widget.reference == created.reference == Widget.objects.get().reference != ""
    assert (created.title, created.status, created.history_type) == ("Housing", "draft", "+")


def test_the_step_into_a_status_says_who_when_and_why_as_the_reader_may_read_it(
    head, other_head, quality_manager, widget, other_dept
):
    """``entered``: the step that brought a record into its status, through later edits; a
    reason naming a record the reader may not see is read without its number."""
    from qms import history

    hidden = WidgetFactory(owner=other_head, department=other_dept, title="Cover")
    transition(obj=widget, name="release", by=head, reason=f"Drawing checked against {hidden.reference}")
    widget.title = "Housing H-220 rev. B"
    history.save(widget, by=quality_manager, reason="Title corrected")
    step = history.entered(widget, "released", head)
    assert step.who == head and step.why.startswith("Drawing checked against")
    assert hidden.reference not in step.why
    assert hidden.reference in history.entered(widget, "released", quality_manager).why
    assert history.entered(widget, "draft", head) is None  # not in it now
    transition(obj=widget, name="close", by=head)
    transition(obj=widget, name="reopen", by=quality_manager, reason="Bore out of tolerance on lot 7")
    again = history.entered(widget, "released", head)
    assert (again.who, again.why) == (quality_manager, "Bore out of tolerance on lot 7")
    fresh = WidgetFactory(owner=head, department=widget.department, title="Bracket")
    assert history.entered(fresh, "draft", head) is None  # created so: no step brought it there


def test_a_packs_history_names_only_the_records_its_reader_may_see(
    head, other_head, quality_manager, widget, other_dept
):
    """``history_of`` (every audit-pack section's history) gives each reason as the pack's taker
    may read it, as the History tab does; its template prints that."""
    from django.template.loader import render_to_string

    from qms import history
    from qms.auditpack import history_of
    from tests.kernelapp.module import audit_section

    hidden = WidgetFactory(owner=other_head, department=other_dept, title="Cover")
    history.save(widget, by=head, reason=f"Checked against {hidden.reference}")
    [newest, *_] = history_of([widget], head)[widget.pk]
    assert newest.reason_shown == "Checked against 1 record outside your view"
    assert (
        history_of([widget], quality_manager)[widget.pk][0].reason_shown
        == f"Checked against {hidden.reference}"
    )
    from django.utils import timezone

    today = timezone.localtime(widget.created_at).date()  # the pack's days are local days
    html = render_to_string(
        "kernelapp/audit_section.html", audit_section(user=head, date_from=today, date_to=today)
    )
    assert "Checked against 1 record outside your view" in html and hidden.reference not in html


def test_a_link_names_the_other_record_in_each_history_as_far_as_its_reader_may_see(
    head, other_head, quality_manager, widget, other_dept
):
    theirs = WidgetFactory(owner=other_head, department=other_dept, title="Cover")
    link_add(source=widget, target=theirs, by=quality_manager)  # who sees both
    assert history_rows(widget, head)[0]["why"] == "Link to 1 record outside your view added"
    assert history_rows(theirs, other_head)[0]["why"] == "Link to 1 record outside your view added"
    assert history_rows(widget, quality_manager)[0]["why"] == f"Link to {theirs.reference} added"
    assert history_rows(theirs, quality_manager)[0]["why"] == f"Link to {widget.reference} added"


def test_a_link_added_from_a_copy_read_before_another_change_writes_the_record_as_stored(
    head, quality_manager, widget, other_dept
):
    """The lot's page was opened, the lot shipped meanwhile, then a CAPA linked from that page:
    its history said "Status: Shipped → Released" under "Link added", as if the link undid it."""
    stale = type(widget).objects.get(pk=widget.pk)
    transition(obj=widget, name="release", by=head)  # another change since the copy was read
    other = WidgetFactory(owner=head, department=widget.department, title="Cover")
    link_add(source=stale, target=other, by=head)
    rows = history_rows(widget)
    link_row = next(r for r in rows if r["why"] == f"Link to {other.reference} added")
    assert link_row["changes"] == []  # nothing of the widget changed with the link
    widget.refresh_from_db()
    assert widget.history.latest().status == widget.status
