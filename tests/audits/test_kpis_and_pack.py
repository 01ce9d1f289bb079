"""KPIs of the module (audits on schedule, findings past their response date, risks above the
threshold, each leading to its records) and its audit-pack sections (9.2 and 6.1), read as the
user taking the pack may see them."""

import datetime as dt
from io import BytesIO

import pytest
from django.utils import timezone
from pypdf import PdfReader

from audits.models import Audit, Finding
from qms import kpis
from qms.auditpack import pack_build
from qms.services import record_transition
from tests.audits import factories as af

pytestmark = pytest.mark.django_db


def test_audits_on_schedule_counts_the_audits_started_by_their_planned_date(
    client_for, quality_manager, lead, other_dept, dept
):
    today = timezone.localdate()
    on_time = af.audit(lead=lead, audited=[other_dept], department=dept, due=today, start=True)
    late = af.audit(lead=lead, audited=[other_dept], department=dept, due=today)
    Audit.objects.filter(pk=late.pk).update(due_date=today - dt.timedelta(days=1))
    assert on_time.started_on == today
    measure = kpis.get("audits.on_schedule")
    days = kpis.Period(today - dt.timedelta(days=10), today)
    assert measure.value(days) == 50.0
    # The figure opens the two audits it judged (it opened the whole register).
    assert measure.url(days).startswith("/audits/audits/?planned_from=")
    page = client_for(quality_manager).get(measure.url(days)).content.decode()
    assert on_time.reference in page and late.reference in page


def test_findings_past_due_and_risks_above_the_threshold(running, other_head, other_dept):
    found = af.finding(running, grade=Finding.Grade.OBSERVATION)
    Finding.objects.filter(pk=found.pk).update(due_date=timezone.localdate() - dt.timedelta(days=3))
    furnace = af.process(other_dept, "Furnace")
    af.risk(process=furnace, owner=other_head, likelihood=4, severity=5)
    af.risk(process=furnace, owner=other_head, likelihood=2, severity=2)
    month = kpis.Period.month(timezone.localdate())
    assert kpis.get("audits.findings_past_due").value(month) == 1
    assert kpis.get("audits.risks_above_threshold").value(month) == 1
    assert "above_on=" in kpis.get("audits.risks_above_threshold").url(month)
    record_transition(record=found, name="close", by=running.owner)
    assert kpis.get("audits.findings_past_due").value(month) == 0


def test_the_audit_pack_has_the_audits_with_their_findings_and_the_register(
    auditor, running, other_head, other_dept
):
    af.finding(running, grade=Finding.Grade.MAJOR, title="Old drawing at the furnace")
    af.risk(process=af.process(other_dept, "Furnace"), owner=other_head, title="Sole qualified person")
    today = timezone.localdate()
    pdf, sections = pack_build(
        user=auditor,
        keys=["audits", "risks"],
        date_from=today - dt.timedelta(days=30),
        date_to=today + dt.timedelta(days=30),
    )
    assert [s.clause for s in sections] == ["9.2", "6.1"]
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(BytesIO(pdf)).pages).split())
    for words in (
        running.reference,
        "Old drawing at the furnace",
        "Major nonconformity",
        "Sole qualified person",
    ):
        assert words in text, words


def test_a_departments_risk_figure_links_to_that_departments_risks(
    client_for, quality_manager, other_head, other_dept, head, dept
):
    """The figure counted for one department opens the register narrowed to it: the list shows
    as many risks as the figure says."""
    af.risk(
        process=af.process(other_dept, "Furnace"),
        owner=other_head,
        likelihood=4,
        severity=5,
        title="Quench crack",
    )
    af.risk(
        process=af.process(dept, "Paint line"), owner=head, likelihood=5, severity=5, title="Solvent fire"
    )
    measure = kpis.get("audits.risks_above_threshold")
    month = kpis.Period.month(timezone.localdate())
    assert measure.value(month, subject=other_dept) == 1 and measure.value(month) == 2
    page = client_for(quality_manager).get(measure.url(month, subject=other_dept)).content.decode()
    assert "Quench crack" in page and "Solvent fire" not in page
    page = client_for(quality_manager).get(measure.url(month)).content.decode()
    assert "Quench crack" in page and "Solvent fire" in page
