"""Audit pack requests without a worker: the limits, the sweep, retention, who sees a pack, the
clause index with its bookmarks and page numbers, the evidence freshness table and PDF/A-3b."""

import dataclasses
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.template.loader import render_to_string
from django.utils import timezone
from pypdf import PdfReader

from qms import auditpack
from qms.models import AuditPack, AuditPackFile
from qms.pdf import heading_rows
from qms.services import auditpacks as services
from tests.factories import WidgetFactory
from tests.kernelapp.models import Widget

from .packs import ready_pack

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def ask(user, keys=("widgets",), days=30):
    return services.audit_pack_request(
        by=user, keys=list(keys), date_from=TODAY() - dt.timedelta(days=days), date_to=TODAY()
    )


def text_of(pdf: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]


# --- limits ------------------------------------------------------------------------------------


def test_a_second_pack_while_one_renders_is_refused_saying_which(auditor, quality_manager):
    first = ask(auditor)
    with pytest.raises(ValidationError) as refused:
        ask(auditor)
    assert first.reference in str(refused.value)
    assert AuditPack.objects.count() == 1
    ask(quality_manager)  # someone else may
    AuditPack.objects.filter(pk=first.pk).update(status="ready")
    ask(auditor)  # and the auditor again once theirs is done


def test_the_period_is_capped_by_the_setting(client_for, auditor, settings):
    settings.AUDIT_PACK_MAX_DAYS = 366
    response = client_for(auditor).post(
        "/audit-pack/",
        {
            "sections": ["widgets"],
            "date_from": (TODAY() - dt.timedelta(days=400)).isoformat(),
            "date_to": TODAY(),
        },
    )
    assert response.status_code == 400
    assert (
        'data-field="date_from"' in response.content.decode()
        and "at most 1 year" in response.content.decode()
    )
    assert not AuditPack.objects.exists()


def test_the_page_says_when_a_pack_of_yours_is_still_rendering(client_for, auditor):
    pack = ask(auditor)
    response = client_for(auditor).post(
        "/audit-pack/", {"sections": ["widgets"], "date_from": TODAY(), "date_to": TODAY()}
    )
    assert response.status_code == 400
    assert f"Your pack {pack.reference} is still being rendered" in response.content.decode()


# --- the sweep: killed renders, lost messages, retention ----------------------------------------


def test_the_sweep_queues_again_a_pack_whose_renderer_died(auditor, django_capture_on_commit_callbacks):
    pack = ask(auditor)
    past = timezone.now() - dt.timedelta(seconds=5)
    AuditPack.objects.filter(pk=pack.pk).update(
        status="rendering", attempts=1, lease_until=past, queued_at=past
    )
    with django_capture_on_commit_callbacks() as queued:
        assert services.audit_packs_sweep()["requeued"] == 1
    pack.refresh_from_db()
    assert pack.status == "queued" and pack.lease_until is None and len(queued) == 1
    # A renderer that still holds its lease is left alone.
    AuditPack.objects.filter(pk=pack.pk).update(
        status="rendering", lease_until=timezone.now() + dt.timedelta(minutes=1)
    )
    assert services.audit_packs_sweep()["requeued"] == 0


def test_a_pack_killed_on_every_attempt_fails_saying_why_instead_of_hanging(auditor, settings):
    settings.AUDIT_PACK_MAX_ATTEMPTS = 3
    pack = ask(auditor)
    AuditPack.objects.filter(pk=pack.pk).update(
        status="rendering", attempts=3, lease_until=timezone.now() - dt.timedelta(seconds=1)
    )
    assert services.audit_packs_sweep()["failed"] == 1
    pack.refresh_from_db()
    assert pack.status == "failed" and "stopped 3 times" in pack.error
    ask(auditor)  # the auditor may ask again


def test_a_queued_pack_whose_message_was_lost_is_queued_again(
    auditor, settings, django_capture_on_commit_callbacks
):
    pack = ask(auditor)
    AuditPack.objects.filter(pk=pack.pk).update(queued_at=timezone.now() - dt.timedelta(hours=1))
    with django_capture_on_commit_callbacks() as queued:
        assert services.audit_packs_sweep()["requeued"] == 1
    assert len(queued) == 1
    assert services.audit_packs_sweep()["requeued"] == 0  # not again until another lease has passed


def test_a_render_that_raises_is_retried_then_fails_with_the_error(auditor, settings, monkeypatch):
    settings.AUDIT_PACK_MAX_ATTEMPTS = 2
    pack = ask(auditor)

    def broken(**kwargs):
        raise RuntimeError("section exploded")

    monkeypatch.setattr(auditpack, "pack_render", broken)
    assert services.audit_pack_render(pack_id=pack.pk) == "failed"
    pack.refresh_from_db()
    assert pack.status == "queued" and "section exploded" in pack.error  # retried once more
    assert services.audit_pack_render(pack_id=pack.pk) == "failed"
    pack.refresh_from_db()
    assert pack.status == "failed" and pack.attempts == 2 and "RuntimeError: section exploded" in pack.error


def test_a_finished_pack_is_never_rendered_twice(auditor):
    pack = ready_pack(auditor)
    assert services.audit_pack_render(pack_id=pack.pk) == "not taken"


def test_old_packs_expire_but_their_request_and_hash_stay(
    auditor, settings, django_capture_on_commit_callbacks
):
    settings.AUDIT_PACK_RETENTION_DAYS = 30
    old, new = ready_pack(auditor), ready_pack(auditor)
    AuditPack.objects.filter(pk=old.pk).update(requested_at=timezone.now() - dt.timedelta(days=31))
    path = Path(old.file.file.path)
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.audit_packs_expire() == 1
    assert not path.exists() and Path(new.file.file.path).exists()
    old.refresh_from_db()
    assert old.status == "expired" and old.sha256 and not AuditPackFile.objects.filter(pack=old).exists()
    assert AuditPackFile.objects.filter(pack=new).exists()


# --- who sees a pack -----------------------------------------------------------------------------


def test_a_pack_is_seen_by_who_asked_and_the_quality_office_only(client_for, auditor, head, quality_manager):
    pack = ready_pack(auditor)
    for user, code in ((auditor, 200), (quality_manager, 200), (head, 404)):
        assert client_for(user).get(f"/audit-pack/{pack.pk}/").status_code == code
        assert client_for(user).get(f"/audit-pack/{pack.pk}/download/").status_code == code
    # The generic file download never serves a pack.
    assert client_for(auditor).get(f"/files/qms.auditpackfile/{pack.file.pk}/").status_code == 404


def test_the_packs_page_says_how_long_it_rendered_in_seconds_under_a_minute(client_for, auditor):
    """A pack rendered in 18 s read "rendered in 0 minutes"."""
    pack = ready_pack(auditor)
    finished = pack.finished_at
    AuditPack.objects.filter(pk=pack.pk).update(started_at=finished - dt.timedelta(seconds=18))
    page = client_for(auditor).get(f"/audit-pack/{pack.pk}/").content.decode()
    assert "(rendered in <span" in page and ">18 s</span>)" in page and "minute" not in page
    AuditPack.objects.filter(pk=pack.pk).update(started_at=finished - dt.timedelta(seconds=245))
    page = client_for(auditor).get(f"/audit-pack/{pack.pk}/").content.decode()
    assert ">4 min 5 s</span>)" in page


def test_the_progress_box_polls_while_rendering_and_stops_with_the_download(client_for, auditor):
    pack = ask(auditor)
    AuditPack.objects.filter(pk=pack.pk).update(
        status="rendering", sections_total=4, sections_done=2, pages=37, current="Competence and training"
    )
    box = client_for(auditor).get(f"/audit-pack/{pack.pk}/progress/").content.decode()
    assert 'hx-trigger="every 1s"' in box and 'value="40"' in box
    assert "section 3 of 4, 37 pages so far" in box and "Competence and training" in box
    AuditPack.objects.filter(pk=pack.pk).update(status="failed", error="RuntimeError: out of paper")
    box = client_for(auditor).get(f"/audit-pack/{pack.pk}/progress/").content.decode()
    assert "hx-trigger" not in box and "out of paper" in box


def test_another_auditor_write_is_still_refused(client_for, auditor, widget):
    response = client_for(auditor).post(f"/kernel/widgets/{widget.pk}/edit/", {"title": "Changed"})
    assert response.status_code == 403
    assert Widget.objects.get(pk=widget.pk).title != "Changed"


# --- the pack itself -------------------------------------------------------------------------------


@pytest.fixture
def overdue_widgets(head, dept):
    """Three widgets of quality control: two overdue (10 and 3 days), one due next week."""
    made = [WidgetFactory(owner=head, department=dept, title=f"Gauge stand {i}") for i in range(3)]
    for widget, days in zip(made, (-10, -3, 7), strict=True):
        Widget.objects.filter(pk=widget.pk).update(due_date=TODAY() + dt.timedelta(days=days))
    Widget.objects.filter(pk=made[0].pk).update(created_at=timezone.now() - dt.timedelta(days=40))
    return made


def test_the_freshness_of_a_clause_counts_what_the_user_may_see(
    overdue_widgets, quality_manager, other_staff
):
    section = next(s for s in auditpack.sections() if s.key == "widgets")
    fresh = auditpack.freshness_of(section, user=quality_manager, today=TODAY())
    assert (fresh.newest, fresh.overdue, fresh.days_overdue(TODAY())) == (TODAY(), 2, 10)
    hidden = auditpack.freshness_of(section, user=other_staff, today=TODAY())
    assert (hidden.newest, hidden.overdue, hidden.oldest_due) == (None, 0, None)


def test_the_pack_opens_with_freshness_then_the_clause_index_with_page_numbers_and_bookmarks(
    overdue_widgets, quality_manager
):
    pdf, _ = auditpack.pack_build(
        user=quality_manager,
        keys=["widgets", "capa", "documents"],
        date_from=TODAY() - dt.timedelta(days=60),
        date_to=TODAY(),
        reference="PACK-2026-0042",
    )
    pages = text_of(pdf)
    assert "Audit pack PACK-2026-0042" in pages[0]
    assert "Evidence freshness by clause" in pages[1]
    row = re.search(r"8\.5 Production and service provision Widgets (\S+ \S+ \S+) (\d+) (\d+) days", pages[1])
    assert row and row.group(2) == "2" and row.group(3) == "10", pages[1]
    assert "4.1 Understanding the organization and its context" in pages[1] or "4.1" in pages[1]

    contents = next(p for p in pages if "Contents by ISO 9001 clause" in p)
    assert "Not covered by the system" in contents  # 4.1 and others: what the system does not hold
    # Each section starts on the page the contents give it, in clause order.
    starts = {}
    for title, clause in (("Widgets", "8.5"), ("Nonconformities and corrective actions", "10.2")):
        page_no = int(re.search(rf"{re.escape(title)} (\d+)", contents).group(1))
        assert pages[page_no - 1].startswith(f"{title} (ISO 9001 {clause})"), (title, page_no)
        assert f"Page {page_no}" in pages[page_no - 1]  # the printed number is the real one
        starts[clause] = page_no
    assert starts["8.5"] < starts["10.2"]

    reader = PdfReader(io.BytesIO(pdf))
    outline = [
        (item.title if not isinstance(item, list) else [i.title for i in item]) for item in reader.outline
    ]
    assert outline[:3] == ["Cover", "Evidence freshness by clause", "Contents by ISO 9001 clause"]
    assert "8 Operation" in outline and "10 Improvement" in outline
    flat = [t for item in outline for t in (item if isinstance(item, list) else [item])]
    assert "8.5 Widgets" in flat and "7.5 Document control: register, approvals and distribution" in flat
    widgets = next(i for i in reader.outline if not isinstance(i, list) and i.title == "8 Operation")
    assert reader.get_destination_page_number(widgets) == starts["8.5"] - 1


def test_the_pack_declares_pdf_a_3b(overdue_widgets, quality_manager):
    pdf, _ = auditpack.pack_build(user=quality_manager, keys=["widgets"], date_from=TODAY(), date_to=TODAY())
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    intent = root["/OutputIntents"][0].get_object()
    assert intent["/S"] == "/GTS_PDFA1" and "/DestOutputProfile" in intent
    assert reader.trailer.get("/ID")  # a file identifier, as PDF/A requires
    producer = re.search(r'pdf:Producer="([^"]+)"', xmp).group(1)
    assert reader.metadata["/Producer"] == producer  # the document information agrees with the XMP


def test_a_module_with_two_sections_splits_its_records_between_them():
    by_key = {s.key: s for s in auditpack.sections()}
    objectives = {m._meta.label_lower for m in auditpack.section_models(by_key["objectives"])}
    reviews = {m._meta.label_lower for m in auditpack.section_models(by_key["reviews"])}
    assert objectives == {"reviews.objective"}
    assert "reviews.review" in reviews and "reviews.objective" not in reviews
    assert {m._meta.label_lower for m in auditpack.section_models(by_key["capa"])} == {
        "capa.capa",
        "capa.nonconformity",
    }


def test_every_module_leaves_at_most_one_section_to_the_rest_of_its_records():
    """A section's evidence freshness counts its own records' overdue items: two sections of one
    module that both took "the rest" each counted the other's (the risks' 6.1 said "2 overdue"
    for two audit findings). Every module of the product is held to it, and the sections named
    here read what their clause is about."""
    from qms.modules import installed

    for entry in installed():
        defaulted = [s.key for s in entry.module.audit_sections if not s.models]
        assert len(defaulted) <= 1, (entry.module, defaulted)
    by_key = {s.key: s for s in auditpack.sections()}

    def labels(key):
        return {m._meta.label_lower for m in auditpack.section_models(by_key[key])}

    assert labels("risks") == {"audits.risk", "audits.proposal"}
    assert "audits.finding" in labels("audits") and not labels("audits") & labels("risks")
    assert labels("maintenance") == {"calibration.machine"}
    assert "calibration.machine" not in labels("calibration")


@pytest.mark.django_db(transaction=True)
def test_a_section_slower_than_the_lease_is_not_taken_over_while_its_renderer_lives(
    auditor, settings, monkeypatch
):
    import threading
    import time

    settings.AUDIT_PACK_LEASE_SECONDS = 1
    section = next(s for s in auditpack.sections() if s.key == "widgets")
    slow = dataclasses.replace(section, build=lambda **kw: time.sleep(2.5) or section.build(**kw))
    monkeypatch.setattr(auditpack.catalogue, "sections", lambda: [slow])  # what the pipeline reads
    pack = ask(auditor)

    def render():
        try:
            services.audit_pack_render(pack_id=pack.pk)
        finally:
            # The thread's own connection, closed as it ends: left open, it outlived the test and
            # kept the test database from being dropped at the end of the run.
            connection.close()

    renderer = threading.Thread(target=render)
    renderer.start()
    swept = []
    while renderer.is_alive():
        time.sleep(0.5)
        swept.append(services.audit_packs_sweep()["requeued"])
    renderer.join()
    pack.refresh_from_db()
    assert pack.status == "ready" and pack.attempts == 1 and not any(swept)


def test_a_long_section_is_laid_out_in_pieces_cut_between_its_blocks(
    head, dept, quality_manager, monkeypatch
):
    for i in range(30):
        WidgetFactory(
            owner=head, department=dept, title=f"Clamp C-{i:02d}", description="Cut to length " * 20
        )
    keys, day = ["widgets", "capa"], TODAY()
    whole, _ = auditpack.pack_build(user=quality_manager, keys=keys, date_from=day, date_to=day)
    # In one piece the register runs onto a second page, and its columns are named there too.
    widget_pages = [p for p in text_of(whole) if "Clamp C-" in p]
    assert len(widget_pages) > 1
    assert all("Widget Title Owner Status Released" in p for p in widget_pages)
    monkeypatch.setattr(auditpack.pieces, "CHUNK_CHARS", 2000)
    section = next(s for s in auditpack.sections() if s.key == "widgets")
    body = render_to_string(
        section.template,
        {**section.build(user=quality_manager, date_from=day, date_to=day), "user": quality_manager},
    )
    pieces = auditpack.chunks(body, 2000)
    assert len(pieces) > 3 and all(p.lstrip().startswith("<") for p in pieces)
    for piece in pieces[1:]:  # the register goes on in tables of whole rows, each with its heading
        assert "<th>Widget</th>" in piece and piece.rstrip().endswith("</table>")
    cut, _ = auditpack.pack_build(user=quality_manager, keys=keys, date_from=day, date_to=day)
    for i in range(30):  # every widget is there, once, and the section heading once
        assert (
            "".join(text_of(cut)).count(f"Clamp C-{i:02d}")
            == "".join(text_of(whole)).count(f"Clamp C-{i:02d}")
            > 0
        )
    cut_pages = text_of(cut)
    assert not any("<td" in p or "</tr>" in p for p in cut_pages)  # laid out as tables, not shown as markup
    assert sum(p.count("Widgets (ISO 9001 8.5)") for p in cut_pages) == 1
    assert len(cut_pages) >= len(text_of(whole))
    contents = next(p for p in cut_pages if "Contents by ISO 9001 clause" in p)
    capa_page = int(re.search(r"Nonconformities and corrective actions (\d+)", contents).group(1))
    assert cut_pages[capa_page - 1].startswith("Nonconformities and corrective actions (ISO 9001 10.2)")
    assert f"Page {capa_page}" in cut_pages[capa_page - 1]


def test_a_cut_table_keeps_its_column_widths_and_heading_in_every_piece():
    rows = "".join(f"<tr><td>R{i:02d}</td><td>{'bore gauge ' * 8}</td></tr>" for i in range(60))
    head = '<table class="fixed"><colgroup><col style="width: 20%"><col style="width: 80%"></colgroup>'
    body = f"<h3>Register</h3>{head}<tr><th>Ref</th><th>Text</th></tr>{rows}</table><p>End</p>"
    pieces = auditpack.chunks(body, 1500)
    assert len(pieces) > 3
    tables = [p[p.index("<table") :] for p in pieces if "<table" in p]
    assert all(t.startswith(head + "<tr><th>Ref</th>") for t in tables)
    assert "".join(pieces).count("<td>R") == 60 and pieces[-1].rstrip().endswith("<p>End</p>")


def test_a_cut_table_leaves_no_end_tag_behind_and_its_heading_goes_with_it():
    """Each piece of a cut table closes itself, and the table's own end tag is not carried after
    them: left over, it joined the next piece as a stray tag or, when the last rows filled a piece,
    was a piece of its own, a blank page in the pack. The register's heading is laid out with its
    first rows, not alone on a page before them. Whatever size a register's rows happen to fill."""
    rows = "".join(f"<tr><td>R{i:02d}</td><td>{'bore gauge ' * 8}</td></tr>" for i in range(60))
    body = f"<h3>Register</h3><table><tr><th>Ref</th><th>Text</th></tr>{rows}</table>\n"
    for size in range(900, 2400, 7):
        pieces = auditpack.chunks(body, size)
        assert all(p.count("<table") == p.count("</table>") == 1 for p in pieces), size
        assert pieces[0].startswith("<h3>Register</h3><table>"), size
        assert "".join(pieces).count("<td>R") == 60


def test_a_tables_heading_row_is_made_to_repeat_on_every_page_and_in_every_piece():
    """A register's row of column headings goes into a <thead>, which the renderer repeats on each
    page; a record's field table (a heading and a value on each row) and a table that has its
    <thead> already are left alone."""
    register = (
        '<table class="fixed"><colgroup><col style="width: 20%"></colgroup>'
        "<tr><th>Ref</th><th>Text <i>as typed</i></th></tr>"
    )
    fields = "<table><tr><th>Status</th><td>Open</td></tr><tr><th>Owner</th><td>A. Berg</td></tr></table>"
    headed = "<table><thead><tr><th>Gauge</th></tr></thead><tr><td>MC-0042</td></tr></table>"
    rows = "".join(f"<tr><td>R{i:02d}</td><td>{'bore gauge ' * 8}</td></tr>" for i in range(60))
    body = heading_rows(f"<h3>Register</h3>{register}{rows}</table>{fields}{headed}")
    assert body.count("<thead>") == 2 and fields in body and headed in body
    assert "</colgroup><thead><tr><th>Ref</th><th>Text <i>as typed</i></th></tr></thead><tr><td>R00" in body
    pieces = auditpack.chunks(body, 1500)
    assert len(pieces) > 3
    assert all(p.count("<thead><tr><th>Ref</th>") == 1 for p in pieces if "<td>R" in p)


def test_a_heading_at_the_foot_of_a_piece_goes_to_the_next_with_its_table():
    notes = "".join(f"<p>Note {i}: {'calibrated and sealed ' * 6}</p>" for i in range(10))
    gauges = "<h3>Gauges used</h3><table><tr><th>Gauge</th></tr><tr><td>MC-0042</td></tr></table>"
    pieces = auditpack.chunks(notes + gauges, len(notes) + 30)  # the heading fits; its table does not
    assert pieces == [notes, gauges]


def test_the_whitespace_between_tags_is_dropped_before_layout_but_not_inside_pre():
    body = (
        "<h3>Register</h3>\n\n<table>\n  <tr><td>A</td>\n  <td>B c</td></tr>\n</table>\n"
        '<pre class="matrix"><span>1</span>  <span>2</span>\n<span>3</span></pre>\n<p>End <b>x</b></p>'
    )
    assert auditpack.compact(body) == (
        "<h3>Register</h3><table><tr><td>A</td><td>B c</td></tr></table>"
        '<pre class="matrix"><span>1</span>  <span>2</span>\n<span>3</span></pre><p>End <b>x</b></p>'
    )


def test_the_clauses_no_section_covers_read_as_a_list_without_empty_entries():
    """A main clause whose sub-clauses are all covered leaves no ", ;" behind (PACK-2026-0001
    read "7.3, 7.4, ; 8.1")."""
    from qms.auditpack.render import ClauseRow, uncovered_clauses

    def row(number, *, parts=(), installed=()):
        return ClauseRow(number, "", list(parts), list(installed), None)

    index = [
        {"number": "4", "rows": [row("4.1"), row("4.2")]},
        {"number": "6", "rows": [row("6.1", parts=["a part"])]},
        {"number": "7", "rows": [row("7.3"), row("7.4", installed=["a section"]), row("7.5", parts=["p"])]},
        {"number": "9", "rows": [row("9.1", parts=["p"]), row("9.2")]},
    ]
    assert uncovered_clauses(index) == "4.1, 4.2; 7.3, 7.4 (in the system, not in this pack); 9.2"
    assert uncovered_clauses([{"number": "6", "rows": [row("6.1", parts=["p"])]}]) == ""
