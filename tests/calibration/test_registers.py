"""The registers of calibrations and maintenance postponements across instruments and machines,
and the KPI figures that open them: each figure lists exactly the rows it counted (the month, the
department, the rows), however the dashboard asks for it. The filters the figures opened before
(impact assessments by the day found, machines by a postponement) are kept, and proven at the end."""

import datetime as dt
import re
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from calibration import kpis as calibration_kpis
from calibration import services
from calibration.models import Calibration, ImpactAssessment, Instrument, Machine, Postponement
from qms import kpis
from qms.services import transition
from qms.views.cells import cell_text
from tests.calibration import factories as f
from tests.helpers import body

pytestmark = pytest.mark.django_db

CALIBRATIONS = reverse("calibration:calibration_register")
POSTPONEMENTS = reverse("calibration:postponement_register")


def _months() -> tuple[kpis.Period, kpis.Period]:
    this = kpis.Period.month(f.today())
    return this, kpis.Period.month(this.start - dt.timedelta(days=1))


def _listed(client, url: str) -> list[dict[str, str]]:
    """The rows a register shows, each as its column headings and the texts under them."""
    response = client.get(url)
    assert response.status_code == 200, url
    labels = [label for _, label in response.context["view"].columns]
    page = response.content.decode()
    rows = [dict(zip(labels, map(cell_text, cells), strict=True)) for _, cells in response.context["rows"]]
    for row in rows:
        assert f">{row[labels[0]]}</a>" in page  # each row opens its own page
    return rows


def _tags(rows) -> list[str]:
    return sorted(row["Instrument"] for row in rows)


def _bar_error(html: str, field: str) -> str:
    """The message the filter bar shows beside ``field`` ("" when none)."""
    found = re.search(
        rf'<label class="form-label small" for="id_{field}">.*?</label>(.*?)</div>\n', html, re.S
    )
    assert found, f"no {field} in the filter bar"
    message = re.search(r'<div class="invalid-feedback d-block">(.*?)</div>', found[1], re.S)
    return message[1] if message else ""


def _oot(gauge: Instrument) -> Calibration:
    return f.calibrate(gauge, found="25.004", left="25.000")


def test_calibrations_on_time_opens_the_months_completed_calibrations_of_the_department(
    client_for, dept, other_dept, head, quality_manager
):
    this, last = _months()
    on_time = f.calibrate(f.instrument(dept, tag="CAL-ONTIME"))
    late = f.calibrate(f.instrument(dept, tag="CAL-LATE"))
    earlier = f.calibrate(f.instrument(dept, tag="CAL-EARLIER"))
    elsewhere = f.calibrate(f.instrument(other_dept, tag="CAL-ELSEWHERE"))
    f.calibrate(f.instrument(dept, tag="CAL-DRAFT"), complete=False)  # not completed: not counted
    Calibration.objects.filter(pk__in=[on_time.pk, elsewhere.pk]).update(due_on=f.today())
    Calibration.objects.filter(pk=late.pk).update(due_on=f.today() - dt.timedelta(days=1))
    Calibration.objects.filter(pk=earlier.pk).update(calibrated_on=last.start, due_on=last.start)
    measure = kpis.get("calibration.on_time")
    assert measure.value(this, subject=dept) == 50
    client = client_for(quality_manager)

    rows = _listed(client, measure.url(this, subject=dept))
    assert _tags(rows) == ["CAL-LATE", "CAL-ONTIME"]
    assert {row["Instrument"]: row["On time"] for row in rows} == {"CAL-ONTIME": "Yes", "CAL-LATE": "No"}
    assert measure.value(this, subject=dept) == 100 * sum(r["On time"] == "Yes" for r in rows) / len(rows)
    assert all(row["Status"] == "Completed" and row["Department"] == dept.name for row in rows)

    assert _tags(_listed(client, measure.url(this))) == ["CAL-ELSEWHERE", "CAL-LATE", "CAL-ONTIME"]
    assert _tags(_listed(client, measure.url(this, subject=other_dept))) == ["CAL-ELSEWHERE"]
    assert _tags(_listed(client, measure.url(last, subject=dept))) == ["CAL-EARLIER"]
    assert measure.value(last, subject=dept) == 100
    # The register's own "On time" filter reads the same rule as the figure.
    late_only = _listed(client, measure.url(this, subject=dept) + "&on_time=no")
    assert _tags(late_only) == ["CAL-LATE"]


def test_out_of_tolerance_findings_open_the_months_failed_calibrations_by_the_instruments_department(
    client_for, dept, other_dept, head, quality_manager
):
    this, last = _months()
    _oot(f.instrument(dept, tag="OOT-THIS"))
    f.calibrate(f.instrument(dept, tag="OOT-GOOD"))  # in tolerance: not counted
    f.calibrate(f.instrument(dept, tag="OOT-EARLIER"), on=last.start, found="25.004", left="25.000")
    _oot(f.instrument(other_dept, tag="OOT-ELSEWHERE"))
    # Found out of tolerance in production, then moved to quality control: its impact assessment
    # stays production's, but the figure counts it by the instrument's department, and so does the list.
    moved = f.instrument(other_dept, tag="OOT-MOVED")
    assessment = _oot(moved).assessments.get()
    services.instrument_update(instrument=moved, by=quality_manager, reason="Moved to QC", department=dept)
    assert assessment.department == other_dept
    measure = kpis.get("calibration.out_of_tolerance")
    client = client_for(quality_manager)

    rows = _listed(client, measure.url(this, subject=dept))
    assert _tags(rows) == ["OOT-MOVED", "OOT-THIS"]
    assert measure.value(this, subject=dept) == len(rows) == 2
    assert all(row["As found"] == "Out of tolerance" for row in rows)

    rows = _listed(client, measure.url(this, subject=other_dept))
    assert _tags(rows) == ["OOT-ELSEWHERE"] and measure.value(this, subject=other_dept) == 1
    rows = _listed(client, measure.url(this))
    assert _tags(rows) == ["OOT-ELSEWHERE", "OOT-MOVED", "OOT-THIS"] and measure.value(this) == 3
    rows = _listed(client, measure.url(last, subject=dept))
    assert _tags(rows) == ["OOT-EARLIER"] and measure.value(last, subject=dept) == 1
    # The export of the figure's list is the same rows.
    lines = body(client.get(measure.url(this, subject=dept) + "&format=csv")).splitlines()
    assert len(lines) == 1 + 2 and all("Out of tolerance" in line for line in lines[1:])


def _postpone(plan, *, by, decide_by=None, refuse=False) -> Postponement:
    plan.refresh_from_db()
    row = services.postponement_request(
        plan=plan, by=by, new_due=plan.next_due + dt.timedelta(days=3), reason="Spindle parts late"
    )
    if decide_by is not None:
        transition(
            obj=row, name="refuse" if refuse else "approve", by=decide_by, reason="Do it" if refuse else ""
        )
    return row


def test_maintenance_postponements_open_each_approved_postponement_of_the_month(
    client_for, dept, other_dept, head, staff, other_head, other_staff, quality_manager
):
    this, last = _months()
    twice = f.plan(f.machine(dept, asset_number="PP-TWICE"), responsible=staff)
    _postpone(twice, by=staff, decide_by=head)
    _postpone(twice, by=staff, decide_by=head)  # a machine postponed twice counts twice
    _postpone(f.plan(f.machine(dept, asset_number="PP-ASKED"), responsible=staff), by=staff)
    refused = f.plan(f.machine(dept, asset_number="PP-REFUSED"), responsible=staff)
    _postpone(refused, by=staff, decide_by=head, refuse=True)
    earlier = _postpone(
        f.plan(f.machine(dept, asset_number="PP-EARLIER"), responsible=staff), by=staff, decide_by=head
    )
    Postponement.objects.filter(pk=earlier.pk).update(requested_on=last.start)
    elsewhere = f.plan(f.machine(other_dept, asset_number="PP-ELSEWHERE"), responsible=other_staff)
    _postpone(elsewhere, by=other_staff, decide_by=other_head)
    measure = kpis.get("calibration.postponements")
    client = client_for(quality_manager)

    rows = _listed(client, measure.url(this, subject=dept))
    assert [row["Machine"] for row in rows] == ["PP-TWICE", "PP-TWICE"]
    assert measure.value(this, subject=dept) == len(rows) == 2
    assert all(row["Status"] == "Approved" and row["Department"] == dept.name for row in rows)
    assert all(row["Reason"] == "Spindle parts late" and row["Plan"] == twice.name for row in rows)

    rows = _listed(client, measure.url(this))
    assert sorted(row["Machine"] for row in rows) == ["PP-ELSEWHERE", "PP-TWICE", "PP-TWICE"]
    assert measure.value(this) == 3
    rows = _listed(client, measure.url(last, subject=dept))
    assert [row["Machine"] for row in rows] == ["PP-EARLIER"] and measure.value(last, subject=dept) == 1
    rows = _listed(client, measure.url(this, subject=other_dept))
    assert [row["Machine"] for row in rows] == ["PP-ELSEWHERE"]
    # Every postponement, asked, approved or refused, is in the register unfiltered.
    everything = sorted(row["Machine"] for row in _listed(client, POSTPONEMENTS))
    assert everything == ["PP-ASKED", "PP-EARLIER", "PP-ELSEWHERE", "PP-REFUSED", "PP-TWICE", "PP-TWICE"]


def test_a_postponement_opens_the_plan_it_was_asked_on(client_for, dept, head, staff):
    plan = f.plan(f.machine(dept, asset_number="PP-LINK"), responsible=staff)
    row = _postpone(plan, by=staff)
    page = client_for(staff).get(POSTPONEMENTS).content.decode()
    assert f'<a href="{plan.get_absolute_url()}#postponements">PP-LINK</a>' in page
    assert row.get_absolute_url() == f"{plan.get_absolute_url()}#postponements"


def test_a_calibration_opens_its_own_page_and_says_who_calibrated_it(client_for, dept, head, staff):
    external = f.calibrate(f.instrument(dept, tag="BY-LAB"))
    in_house = f.calibrate(f.instrument(dept, tag="BY-HAND"), complete=False)
    # Recorded in-house by a technician (the training gate that asks whether they may is not this test's).
    Calibration.objects.filter(pk=in_house.pk).update(source="internal", lab=None, performed_by=staff)
    client = client_for(staff)
    rows = {row["Instrument"]: row for row in _listed(client, CALIBRATIONS)}
    assert rows["BY-LAB"]["Calibrated by"] == external.lab.name
    assert rows["BY-HAND"]["Calibrated by"] == str(staff)
    assert rows["BY-HAND"]["Status"] == "Being recorded" and rows["BY-HAND"]["On time"] == ""
    assert rows["BY-LAB"]["As found"] == "In tolerance" and rows["BY-LAB"]["Result"] == "In tolerance"
    page = client.get(CALIBRATIONS).content.decode()
    assert f'<a href="{in_house.get_absolute_url()}">BY-HAND</a>' in page
    # On a phone the table scrolls within its wrapper and each cell says its column.
    assert '<div class="table-responsive">' in page and 'data-label="On time"' in page


@pytest.mark.parametrize(
    ("url", "fields"),
    [
        (CALIBRATIONS, ("calibrated_from", "calibrated_to", "department", "on_time", "as_found", "status")),
        (POSTPONEMENTS, ("requested_from", "requested_to", "department", "status")),
    ],
)
def test_filter_input_the_register_cannot_read_is_named_beside_its_field(
    client_for, dept, head, staff, url, fields
):
    f.calibrate(f.instrument(dept, tag="GARBAGE-1"))
    _postpone(f.plan(f.machine(dept, asset_number="GARBAGE-M"), responsible=staff), by=staff)
    client = client_for(head)
    assert len(_listed(client, url)) >= 1
    junk = {name: "garbage" for name in fields}
    junk[fields[1]] = "2026-02-30"  # a day that does not exist
    response = client.get(url, junk)
    assert response.status_code == 200
    html = response.content.decode()
    assert "GARBAGE-1" not in html and "GARBAGE-M" not in html
    assert _bar_error(html, fields[0]) == "Enter a real date as YYYY-MM-DD, for example 2026-05-31."
    assert _bar_error(html, fields[1]) == "Enter a real date as YYYY-MM-DD, for example 2026-05-31."
    for name in fields[2:]:
        assert "valid choice" in _bar_error(html, name), name


def test_the_registers_list_what_the_scope_of_instruments_and_machines_gives(
    monkeypatch, client_for, dept, head, staff, other_staff, auditor
):
    f.calibrate(f.instrument(dept, tag="SCOPE-G"))
    _postpone(f.plan(f.machine(dept, asset_number="SCOPE-M"), responsible=staff), by=staff)
    # Instruments and machines are read by every department (lots name them): so are their rows.
    for user in (staff, other_staff, auditor):
        client = client_for(user)
        assert _tags(_listed(client, CALIBRATIONS)) == ["SCOPE-G"]
        assert [row["Machine"] for row in _listed(client, POSTPONEMENTS)] == ["SCOPE-M"]
    # Were they kept to their department, another department's people would find none of them:
    # the registers read through the records' scope, not every row.
    monkeypatch.setattr(Instrument, "visibility", "department")
    monkeypatch.setattr(Machine, "visibility", "department")
    assert _listed(client_for(other_staff), CALIBRATIONS) == []
    assert _listed(client_for(other_staff), POSTPONEMENTS) == []
    assert _tags(_listed(client_for(staff), CALIBRATIONS)) == ["SCOPE-G"]
    assert len(_listed(client_for(staff), POSTPONEMENTS)) == 1
    # Rows are recorded on their instrument's or plan's page: the registers offer no "New".
    page = client_for(head).get(CALIBRATIONS).content.decode()
    assert ">New</a>" not in page


# --- the filters the figures opened before the registers, kept (the API and people use them) ---


def _found_in(period, subject=None) -> str:
    """The impact assessments opened by the out-of-tolerance findings of a period."""
    query = {"cause": "out_of_tolerance", "found_from": period.start, "found_to": period.end}
    return kpis.records_url(reverse("calibration:impactassessment_list") + "?" + urlencode(query), subject)


def test_the_assessments_register_lists_those_the_months_findings_opened(
    client_for, dept, other_dept, head, quality_manager
):
    month = kpis.Period.month(f.today())
    last = kpis.Period.month(month.start - dt.timedelta(days=1))
    found = f.calibrate(f.instrument(dept), found="25.004", left="25.000")
    earlier = f.calibrate(f.instrument(dept), on=last.start, found="25.004", left="25.000")
    this_one = ImpactAssessment.objects.get(calibration=found)
    last_one = ImpactAssessment.objects.get(calibration=earlier)
    by_hand = services.assessment_open(instrument=f.instrument(dept), by=head, until=f.today(), since=None)
    assert calibration_kpis.oot_values([last, month]) == [1, 1]
    client = client_for(quality_manager)
    page = client.get(_found_in(month, subject=dept)).content.decode()
    assert this_one.reference in page
    assert last_one.reference not in page and by_hand.reference not in page
    assert last_one.reference in client.get(_found_in(last)).content.decode()
    assert this_one.reference not in client.get(_found_in(month, subject=other_dept)).content.decode()
    response = client.get(reverse("calibration:impactassessment_list") + "?found_from=garbage")
    assert response.status_code == 200 and this_one.reference not in response.content.decode()


def _postponed_in(period, subject=None) -> str:
    """The machines with a postponement approved, asked for in a period."""
    query = {"postponed_from": period.start, "postponed_to": period.end}
    return kpis.records_url(reverse("calibration:machine_list") + "?" + urlencode(query), subject)


def test_the_machine_list_shows_the_machines_postponed_in_the_month(
    client_for, dept, other_dept, head, staff, quality_manager
):
    month = kpis.Period.month(f.today())
    last = kpis.Period.month(month.start - dt.timedelta(days=1))
    machines = {}
    for name, approve in (("PP-THIS", True), ("PP-EARLIER", True), ("PP-ASKED", False), ("PP-NONE", None)):
        machine = machines[name] = f.machine(dept, asset_number=name)
        plan = f.plan(machine, responsible=staff)
        if approve is not None:
            row = services.postponement_request(
                plan=plan, by=staff, new_due=plan.next_due + dt.timedelta(days=3), reason="Parts"
            )
            if approve:
                transition(obj=row, name="approve", by=head)
    Postponement.objects.filter(plan__machine=machines["PP-EARLIER"]).update(requested_on=last.start)
    assert calibration_kpis.postponement_values([last, month], subject=dept) == [1, 1]
    client = client_for(quality_manager)
    page = client.get(_postponed_in(month, subject=dept)).content.decode()
    assert "PP-THIS" in page
    assert "PP-EARLIER" not in page and "PP-ASKED" not in page and "PP-NONE" not in page
    page = client.get(_postponed_in(last)).content.decode()
    assert "PP-EARLIER" in page and "PP-THIS" not in page
    assert "PP-THIS" not in client.get(_postponed_in(month, subject=other_dept)).content.decode()
    # Both ends read the same postponement: one before the month and one after it are not in it.
    Postponement.objects.filter(plan__machine=machines["PP-THIS"]).update(
        requested_on=month.end + dt.timedelta(days=1)
    )
    Postponement.objects.filter(plan__machine=machines["PP-EARLIER"]).update(requested_on=last.start)
    plan = machines["PP-EARLIER"].plans.get()
    row = services.postponement_request(
        plan=plan, by=staff, new_due=plan.next_due + dt.timedelta(days=3), reason="Parts"
    )
    transition(obj=row, name="approve", by=head)
    Postponement.objects.filter(pk=row.pk).update(requested_on=month.end + dt.timedelta(days=1))
    page = client.get(_postponed_in(month)).content.decode()
    assert "PP-EARLIER" not in page and "PP-THIS" not in page
    response = client.get(
        reverse("calibration:machine_list") + "?postponed_from=garbage&postponed_to=2026-02-30"
    )
    assert response.status_code == 200 and "PP-THIS" not in response.content.decode()


def test_the_machine_list_shows_each_machines_next_maintenance_and_its_approved_postponements(
    client_for, dept, head, staff, quality_manager
):
    """The earliest due date of the machine's active plans (a retired plan's earlier date is not
    its next maintenance) and its approved postponements over all its plans, retired ones too;
    counted for the machines shown, never grouped over a join of every plan and postponement."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    press = f.machine(dept, asset_number="PRESS-1")
    spindle = f.plan(press, responsible=staff, next_due=f.days(20))
    coolant = f.plan(press, responsible=staff, name="Coolant change", next_due=f.days(12))
    old = f.plan(press, responsible=staff, name="Old lubrication", next_due=f.days(2))
    _postpone(spindle, by=staff, decide_by=head)
    _postpone(spindle, by=staff, decide_by=head)  # one plan postponed twice counts twice
    _postpone(coolant, by=staff, decide_by=head, refuse=True)  # refused: not counted
    _postpone(coolant, by=staff)  # asked, not decided: not counted
    _postpone(old, by=staff, decide_by=head)
    transition(obj=old, name="retire", by=head, reason="Replaced by the coolant change")
    f.machine(dept, asset_number="PRESS-2")  # no plan at all
    with CaptureQueriesContext(connection) as ctx:
        rows = {
            row["Asset"]: row
            for row in _listed(client_for(quality_manager), reverse("calibration:machine_list"))
        }
    assert rows["PRESS-1"]["Next maintenance"] == cell_text(f.days(12))
    assert rows["PRESS-1"]["Postponements"] == "3"
    assert (rows["PRESS-2"]["Next maintenance"], rows["PRESS-2"]["Postponements"]) == ("", "0")
    grouped = [
        q["sql"] for q in ctx.captured_queries if "GROUP BY" in q["sql"] and "calibration_machine" in q["sql"]
    ]
    assert not grouped, grouped


def test_a_first_calibration_is_neither_on_time_nor_late(client_for, dept, quality_manager):
    """An instrument's first calibration answered no due date: the register said "On time: Yes"
    beside an empty "Due on", and the KPI counted it as on time. It says "—" (an empty cell in the
    CSV, screen and CSV reading one expression) and the KPI leaves it out of its share."""
    this, _ = _months()
    first = f.calibrate(f.instrument(dept, tag="CAL-FIRST"))
    late = f.calibrate(f.instrument(dept, tag="CAL-LATE"))
    draft = f.calibrate(f.instrument(dept, tag="CAL-DRAFT"), complete=False)
    Calibration.objects.filter(pk=late.pk).update(due_on=f.today() - dt.timedelta(days=1))
    # Its certificate dated before the gauge was registered: it answered no due date.
    Calibration.objects.filter(pk=first.pk).update(due_on=None)
    client = client_for(quality_manager)

    rows = {row["Instrument"]: row for row in _listed(client, CALIBRATIONS)}
    assert rows["CAL-FIRST"]["Due on"] == "" and rows["CAL-FIRST"]["On time"] == "—"
    assert rows["CAL-LATE"]["On time"] == "No" and rows["CAL-DRAFT"]["On time"] == ""
    header, *lines = body(client.get(CALIBRATIONS + "?format=csv")).splitlines()
    column = header.split(",").index("On time")
    on_time = {line.split(",")[0]: line.split(",")[column] for line in lines}
    assert on_time == {"CAL-FIRST": "", "CAL-LATE": "No", "CAL-DRAFT": ""}

    # Neither on time nor late: the share is of the late one alone, and its figure opens only it.
    measure = kpis.get("calibration.on_time")
    assert calibration_kpis.on_time_values([this], subject=dept) == [0.0]
    assert measure.value(this, subject=dept) == 0
    assert _tags(_listed(client, measure.url(this, subject=dept))) == ["CAL-LATE"]
    assert _tags(_listed(client, CALIBRATIONS + "?on_time=yes")) == []
    assert _tags(_listed(client, CALIBRATIONS + "?on_time=no")) == ["CAL-LATE"]
    assert draft.status == "draft"
