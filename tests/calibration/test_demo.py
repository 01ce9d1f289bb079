"""The demo company tells gaps 5 and 6 of the story: the outside micrometer used at final
inspection of the complaint lot had lapsed, its calibration this month found it out of tolerance
as found, so it is quarantined with an open impact assessment linked to the complaint CAPA; the
gauge-block set it is calibrated against; the CNC machine at cell 4, its spindle maintenance
postponed twice and now overdue."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from calibration import selectors
from calibration.models import ImpactAssessment, Instrument, Machine
from qms import gates
from qms.due import registry
from qms.models import RecordLink, User

pytestmark = pytest.mark.django_db


def test_the_demo_tells_the_story(client):
    call_command("load_demo", "--if-empty")

    micrometer = Instrument.objects.get(tag="MM-07")
    assert micrometer.status == "quarantined"
    failed, last_good = micrometer.calibrations.order_by("-calibrated_on")[:2]
    assert failed.as_found_ok is False and failed.as_left_ok is True
    assert failed.calibrated_on.month == failed.completed_at.month
    # It had lapsed: the good calibration before this one was due before this one was made.
    assert last_good.next_due < failed.calibrated_on
    assert [s.standard.tag for s in failed.standards.all()] == ["GB-01"]
    assessment = ImpactAssessment.objects.get(instrument=micrometer)
    assert assessment.status == "open" and assessment.period_from == last_good.calibrated_on
    assert assessment.items.filter(reference="Lot 24-1187", decision="").exists()
    link = RecordLink.objects.get(source_type__model="impactassessment", source_id=assessment.pk)
    assert link.target.customer_reference == "KA-2291"
    # Refused today (quarantined), and the day before its failed calibration (lapsed).
    assert gates.check("instrument_usable", on=timezone.localdate(), instrument=micrometer)
    lapsed = gates.check(
        "instrument_usable", on=failed.calibrated_on - dt.timedelta(days=1), instrument=micrometer
    )
    assert [r.message for r in lapsed] == [
        f"MM-07 {micrometer.title} was overdue for calibration since {last_good.next_due:%-d %b %Y}."
    ]

    blocks = Instrument.objects.get(tag="GB-01")
    assert blocks.is_reference_standard and blocks.reference_uses.count() >= 2
    assert blocks.lab.name == "Präzisa Kalibrierdienst GmbH"  # the suppliers demo's laboratory
    assert selectors.accreditation(blocks.lab) is not None  # its ISO/IEC 17025 on file

    cnc = Machine.objects.get(asset_number="CNC-04")
    spindle = cnc.plans.get(name="Spindle maintenance")
    assert spindle.postponements.filter(status="approved").count() == 2
    refusals = gates.check("maintenance_in_order", on=timezone.localdate(), machine=cnc)
    assert any("Spindle maintenance" in r.message for r in refusals)
    maintenance_lead = User.objects.get(username="jschulz")
    assert any(i.title == "Spindle maintenance" for i in registry.for_user(maintenance_lead))

    # The metrology lead reads the story on the pages.
    client.force_login(User.objects.get(username="pbecker"))
    page = client.get(micrometer.get_absolute_url()).content.decode()
    assert "Quarantined" in page and assessment.reference in page
    page = client.get(cnc.get_absolute_url())
    assert page.status_code == 200  # production's machine: metrology reads it, a lot names it
    assert 'data-testid="edit"' not in page.content.decode()  # and does not change it
    client.force_login(User.objects.get(username="hbauer"))
    page = client.get(cnc.get_absolute_url()).content.decode()
    assert "2 approved" in page and "Maintenance not in order" in page


def test_the_demo_trend_of_instruments_overdue_shows_the_micrometer_lapsed(client):
    """The register's instruments are in use since their first calibration: the month before the
    micrometer's calibration this month, the KPI counts it overdue with the bore gauge, and that
    month's point opens those two."""
    import datetime as dt

    from calibration import kpis as calibration_kpis
    from qms import kpis
    from tests.helpers import register_rows

    call_command("load_demo", "--if-empty")
    micrometer = Instrument.objects.get(tag="MM-07")
    last_good = micrometer.calibrations.order_by("-calibrated_on")[1]
    assert micrometer.created_at.date() <= last_good.calibrated_on
    last_month = kpis.Period.month(timezone.localdate().replace(day=1) - dt.timedelta(days=1))
    client.force_login(User.objects.get(username="qm"))
    listed = register_rows(client, calibration_kpis.overdue_url(last_month))
    assert {cells["ID"] for cells in listed.values()} == {"MM-07", "BG-12"}
    assert kpis.get("calibration.overdue").value(last_month) == 2
