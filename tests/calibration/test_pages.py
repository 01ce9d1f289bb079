"""The module's pages as people use them: registers with the standing computed, bad input shown
beside its field with nothing changed, the label sheet, the suspect list, the charts, imports,
the audit pack and the KPIs."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from calibration import kpis, selectors, services
from calibration.audit import build_instruments, build_maintenance
from calibration.models import Calibration, Instrument, MeasurementPoint
from qms.due import registry
from qms.kpis import Period
from tests.calibration import factories as f
from tests.helpers import assert_refused_beside, field_error, register_rows

pytestmark = pytest.mark.django_db


def test_the_register_shows_the_standing_and_filters_by_it(client_for, dept, head):
    f.calibrated(dept, tag="OK-1")
    f.instrument(dept, tag="NEVER-1")
    soon = f.instrument(dept, tag="SOON-1", interval_value=20, interval_unit="days")
    f.calibrate(soon, on=f.days(-5))
    client = client_for(head)
    page = client.get(reverse("calibration:instrument_list")).content.decode()
    assert "Overdue" in page and "Due soon" in page and "In service" in page
    overdue = client.get(reverse("calibration:instrument_list") + "?standing=overdue").content.decode()
    assert "NEVER-1" in overdue and "OK-1" not in overdue
    response = client.get(reverse("calibration:instrument_list") + "?format=csv")
    csv = b"".join(response.streaming_content).decode()
    assert "SOON-1" in csv and "Due soon" in csv and "due_soon" not in csv


def test_a_gauge_registered_uncalibrated_is_due_today_on_its_owners_work_and_in_the_overdue_lists(
    client_for, dept, head
):
    """Not usable until a calibration (or the certificate it arrived with) is recorded: its first
    calibration is due the day it is registered, so the owner's My work, the register's "Overdue"
    filter and its standing all say the same; the form asks no due date to contradict them."""
    client = client_for(head)
    form = client.get(reverse("calibration:instrument_create")).content.decode()
    assert 'name="due_date"' not in form
    response = client.post(
        reverse("calibration:instrument_create"),
        {
            "tag": "NEW-1",
            "title": "Bore gauge",
            "type_name": "Bore gauge",
            "source": "internal",
            "interval_value": "6",
            "interval_unit": "months",
            "owner": head.pk,
            "department": dept.pk,
            "due_date": f.days(90).isoformat(),  # not a field: ignored
        },
    )
    assert response.status_code == 302
    gauge = Instrument.objects.get(tag="NEW-1")
    assert gauge.due_date == f.today() and gauge.standing_on() == "overdue"
    assert any(i.reference == "NEW-1" for i in registry.items(until=f.today(), owner_ids=[head.pk]))
    assert "NEW-1" in client.get(reverse("my_work")).content.decode()
    register = reverse("calibration:instrument_list")
    for query in ("?standing=overdue", "?overdue=yes"):
        assert "NEW-1" in client.get(register + query).content.decode(), query
    f.calibrate(gauge, on=f.days(-1))
    gauge.refresh_from_db()
    assert gauge.due_date > f.today() and gauge.standing_on() == "in_service"
    assert not any(i.reference == "NEW-1" for i in registry.items(until=f.today(), owner_ids=[head.pk]))


def test_every_department_reads_an_instrument_and_only_its_own_changes_it(client_for, dept, other_head):
    """Lots and inspections (read by everyone) name the gauges used: whoever reads them may open
    the gauge, its calibrations and its assessments; another department's head changes nothing."""
    gauge = f.calibrated(dept)
    client = client_for(other_head)
    page = client.get(gauge.get_absolute_url())
    assert page.status_code == 200 and gauge.tag in page.content.decode()
    assert 'data-testid="edit"' not in page.content.decode()
    edit = reverse("calibration:instrument_update", kwargs={"pk": gauge.pk})
    assert client.post(edit, {"title": "Renamed", "reason": "mine now"}).status_code == 403
    assert Instrument.objects.get(pk=gauge.pk).title == gauge.title


def test_readings_that_are_not_numbers_and_limits_out_of_order_are_refused_beside_the_field(
    client_for, dept, head
):
    calibration = f.calibrate(f.instrument(dept), complete=False)
    url = reverse("calibration:point_add", args=[calibration.instrument_id, calibration.pk])
    client = client_for(head)
    before = MeasurementPoint.objects.count()
    bad = client.post(url, {"unit": "mm", "nominal": "25", "plus_minus": "0.002", "as_found": "25,00x"})
    assert bad.status_code == 400 and "Enter a number" in bad.content.decode()
    reversed_limits = client.post(
        url, {"unit": "mm", "nominal": "25", "lower_limit": "25.01", "upper_limit": "24.99", "as_found": "25"}
    )
    assert reversed_limits.status_code == 400
    assert "lowest allowed is above the highest" in reversed_limits.content.decode()
    assert MeasurementPoint.objects.count() == before
    ok = client.post(url, {"unit": "mm", "nominal": "25", "plus_minus": "0.002", "as_found": "25.001"})
    assert ok.status_code == 302
    point = MeasurementPoint.objects.latest("pk")
    assert str(point.lower_limit).startswith("24.998") and str(point.upper_limit).startswith("25.002")


def test_a_calibration_dated_in_the_future_is_refused_on_the_page(client_for, dept, head):
    gauge = f.instrument(dept, source="external")
    client = client_for(head)
    response = client.post(
        reverse("calibration:calibration_add", args=[gauge.pk]),
        {"calibrated_on": f.days(2).isoformat(), "source": "external", "lab": gauge.lab_id},
    )
    assert response.status_code == 400
    assert not Calibration.objects.filter(instrument=gauge).exists()


def test_the_laboratories_stay_offered_when_a_calibration_is_sent_back(client_for, dept, head):
    """Refused as in-house (no competence authorises it), the form came back with an empty
    Laboratory search box: switching to External needed a reload. The laboratories are a short
    list, offered as a select, on the first page and on the one sent back."""
    gauge = f.instrument(dept, source="external")
    response = client_for(head).post(
        reverse("calibration:calibration_add", args=[gauge.pk]),
        {"calibrated_on": f.today().isoformat(), "source": "in_house", "lab": ""},
    )
    assert response.status_code == 400
    html = response.content.decode()
    select = html[html.index('<select name="lab"') :].split("</select>")[0]
    assert "data-picker" not in select and f'<option value="{gauge.lab_id}">{gauge.lab}</option>' in select


def test_a_calibration_names_a_calibration_laboratory_not_any_supplier(client_for, dept, head):
    """The laboratory picked must be on the supplier list as a calibration laboratory: the bar
    stock supplier is refused beside the field and nothing is recorded; the laboratory is offered."""
    from calibration.forms import NOT_A_LAB
    from tests.suppliers import factories as sf

    gauge = f.instrument(dept, source="external")
    stockist = sf.supplier(dept, name="Alu-Profile Nord GmbH")
    client = client_for(head)
    url = reverse("calibration:calibration_add", args=[gauge.pk])
    response = client.post(
        url, {"calibrated_on": f.today().isoformat(), "source": "external", "lab": stockist.pk}
    )
    assert response.status_code == 400
    assert field_error(response, "lab") == NOT_A_LAB
    assert not Calibration.objects.filter(instrument=gauge).exists()
    page = client.get(gauge.get_absolute_url()).content.decode()
    assert gauge.lab.name in page and "Alu-Profile Nord GmbH" not in page


def test_an_interval_of_zero_is_refused(client_for, dept, head):
    client = client_for(head)
    response = client.post(
        reverse("calibration:instrument_create"),
        {
            "tag": "Z-1",
            "title": "Caliper",
            "type_name": "Caliper",
            "source": "internal",
            "interval_value": "0",
            "interval_unit": "months",
            "owner": head.pk,
            "department": dept.pk,
        },
    )
    assert response.status_code == 400 and "at least 1" in response.content.decode()
    assert not Instrument.objects.filter(tag="Z-1").exists()


def test_the_label_sheet_is_a_pdf_and_refuses_none_or_too_many(client_for, dept, head):
    gauges = [f.calibrated(dept) for _ in range(3)]
    client = client_for(head)
    url = reverse("calibration:labels")
    pdf = client.get(url + "?ids=" + ",".join(str(g.pk) for g in gauges))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content[:4] == b"%PDF"
    none = client.get(url + "?ids=")
    assert none.status_code == 400 and "at least one" in none.content.decode()
    many = client.get(url + "?ids=" + ",".join(str(i) for i in range(1, 10001)))
    assert many.status_code == 400 and "At most 500" in many.content.decode()
    nothing = client.get(url + "?q=no-such-gauge")
    assert nothing.status_code == 400
    # The register offers to print only what it lists.
    register = reverse("calibration:instrument_list")
    assert 'data-testid="labels"' in client.get(register).content.decode()
    assert 'data-testid="labels"' not in client.get(register + "?q=no-such-gauge").content.decode()


def test_the_qr_code_opens_the_instrument_page(dept, head):
    from calibration.views.instruments import qr_svg

    uri = qr_svg("http://qms.example/calibration/instruments/7/")
    assert uri.startswith("data:image/svg+xml;base64,")


def test_a_gauge_falling_due_while_checked_out_is_a_due_item_of_its_holder(client_for, dept, head, staff):
    gauge = f.instrument(dept, interval_value=10, interval_unit="days")
    f.calibrate(gauge, on=f.days(-5))
    client = client_for(head)
    response = client.post(reverse("calibration:instrument_check_out", args=[gauge.pk]), {"holder": staff.pk})
    assert response.status_code == 302
    gauge.refresh_from_db()
    assert gauge.holder == staff
    held = [i for i in registry.for_user(staff) if i.key == f"calibration.held:{gauge.pk}"]
    assert held and held[0].due_date == gauge.due_date
    client.post(reverse("calibration:instrument_check_in", args=[gauge.pk]))
    gauge.refresh_from_db()
    assert gauge.holder is None and gauge.checkouts.get().returned_on == f.today()


def test_an_unusable_gauge_is_not_handed_out(client_for, dept, head, staff):
    """Its page says why it may not be used and offers no Check out (which was then refused)."""
    gauge = f.instrument(dept)  # never calibrated
    url = reverse("calibration:instrument_check_out", args=[gauge.pk])
    page = client_for(head).get(gauge.get_absolute_url()).content.decode()
    assert url not in page and "not been calibrated" in page
    assert client_for(head).post(url, {"holder": staff.pk}).status_code == 403
    gauge.refresh_from_db()
    assert gauge.holder is None
    f.calibrate(gauge, on=f.days(-1))
    assert url in client_for(head).get(gauge.get_absolute_url()).content.decode()


def test_the_metrology_head_reaches_the_suspect_list_and_the_chain(client_for, cal, metrology_head, dept):
    standard = f.calibrated(cal, on=f.days(-300), is_reference_standard=True, tag="GB-9")
    gauge = f.instrument(dept, tag="MM-9")
    f.calibrate(gauge, on=f.days(-100), standards=[standard])
    f.calibrate(standard, found="25.003", left="25.000", by=metrology_head)
    client = client_for(metrology_head)
    suspects = client.get(reverse("calibration:suspect_list")).content.decode()
    assert "MM-9" in suspects and "GB-9" in suspects
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(standard.get_absolute_url()).content.decode()
    assert 'data-testid="suspect-chain"' in page and "MM-9" in page
    # The standard's assessments are read once, for their list and as the chain's first level.
    statements = [q["sql"] for q in ctx.captured_queries if 'FROM "calibration_impactassessment"' in q["sql"]]
    assert len(statements) == len(set(statements))


def test_an_instrument_never_calibrated_reads_overdue_whatever_its_due_date(client_for, dept, head):
    """Imported with a due date but no calibration: release refuses what it measured, so the
    register, its filter and the chart's "Overdue" bar, which links to that filter, say so too."""
    f.calibrated(dept, tag="OK-2")
    fresh = f.instrument(dept, tag="NEW-2", due_date=f.days(200))
    assert fresh.last_calibrated_on is None and fresh.due_date == f.days(200)
    client = client_for(head)
    page = client.get(fresh.get_absolute_url()).content.decode()
    assert 'data-testid="standing">Overdue<' in page
    overdue = client.get(reverse("calibration:instrument_list") + "?standing=overdue").content.decode()
    assert "NEW-2" in overdue and "OK-2" not in overdue
    bars = selectors.due_per_month(head)
    assert bars[0][:2] == ("Overdue", 1) and bars[0][2].endswith("?standing=overdue")


def test_the_charts_page_draws_the_workload_and_the_rates(client_for, dept, head):
    f.calibrated(dept)
    gauge = f.instrument(dept, type_name="Bore gauge")
    f.calibrate(gauge, found="25.005", left="25.000")
    page = client_for(head).get(reverse("calibration:overview")).content.decode()
    assert page.count("<svg") >= 3 and "Bore gauge" in page
    # The out-of-tolerance chart is a rate per type: each bar in %, no "Total" of percentages.
    oot = page[page.index('aria-label="Out of tolerance as found') :]
    oot = oot[: oot.index("</svg>")]
    assert "%</text>" in oot and "Total" not in oot


def test_instruments_and_their_history_are_imported_and_again_change_nothing(client_for, dept, head):
    lab = f.lab("Kalibrierlabor Nord")
    client = client_for(head)
    sheet = (
        "ID,Description,Type,Calibrated,Laboratory,Interval,Interval unit,Owner,Department,Next due\n"
        f"MM-100,Outside micrometer,Micrometer,external,{lab.name},12,months,{head.username},{dept.code},\n"
    )

    def run(url, text):
        preview = client.post(url, {"file": SimpleUploadedFile("list.csv", text.encode())})
        payload = re.search(r'name="payload" value="([^"]+)"', preview.content.decode())
        if payload:
            client.post(url, {"payload": payload.group(1)})
        return preview.content.decode()

    # The instrument list's page says to bring the calibration history in too.
    assert (
        "Import each instrument’s last calibration too"
        in client.get("/import/calibration.instruments/").content.decode()
    )
    assert "1 new" in run("/import/calibration.instruments/", sheet)
    gauge = Instrument.objects.get(tag="MM-100")
    assert gauge.lab == lab and gauge.interval_value == 12
    assert "1 unchanged" in run("/import/calibration.instruments/", sheet)
    history = (
        "Instrument,Date,As found,Certificate,Laboratory\n"
        + f"MM-100,{f.days(-30):%Y-%m-%d},pass,K-1,{lab.name}\n"
    )
    assert "1 new" in run("/import/calibration.calibrations/", history)
    gauge.refresh_from_db()
    assert gauge.last_calibrated_on == f.days(-30) and gauge.due_date == gauge.next_due_from(f.days(-30))
    assert "1 unchanged" in run("/import/calibration.calibrations/", history)
    assert gauge.calibrations.count() == 1
    bad = run("/import/calibration.calibrations/", "Instrument,Date,As found\nNOPE,2026-13-01,maybe\n")
    assert "No instrument with that ID" in bad and "pass or fail" in bad


def test_the_audit_pack_section_lists_the_register_events_and_open_assessments(dept, head, quality_manager):
    gauge = f.instrument(dept, tag="AP-1")
    f.calibrate(gauge, on=f.days(-200))
    f.calibrate(gauge, found="25.004", left="25.000")
    section = build_instruments(user=quality_manager, date_from=f.days(-30), date_to=f.today())
    assert [i.tag for i in section["register"]] == ["AP-1"]
    assert section["register"][0].standing_text == "Quarantined"
    assert len(section["calibrations"]) == 1 and section["calibrations"][0].as_found_ok is False
    assert [a.instrument.tag for a in section["open_assessments"]] == ["AP-1"]
    maintenance = build_maintenance(user=quality_manager, date_from=f.days(-30), date_to=f.today())
    assert maintenance == {"done": [], "postponed": [], "overdue": [], "date_to": f.today()}


def test_the_audit_pack_lists_each_certificate_of_a_calibration_on_its_own_line(dept, head, quality_manager):
    from django.template.loader import render_to_string

    from calibration.services import certificate_add
    from qms.services import transition
    from tests.uploads import pdf_bytes

    gauge = f.instrument(dept, tag="AP-2")
    calibration = f.calibrate(gauge, complete=False)
    for name in ("lab-report.pdf", "as-left.pdf"):
        certificate_add(calibration=calibration, by=head, file=SimpleUploadedFile(name, pdf_bytes()))
    transition(obj=calibration, name="complete", by=head)
    section = build_instruments(user=quality_manager, date_from=f.days(-1), date_to=f.today())
    html = render_to_string("calibration/audit_instruments.html", section)
    files = re.findall(r'<div class="file">(.*?)</div>', html)
    assert [name.split(" <code>")[0] for name in files] == ["lab-report.pdf", "as-left.pdf"]
    assert all(re.search(r"<code>[0-9a-f]{64}</code>", cell) for cell in files)


def test_the_kpis_count_on_time_overdue_and_out_of_tolerance(dept, head):
    gauge = f.instrument(dept, interval_value=30, interval_unit="days")
    f.calibrate(gauge, on=f.days(-70))  # the first: no due date, not judged
    f.calibrate(gauge, found="25.004", left="25.000")  # 40 days after, 10 days late
    month = Period.month(f.today())
    assert kpis.oot_values([month]) == [1]
    assert kpis.on_time_values([month]) == [0.0]
    f.instrument(dept)  # never calibrated: overdue
    assert kpis.overdue_values([month], subject=dept) == [1]
    f.instrument(dept, due_date=f.days(200))  # imported with a due date, never calibrated: overdue too
    assert kpis.overdue_values([month], subject=dept) == [2]


def test_instruments_overdue_month_by_month_follow_each_calibration(dept, head):
    """A trend reads its months in one go: a gauge is overdue from the month its calibration
    lapsed until the month it is calibrated again, and overdue again once that one lapses."""
    import datetime as dt

    from django.utils import timezone

    months = Period.months_to(f.today(), 8)
    gauge = f.instrument(dept, interval_value=1, interval_unit="months")
    Instrument.objects.filter(pk=gauge.pk).update(created_at=timezone.now() - dt.timedelta(days=400))
    f.calibrate(gauge, on=months[0].start - dt.timedelta(days=40))  # lapsed before the first month
    f.calibrate(gauge, on=months[3].start + dt.timedelta(days=5))  # good for a month
    assert kpis.overdue_values(months, subject=dept) == [1, 1, 1, 0, 1, 1, 1, 1]
    # The same months asked one by one (the calibrations before each folded in) agree.
    assert [kpis.overdue_values([m], subject=dept)[0] for m in months] == [1, 1, 1, 0, 1, 1, 1, 1]
    Instrument.objects.filter(pk=gauge.pk).update(created_at=timezone.now())
    assert kpis.overdue_values(months, subject=dept) == [0, 0, 0, 0, 0, 0, 0, 1]  # not in use before


def test_each_months_point_of_instruments_overdue_opens_the_instruments_it_counted(
    client_for, dept, head, quality_manager
):
    """A past month's figure is the instruments overdue at that month's end, and its link opens
    those (not today's overdue list); the month still running opens today's."""
    import datetime as dt

    from django.utils import timezone

    months = Period.months_to(f.today(), 5)
    long_ago = timezone.now() - dt.timedelta(days=400)
    lapsed = f.instrument(dept, tag="LAPSED-1", interval_value=1, interval_unit="months")
    kept = f.instrument(dept, tag="KEPT-1", interval_value=12, interval_unit="months")
    Instrument.objects.filter(pk__in=[lapsed.pk, kept.pk]).update(created_at=long_ago)
    f.calibrate(kept, on=months[0].start - dt.timedelta(days=10))
    f.calibrate(lapsed, on=months[0].start - dt.timedelta(days=40))  # lapsed before the first month
    f.calibrate(lapsed, on=months[2].start + dt.timedelta(days=5))  # good for a month
    f.instrument(dept, tag="NEW-1")  # registered this month, never calibrated
    expected = [{"LAPSED-1"}, {"LAPSED-1"}, set(), {"LAPSED-1"}, {"LAPSED-1", "NEW-1"}]
    assert kpis.overdue_values(months, subject=dept) == [len(tags) for tags in expected]
    client = client_for(quality_manager)
    for month, tags in zip(months, expected, strict=True):
        url = kpis.overdue_url(month, dept)
        assert f"overdue_on={month.judged_on().isoformat()}" in url
        listed = {cells["ID"] for cells in register_rows(client, url).values()}
        assert listed == tags, month.label
    # A day typed into the register's filter reads the same history: the day before the second
    # calibration the gauge was overdue, the day after it was not.
    base = reverse("calibration:instrument_list") + "?overdue_on="
    day_before, day_after = (months[2].start + dt.timedelta(days=days) for days in (4, 6))
    assert "LAPSED-1" in client.get(base + day_before.isoformat()).content.decode()
    assert "LAPSED-1" not in client.get(base + day_after.isoformat()).content.decode()
    assert "Overdue on" in client.get(base).content.decode()
    # The list says what it is: the instruments counted that day, each shown as it is today.
    page = client.get(base + day_before.isoformat()).content.decode()
    assert f"Listed by “Overdue on” {day_before:%-d %b %Y}: each row shows the record as it is today." in page
    assert 'data-testid="standing-on"' not in client.get(base).content.decode()
    assert_refused_beside(client, base + "31.31.2026", "overdue_on")


def test_an_assessment_opened_by_hand_lists_what_was_measured_and_offers_an_ncr(client_for, dept, head):
    gauge = f.calibrated(dept, tag="DROP-1", on=f.days(-60))
    client = client_for(head)
    response = client.post(
        reverse("calibration:impactassessment_create"),
        {
            "instrument": gauge.pk,
            "period_from": f.days(-60).isoformat(),
            "period_to": f.today().isoformat(),
            "summary": "Dropped on the floor at cell 4",
        },
    )
    assert response.status_code == 302
    assessment = gauge.assessments.get()
    assert assessment.summary == "Dropped on the floor at cell 4" and assessment.due_date == f.days(10)
    page = client.get(assessment.get_absolute_url()).content.decode()
    assert "Raise an NCR" in page and "List an affected item by hand" in page
    backwards = client.post(
        reverse("calibration:impactassessment_create"),
        {"instrument": gauge.pk, "period_from": f.today().isoformat(), "period_to": f.days(-5).isoformat()},
    )
    assert backwards.status_code == 400 and "starts after it ends" in backwards.content.decode()
    assert gauge.assessments.count() == 1


def test_a_completed_calibration_offers_no_edit_and_a_draft_does(client_for, dept, head):
    gauge = f.instrument(dept)
    done = f.calibrate(gauge)
    draft = f.calibrate(gauge, complete=False)
    client, edit = client_for(head), "calibration:calibration_edit"
    page = client.get(draft.get_absolute_url()).content.decode()
    assert reverse(edit, kwargs=draft.url_kwargs()) in page
    page = client.get(done.get_absolute_url()).content.decode()
    assert 'data-testid="row-controls"' in page  # the controls are there, without an Edit
    assert reverse(edit, kwargs=done.url_kwargs()) not in page  # its service would refuse the change


def test_an_affected_items_decision_keeps_its_reason_on_the_page(client_for, dept, head):
    gauge = f.calibrated(dept, on=f.days(-60))
    failed = f.calibrate(gauge, found="25.004", left="25.000")
    assessment = failed.assessments.get()
    item = services.item_add(assessment=assessment, by=head, what="Final inspection", reference="LOT-7")
    client = client_for(head)
    response = client.post(
        reverse("calibration:item_edit", kwargs=item.url_kwargs()),
        {"decision": "hold", "reason": "Shafts measured near the limit"},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.decision, item.reason) == ("hold", "Shafts measured near the limit")
    page = client.get(assessment.get_absolute_url()).content.decode()
    assert "Shafts measured near the limit" in page


def test_an_affected_items_edit_page_opens_on_its_decision_as_it_stands(client_for, dept, head):
    """Sofia opened a held item to add to its reason: the form showed "No impact" and an empty
    reason, and saving the new reason alone lifted the hold (the lot then shipped)."""
    gauge = f.calibrated(dept, on=f.days(-60))
    assessment = f.calibrate(gauge, found="25.004", left="25.000").assessments.get()
    item = services.item_add(assessment=assessment, by=head, what="Final inspection", reference="LOT-7")
    url = reverse("calibration:item_edit", kwargs=item.url_kwargs())
    client = client_for(head)
    form = client.get(url).context["form"]
    assert form["decision"].value() in ("", None)  # still to decide: nothing chosen for them
    assert form.fields["decision"].choices[0] == ("", "Choose a decision")
    services.item_decide(affecteditem=item, by=head, decision="hold", reason="Shafts measured near the limit")
    form = client.get(url).context["form"]
    assert (form["decision"].value(), form["reason"].value()) == ("hold", "Shafts measured near the limit")
    assert ("", "Choose a decision") not in form.fields["decision"].choices
    response = client.post(url, {"decision": "", "reason": "Shafts measured near the limit"})
    assert response.status_code == 400  # a decided item is not undecided by an empty choice
    item.refresh_from_db()
    assert item.decision == "hold"


def test_a_relative_humidity_over_100_percent_is_refused_beside_the_field(client_for, dept, head):
    gauge = f.instrument(dept, source="external")
    response = client_for(head).post(
        reverse("calibration:calibration_add", args=[gauge.pk]),
        {
            "calibrated_on": f.today().isoformat(),
            "source": "external",
            "lab": gauge.lab_id,
            "humidity": "500",
        },
    )
    assert response.status_code == 400
    assert "less than or equal to 100" in field_error(response, "humidity")
    assert not Calibration.objects.filter(instrument=gauge).exists()


def test_an_expanded_uncertainty_of_zero_is_refused_beside_the_field(client_for, dept, head):
    gauge = f.instrument(dept, source="external")
    data = {"calibrated_on": f.today().isoformat(), "source": "external", "lab": gauge.lab_id}
    response = client_for(head).post(
        reverse("calibration:calibration_add", args=[gauge.pk]), {**data, "uncertainty": "0"}
    )
    assert response.status_code == 400
    assert "never zero" in field_error(response, "uncertainty")
    assert not Calibration.objects.filter(instrument=gauge).exists()


def test_an_instrument_page_names_its_maker_and_serial_in_words_and_a_dash_for_none(client_for, dept, head):
    def shown(instrument, label: str) -> str:
        page = client_for(head).get(instrument.get_absolute_url()).content.decode()
        return re.search(rf"<dt[^>]*>{label}</dt><dd[^>]*>(.*?)</dd>", page, re.S).group(1)

    bare = f.instrument(dept)
    assert shown(bare, "Manufacturer, serial") == "—"
    serial_only = f.instrument(dept, serial_number="0815")
    assert shown(serial_only, "Manufacturer, serial") == "serial 0815"
    full = f.instrument(
        dept, manufacturer="Mitutoyo", serial_number="0815", measuring_range="0–25 mm", resolution="0.001 mm"
    )
    assert shown(full, "Manufacturer, serial") == "Mitutoyo, serial 0815"
    assert shown(full, "Range · resolution") == "0–25 mm · 0.001 mm"


def test_a_calibrations_points_show_their_numbers_as_typed(client_for, dept, head):
    """The columns hold six places; the page shows 100.05, not 100.050000."""
    gauge = f.instrument(dept)
    calibration = f.calibrate(gauge, nominal="100", tolerance="0.03", found="100.05", uncertainty="0.002")
    html = client_for(head).get(calibration.get_absolute_url()).content.decode()
    points = re.search(r'data-testid="points">(.*?)</table>', html, re.S)[1]
    text = " ".join(re.sub(r"<[^>]+>", " ", points).split())
    assert "100 mm" in text and "99.97 … 100.03" in text and "100.05 OUT" in text, text
    assert "000" not in text.replace("100 mm", "").replace("100.0", ""), text
    assert 'Expanded uncertainty (k=2)</dt><dd class="col-sm-9">0.002</dd>' in html


def test_an_interval_in_months_past_ten_years_is_refused_beside_it(client_for, quality_manager):
    """3,650 months (the limit in days) put the next calibration in 2331 on the gauge's label."""
    from calibration.forms import InstrumentForm

    form = InstrumentForm(data={"interval_value": 3650, "interval_unit": "months"}, user=quality_manager)
    form.is_valid()
    assert any("At most 120 months" in e for e in form.errors["interval_value"])
    form = InstrumentForm(data={"interval_value": 120, "interval_unit": "months"}, user=quality_manager)
    form.is_valid()
    assert "interval_value" not in form.errors


def test_the_label_sheet_downloads_as_its_day_with_one_pdf_extension(client_for, dept, head):
    """It downloaded as "instrument-labels-20261206pdf.pdf"."""
    gauge = f.calibrated(dept)
    response = client_for(head).get(reverse("calibration:labels") + f"?ids={gauge.pk}")
    assert response.status_code == 200
    expected = f"instrument-labels-{f.today().isoformat()}.pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{expected}"'
