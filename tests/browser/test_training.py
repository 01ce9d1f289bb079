"""Gap 4 of the story in a real browser: the head finds the coverage alarm on My work (heat
treatment hangs on Oliver Zimmer, who is away this week), and records the training of backups
until it clears."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.training import factories as f
from training.models import CoverageAlarm

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def record_training(page, person, competence) -> None:
    """On the person's training file: record an external course that qualified them."""
    page.get_by_text("Record a training").click()
    form = page.get_by_test_id("record-form")
    form.get_by_label("Competence").select_option(label=competence.title)
    form.get_by_label("Date").fill(timezone.localdate().isoformat())
    form.get_by_label("Method").select_option(label="External course")
    form.get_by_label("or external provider").fill("AWT Bremen, heat-treatment practice")
    form.get_by_label("Assessment result").select_option(label="Passed")
    form.get_by_label("Resulting level").select_option(label="2 · qualified")
    form.get_by_role("button", name="Record the training").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("record-level").inner_text() == "2 · qualified"


def test_a_head_finds_the_coverage_alarm_and_trains_backups_until_it_clears(page, login, head, dept):
    furnace = f.competence(dept, title="Heat treatment: case-hardening furnace", by=head, requalify_months=12)
    zimmer = f.person(dept, username="ozimmer", first_name="Oliver", last_name="Zimmer")
    yilmaz = f.person(dept, username="eyilmaz", first_name="Emre", last_name="Yilmaz")
    maier = f.person(dept, username="kmaier", first_name="Katrin", last_name="Maier")
    f.train(zimmer, furnace, 3, on=timezone.localdate() - dt.timedelta(days=60), by=head)
    f.absent(zimmer, timezone.localdate(), timezone.localdate() + dt.timedelta(days=4))
    for person in (yilmaz, maier):
        f.file_of(person, by=head)

    # My work: the alarm names the one qualified person.
    login(head)
    alarm = page.get_by_test_id("my-work").locator("tr", has_text="Coverage alarm")
    assert "only Oliver Zimmer is qualified" in alarm.inner_text()
    alarm.get_by_role("link").click()
    assert "only Oliver Zimmer is qualified" in page.get_by_test_id("coverage-alarm").inner_text()

    # The matrix shows who could step in; Emre's training file from there.
    page.goto("/training/")
    page.get_by_test_id("matrix").get_by_role("link", name="Emre Yilmaz").click()
    record_training(page, yilmaz, furnace)

    # One backup is not enough while Oliver is away: the alarm is still on, now naming Emre.
    page.goto(furnace.get_absolute_url())
    assert "only Emre Yilmaz is available" in page.get_by_test_id("coverage-alarm").inner_text()

    page.goto("/training/")
    page.get_by_test_id("matrix").get_by_role("link", name="Katrin Maier").click()
    record_training(page, maier, furnace)

    page.goto(furnace.get_absolute_url())
    assert page.get_by_test_id("coverage-alarm").count() == 0
    assert "At least 2 qualified people are available" in page.get_by_test_id("coverage-ok").inner_text()
    page.goto("/")
    assert "Coverage alarm" not in page.get_by_test_id("my-work").inner_text()
    assert CoverageAlarm.objects.get().status == "cleared"
