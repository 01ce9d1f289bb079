"""Release in a real browser: quality control finds the release of a finished lot refused because
the sampling was not re-assessed after the process changed, follows the finding's link to the
plan, records the re-assessment, comes back and releases the lot."""

import pytest

from inspection import services
from qms.services import record_transition
from tests.inspection import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_final_inspection_finds_release_refused_and_follows_the_links_to_clear_it(page, login, head):
    plan = f.plan(owner=head)
    lot = f.lot(quantity=1000, number="24-1203")
    f.decide(f.inspect(lot, plan_=plan))
    record_transition(record=lot, name="finish", by=f.qm())
    services.plan_change_record(
        plan=plan, by=head, kind="process", changed_on=f.today(), what="New insert grade"
    )

    login(head)
    page.goto(lot.get_absolute_url())
    assert page.get_by_test_id("release-blocked").is_visible()
    sampling = page.get_by_test_id("check-sampling")
    assert sampling.get_attribute("data-state") == "failed"
    assert "not re-assessed since" in sampling.inner_text()

    # The finding links to what to fix: the plan's changes.
    sampling.get_by_role("link", name="Sampling of").click()
    page.wait_for_load_state()
    assert "sampling not re-assessed since" in page.get_by_test_id("not-reassessed").inner_text()
    form = page.get_by_test_id("reassess-form")
    form.get_by_label("Re-assessment").fill("Level II and AQL 1.0 kept: first-article study after the change")
    form.get_by_role("button", name="Sampling re-assessed").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("not-reassessed").count() == 0

    page.goto(lot.get_absolute_url())
    assert page.get_by_test_id("check-sampling").get_attribute("data-state") == "clear"
    assert page.get_by_test_id("release-blocked").count() == 0
    page.get_by_test_id("release-form").get_by_role("button", name="Release the lot").click()
    page.wait_for_load_state()
    lot.refresh_from_db()
    assert lot.status == "released"
    assert "Lot released." in page.content()
