"""Coverage: for each competence and each day of the next four weeks, the qualified people
available, absences taken into account; a competence under its minimum is an alarm naming the one
person it hangs on, a due item of the head on My work, the Overview and the weekly digest."""

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from qms.due import registry
from qms.services import transition
from tests.training import factories as f
from training import services
from training.coverage import coverage_of, window
from training.models import CoverageAlarm

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def test_absences_take_people_out_of_the_days_they_are_away(hardening, zimmer, yilmaz, head):
    f.train(zimmer, hardening, 3, on=f.days(-30), by=head)
    f.train(yilmaz, hardening, 2, on=f.days(-30), by=head)
    f.absent(zimmer, f.days(2), f.days(4))
    (cov,) = coverage_of([hardening])
    assert cov.days == window() and len(cov.days) == 28
    assert cov.available[:7] == [2, 2, 1, 1, 1, 2, 2]
    assert cov.short_days == [f.days(2), f.days(3), f.days(4)]


def test_an_expiry_inside_the_window_counts_until_the_day_it_expires(hardening, zimmer, yilmaz, head):
    f.train(zimmer, hardening, 2, on=f.days(-30), by=head)
    f.train(yilmaz, hardening, 2, on=f.days(-30), by=head, expires_on=f.days(10))
    (cov,) = coverage_of([hardening])
    assert cov.available[10] == 2 and cov.available[11] == 1
    assert cov.short_days[0] == f.days(11)


def test_a_daylight_saving_change_inside_the_window_shifts_no_day(
    hardening, zimmer, yilmaz, head, monkeypatch
):
    # Europe/Berlin springs forward on Sunday 29 March 2026 (02:00 → 03:00). It is 00:30 on Monday
    # 30 March in the factory, still Sunday 22:30 in UTC.
    f.train(zimmer, hardening, 2, on=dt.date(2026, 3, 1), by=head)
    f.train(yilmaz, hardening, 2, on=dt.date(2026, 3, 1), by=head)
    f.absent(zimmer, dt.date(2026, 3, 27), dt.date(2026, 3, 30))  # Friday to Monday, across the change
    f.absent(yilmaz, dt.date(2026, 10, 24), dt.date(2026, 10, 26))  # across the autumn change
    night = dt.datetime(2026, 3, 30, 0, 30, tzinfo=BERLIN)
    monkeypatch.setattr(timezone, "now", lambda: night.astimezone(dt.UTC))
    assert timezone.localdate() == dt.date(2026, 3, 30)
    (cov,) = coverage_of([hardening])
    assert cov.days[0] == dt.date(2026, 3, 30)  # the factory's today, not UTC's
    assert cov.available[0] == 1 and cov.available[1] == 2  # away Monday, back Tuesday
    # Started before the change: each calendar date once, none skipped, none doubled.
    (cov,) = coverage_of([hardening], today=dt.date(2026, 3, 20))
    assert cov.days == [dt.date(2026, 3, 20) + dt.timedelta(days=n) for n in range(28)]
    away = [d for d, n in zip(cov.days, cov.available, strict=True) if n < 2]
    assert away == [dt.date(2026, 3, 27), dt.date(2026, 3, 28), dt.date(2026, 3, 29), dt.date(2026, 3, 30)]
    (cov,) = coverage_of([hardening], today=dt.date(2026, 10, 10))
    away = [d for d, n in zip(cov.days, cov.available, strict=True) if n < 2]
    assert away == [dt.date(2026, 10, 24), dt.date(2026, 10, 25), dt.date(2026, 10, 26)]


def test_one_qualified_person_is_an_alarm_that_names_him_for_the_head(hardening, zimmer, yilmaz, head):
    f.train(zimmer, hardening, 3, on=f.days(-30), by=head)
    alarm = CoverageAlarm.objects.get(competence=hardening, status="open")
    assert alarm.title == "Heat treatment: case-hardening furnace: only Oliver Zimmer is qualified (2 needed)"
    assert alarm.owner == head and alarm.since == f.today() and alarm.lowest == 1
    f.absent(zimmer, f.days(0), f.days(4))
    alarm.refresh_from_db()
    assert alarm.lowest == 0 and alarm.title.endswith(f"absent {_range(f.days(0), f.days(4))}")
    # On the head's My work, as a due item naming the one person, leading to the competence.
    (item,) = [i for i in registry.for_user(head) if i.kind == "Coverage alarm"]
    assert "only Oliver Zimmer" in item.title and item.url == hardening.get_absolute_url()
    assert item.department_id == head.department_id
    # A backup trained: still short while Oliver is away; a second one clears it.
    f.train(yilmaz, hardening, 2, by=head)
    alarm.refresh_from_db()
    assert alarm.status == "open" and "only Emre Yilmaz is available" in alarm.title
    other = f.person(head.department)
    f.train(other, hardening, 2, by=head)
    alarm.refresh_from_db()
    assert alarm.status == "cleared" and alarm.cleared_at is not None
    assert not [i for i in registry.for_user(head) if i.kind == "Coverage alarm"]


def _range(start, end):
    from training.coverage import day_range

    return day_range(start, end)


def test_an_alarm_keeps_the_day_it_was_first_short(hardening, zimmer, head):
    f.train(zimmer, hardening, 2, on=f.days(-30), by=head)
    services.alarms_refresh(today=f.days(5))  # a later run does not move the day
    assert CoverageAlarm.objects.get(status="open").since == f.today()


def test_the_daily_run_raises_an_alarm_when_an_expiry_enters_the_window(hardening, zimmer, yilmaz, head):
    f.train(zimmer, hardening, 2, on=f.days(-30), by=head)
    f.train(yilmaz, hardening, 2, on=f.days(-30), by=head, expires_on=f.days(40))
    assert not CoverageAlarm.objects.filter(status="open").exists()
    services.daily(today=f.days(20))
    alarm = CoverageAlarm.objects.get(status="open")
    assert alarm.since == f.days(41)


def test_a_retired_competence_raises_no_alarm(client_for, hardening, zimmer, head):
    f.train(zimmer, hardening, 2, by=head)
    assert CoverageAlarm.objects.filter(status="open").exists()
    client_for(head).post(
        f"/training/competences/{hardening.pk}/transition/",
        {"transition": "retire", "reason": "Furnace sold"},
    )
    hardening.refresh_from_db()
    assert hardening.status == "retired" and not CoverageAlarm.objects.filter(status="open").exists()


def test_the_alarm_is_on_the_overview_and_in_the_heads_weekly_digest(
    client_for, hardening, zimmer, head, dept
):
    from notifications.services import digest_drafts

    f.train(zimmer, hardening, 2, on=f.days(-30), by=head)
    CoverageAlarm.objects.update(since=f.days(-3))  # short for three days now
    overview = client_for(head).get("/overview/").content.decode()
    assert "Training" in overview and "only Oliver Zimmer is qualified" in overview
    due = client_for(head).get("/due/?module=Training&state=overdue").content.decode()
    assert "only Oliver Zimmer is qualified" in due
    user = {
        "id": head.pk,
        "username": head.username,
        "first_name": head.first_name,
        "last_name": head.last_name,
        "email": head.email,
        "department_id": dept.pk,
        "manager_id": None,
    }
    (draft,) = digest_drafts([user], today=f.today(), week="2026-W01")
    assert "only Oliver Zimmer is qualified" in draft.body_text


def test_minimum_coverage_changed_is_judged_at_once(client_for, hardening, zimmer, head):
    f.train(zimmer, hardening, 2, by=head)
    assert CoverageAlarm.objects.filter(status="open").exists()
    data = {
        "title": hardening.title,
        "process": hardening.process_id,
        "evidence": "certificate",
        "requalify_months": "12",
        "min_coverage": "1",
        "authorises": "",
        "owner": head.pk,
    }
    response = client_for(head).post(f"/training/competences/{hardening.pk}/edit/", data)
    assert response.status_code == 302
    assert not CoverageAlarm.objects.filter(status="open").exists()


def test_a_new_alarm_is_published_once_for_the_risk_register(dept, zimmer, head, monkeypatch):
    from qms import events

    heard = []
    monkeypatch.setitem(events._subscribers, "training.coverage_alarm", [lambda **p: heard.append(p)])
    with monkeypatch.context() as m:
        m.setattr("django.db.transaction.on_commit", lambda fn, *a, **k: fn())
        # Nobody holds a new competence: short from the day it is created.
        hardening = f.competence(dept, title="Case-hardening furnace", by=head, min_coverage=2)
        assert heard == [{"competence_id": hardening.pk}]
        f.train(zimmer, hardening, 2, on=f.days(-30), by=head)  # one qualified, two needed: still short
        services.alarms_refresh()
        services.alarms_refresh()  # the same alarm again: not news
    assert CoverageAlarm.objects.filter(competence=hardening, status="open").count() == 1
    assert heard == [{"competence_id": hardening.pk}]


def test_a_competence_nobody_holds_is_short_on_its_page_and_the_coverage_page_from_its_creation(
    client_for, dept, head
):
    """A competence needing one qualified person, given to nobody yet: its page said "At least 1
    qualified person is available on every day" beside "Nobody is qualified"."""
    passivation = f.competence(dept, title="Passivation line operation", by=head, min_coverage=1)
    (alarm,) = CoverageAlarm.objects.filter(competence=passivation, status="open")
    assert alarm.owner == head and alarm.since == f.today()
    page = client_for(head).get(passivation.get_absolute_url()).content.decode()
    assert 'data-testid="coverage-alarm"' in page and 'data-testid="coverage-ok"' not in page
    coverage = client_for(head).get(reverse("training:coverage") + f"?department={dept.pk}").content.decode()
    assert "Passivation line operation" in coverage.split('data-testid="alarms"')[1].split("</table>")[0]
    assert 'data-testid="no-alarms"' not in coverage
    # The alarm cleared by hand (as if the morning's check had not yet run): the pages say so.
    CoverageAlarm.objects.filter(pk=alarm.pk).update(status="cleared")
    page = client_for(head).get(passivation.get_absolute_url()).content.decode()
    assert f"Short from {f.today():%-d %b %Y}:</strong> 0 of 1 qualified person available" in page
    assert 'data-testid="coverage-ok"' not in page
    coverage = client_for(head).get(reverse("training:coverage") + f"?department={dept.pk}").content.decode()
    assert "1 competence below falls short in the next four weeks" in coverage
    assert 'data-testid="no-alarms"' not in coverage


def test_a_departments_coverage_page_names_the_alarms_of_the_others(
    client_for, dept, other_dept, head, other_head
):
    """Training & HR chose their own department and read "every competence has its minimum"
    while heat treatment, in production, had nobody to spare."""
    furnace = f.competence(other_dept, title="Case-hardening furnace", by=other_head, min_coverage=1)
    page = client_for(head).get(reverse("training:coverage") + f"?department={dept.pk}").content.decode()
    elsewhere = page.split('data-testid="other-alarms"')[1].split("</p>")[0]
    assert f'href="?department={other_dept.pk}#alarms">{other_dept.name}: {furnace.title}</a>' in elsewhere
    own = client_for(head).get(reverse("training:coverage") + f"?department={other_dept.pk}").content.decode()
    assert 'data-testid="other-alarms"' not in own  # the one alarm is on the page itself


def test_a_competence_job_roles_still_require_is_not_retired(client_for, dept, hardening, head):
    """COMP-2026-0003 was retired while two job roles still required it: its alarm went quiet."""
    role = f.job_role(dept, title="Furnace operator", by=head, needs=[(hardening, 2)])
    page = client_for(head).post(
        f"/training/competences/{hardening.pk}/transition/",
        {"transition": "retire", "reason": "Furnace sold"},
        follow=True,
    )
    hardening.refresh_from_db()
    assert hardening.status == "active"
    refused = "The job role “Furnace operator” still requires it: take it out of the role, or retire the role"
    assert refused in page.content.decode()
    assert CoverageAlarm.objects.filter(competence=hardening, status="open").exists()
    transition(obj=role, name="retire", by=head, reason="Furnace sold")
    transition(obj=hardening, name="retire", by=head, reason="Furnace sold")
    hardening.refresh_from_db()
    assert hardening.status == "retired"
