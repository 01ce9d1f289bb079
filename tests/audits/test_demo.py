"""The demo company's audits and risks: last year's eight audits done, the calibration audit's major
finding answered by the gauge CAPA; this year's purchasing audit overdue; and the top risk of the
register, heat treatment hanging on one person, proposed by the training module's coverage alarm."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from audits.models import Audit, Finding, Programme, Proposal, Risk
from qms.due import registry
from qms.models import RecordLink, User

pytestmark = pytest.mark.django_db


def test_the_demo_tells_the_story():
    call_command("load_demo", "--if-empty")
    year = timezone.localdate().year

    last = Programme.objects.get(year=year - 1)
    done = last.audits.filter(status__in=("reported", "closed"))
    assert last.status == "closed" and done.count() == 8
    assert all(a.started_on and a.started_on <= a.due_date for a in done)
    (major,) = Finding.objects.filter(audit__programme=last, grade="major")
    (capa,) = major.raised_records()
    assert (
        capa.title == "Gauges used past their calibration date"
        and capa.is_closed
        and major.status == "closed"
    )

    current = Programme.objects.get(year=year)
    (late,) = Audit.objects.overdue().filter(programme=current)
    assert "Purchasing" in late.title and late.owner.username == "nroth"
    assert current.audits.filter(status="in_progress").exists()
    nina = User.objects.get(username="nroth")
    assert any(
        i.kind == "Internal audit" and i.title.startswith(late.reference) or late.title in i.title
        for i in registry.for_user(nina)
    )

    top = Risk.objects.filter(status="active", kind="risk").order_by("-score").first()
    assert top.title == "Sole qualified person in heat treatment" and top.score == 20
    assert top.owner.username == "hbauer" and top.actions.filter(status="open").exists()
    proposal = Proposal.objects.get(risk=top)
    assert proposal.kind == "coverage" and proposal.status == "accepted"
    assert RecordLink.objects.filter(source_id=proposal.source_id, target_id=top.pk).exists()
    # Delivered again after the demo commits, the alarm proposes nothing new.
    from audits.services.signals import from_coverage_alarm

    from_coverage_alarm(competence_id=proposal.source_id)
    assert Proposal.objects.filter(kind="coverage").count() == 1


def test_the_demo_risk_trend_follows_the_reassessments():
    """Recorded at last year's review, re-assessed in the autumn: three months ago the gauge risk
    was the one above the threshold, since then the supplier's material change is; today the
    heat treatment risk is too. Each month's point opens the risks it counted."""
    import datetime as dt

    from django.test import Client

    from qms import kpis
    from tests.helpers import register_rows

    call_command("load_demo", "--if-empty")
    today = timezone.localdate()
    before, since = kpis.Period.month(today - dt.timedelta(days=90)), kpis.Period.month(today)
    measure = kpis.get("audits.risks_above_threshold")
    client = Client()
    client.force_login(User.objects.get(username="qm"))
    expected = {
        before: {"Gauge used past its calibration date"},
        since: {
            "Supplier substitutes material without notification",
            "Sole qualified person in heat treatment",
        },
    }
    for period, titles in expected.items():
        assert measure.value(period) == len(titles), period.label
        listed = register_rows(client, measure.url(period))
        assert {Risk.objects.get(pk=pk).title for pk in listed} == titles, period.label


def test_last_quarters_review_froze_the_figures_its_links_open():
    """Held before the audits' and risks' demo records were in, last quarter's review said "0
    findings past due" and its link listed 4: it is held once every module's records are in, so
    each frozen figure is what its records, read today for that quarter, count."""
    from qms import kpis
    from reviews.inputs import _number
    from reviews.models import Review

    call_command("load_demo", "--if-empty")
    last = Review.objects.get(status="signed")
    frozen = {m["key"]: m["value"] for row in last.inputs.all() for m in (row.data or {}).get("measures", [])}
    for key in ("audits.findings_past_due", "audits.risks_above_threshold"):
        assert frozen[key] == _number(kpis.get(key).value(last.period)), key
    assert frozen["audits.risks_above_threshold"] >= 1
