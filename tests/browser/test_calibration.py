"""Gaps 6 of the story in a real browser: the metrology head records the calibration of a
reference standard that fails as found, sees the instrument quarantined with its impact
assessment, and reaches the list of instruments made suspect by it."""

import datetime as dt

import pytest
from django.utils import timezone

from qms.models import Role
from tests.calibration import factories as f
from tests.factories import DepartmentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_metrology_head_records_a_failed_calibration_and_reaches_the_suspect_list(
    page, login, dept, head
):
    page.on("dialog", lambda dialog: dialog.accept())  # "Complete the calibration?": yes
    cal = DepartmentFactory(name="Calibration", code="CAL")
    metrology = UserFactory(
        username="pbecker", first_name="Paul", last_name="Becker", role=Role.DEPARTMENT_HEAD, department=cal
    )
    cal.head = metrology
    cal.save()
    lab = f.lab("Kalibrierlabor Nord")
    blocks = f.calibrated(
        cal,
        by=metrology,
        owner=metrology,
        on=timezone.localdate() - dt.timedelta(days=300),
        tag="GB-01",
        title="Gauge block set",
        type_name="Gauge block set",
        is_reference_standard=True,
        source="external",
        lab=lab,
    )
    micrometer = f.instrument(dept, tag="MM-07", title="Outside micrometer 25–50 mm")
    f.calibrate(micrometer, on=timezone.localdate() - dt.timedelta(days=100), standards=[blocks])

    login(metrology)
    page.goto(blocks.get_absolute_url())
    page.get_by_text("Record a calibration").click()
    form = page.get_by_test_id("calibration-form")
    form.get_by_label("Calibration date").fill(timezone.localdate().isoformat())
    form.locator("select[name=source]").select_option(label="External laboratory")
    form.locator("select[name=lab]").select_option(label=str(lab))
    form.get_by_label("Certificate number").fill("DAkkS-4711")
    form.get_by_role("button", name="Start recording").click()
    page.wait_for_load_state()

    point = page.get_by_test_id("point-form")
    point.locator("input[name=nominal]").fill("25")
    point.locator("input[name=plus_minus]").fill("0.00012")
    point.locator("input[name=as_found]").fill("25.0004")
    point.locator("input[name=as_left]").fill("25.00002")
    point.get_by_role("button", name="Add point").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Complete the calibration").click()
    page.wait_for_load_state()
    assert "OUT OF TOLERANCE" in page.get_by_test_id("result").inner_text()
    page.get_by_test_id("opened-assessment").get_by_role("link").click()
    page.wait_for_load_state()
    assert "Quarantined" in page.content() or "quarantined" in page.content()

    page.goto("/calibration/instruments/")
    page.get_by_test_id("calibration-nav").get_by_role("link", name="Calibration suspect").click()
    row = page.get_by_test_id("suspects").locator("tr", has_text="MM-07")
    assert "GB-01" in row.inner_text()
    row.get_by_role("link", name="MM-07 Outside micrometer 25–50 mm").click()
    assert "Calibration suspect" in page.get_by_test_id("standing").inner_text()
