"""Traceability both ways, where-used of a gauge for calibration, the KPIs the supplier scorecard
and management review read, and the audit-pack sections."""

import pytest

from inspection import selectors, services
from inspection.kpis import MEASURES
from qms import kpis, whereused
from qms.services import record_transition
from tests.inspection import factories as f

pytestmark = pytest.mark.django_db


def _shipped_lot(receipt, *, customer="Meyer Pumpen"):
    plan = f.plan(part="H-220") if not hasattr(_shipped_lot, "plan") else _shipped_lot.plan
    lot = f.lot(quantity=100)
    services.material_use_add(lot=lot, by=f.qm(), receipt=receipt, quantity=10)
    inspection = f.inspect(lot, plan_=plan)
    gauge = f.gauge()
    services.gauge_use_add(inspection=inspection, by=f.qm(), instrument=gauge)
    f.decide(inspection)
    record_transition(record=lot, name="finish", by=f.qm())
    services.lot_release(lot=lot, by=f.qm())
    shipment = f.shipment(customer=customer)
    services.shipment_line_add(shipment=shipment, by=f.qm(), lot=lot, quantity=100)
    record_transition(record=shipment, name="ship", by=f.qm())
    return lot, shipment, gauge, inspection


def test_traceability_from_a_shipment_back_to_every_material_lot_operator_gauge_and_drawing():
    receipt = f.receipt(quantity=100)
    lot, shipment, gauge, inspection = _shipped_lot(receipt)
    trace = selectors.shipment_trace(shipment, f.qm())
    assert trace.lots == [lot]
    assert trace.receipts == [receipt]
    assert [g for g, _ in trace.gauges] == [gauge]
    assert trace.inspections == [inspection]
    assert [r for r, _ in trace.revisions] == [lot.drawing_revision]


def test_traceability_from_a_material_lot_forward_to_every_shipment_and_customer():
    receipt = f.receipt(quantity=100)
    first, one, *_ = _shipped_lot(receipt, customer="Meyer Pumpen")
    second, two, *_ = _shipped_lot(receipt, customer="Kranz Hydraulik")
    forward = selectors.trace_forward(receipt, f.qm())
    assert [(x.lot, [s.customer for s, _ in x.shipments]) for x in forward] == sorted(
        [(first, ["Meyer Pumpen"]), (second, ["Kranz Hydraulik"])], key=lambda t: t[0].lot_number
    )


def test_where_used_gives_calibration_the_suspect_inspections_and_the_shipments_with_customers():
    receipt = f.receipt(quantity=100)
    lot, shipment, gauge, inspection = _shipped_lot(receipt)
    uses = whereused.find(gauge, date_from=f.days(-30), date_to=f.today(), user=f.qm())
    assert [u.reference for u in uses] == [inspection.reference, shipment.reference]
    assert "Meyer Pumpen" in uses[1].title
    assert whereused.find(gauge, date_from=f.days(-30), date_to=f.days(-1), user=f.qm()) == []


def _measure(key):
    return next(m for m in MEASURES if m.key == key)


def test_supplier_measures_the_scorecard_reads():
    supplier = f.supplier()
    f.receipt(supplier_=supplier, quantity=900, promised=f.today(), received=f.today())
    late = f.receipt(supplier_=supplier, quantity=100, promised=f.days(-3), received=f.today())
    record_transition(record=late, name="reject", by=f.qm(), reason="Rust on the bars")
    period = kpis.Period.month(f.today())
    assert _measure("inspection.supplier_ppm").value(period, subject=supplier) == 100_000
    assert _measure("inspection.supplier_lots_rejected").value(period, subject=supplier) == 1
    assert _measure("inspection.supplier_on_time").value(period, subject=supplier) == 50
    assert {m.key for m in MEASURES} >= {
        "inspection.supplier_ppm",
        "inspection.supplier_lots_rejected",
        "inspection.supplier_on_time",
    }
    assert all(m.subject == "supplier" for m in MEASURES if m.key.startswith("inspection.supplier_"))


def test_first_pass_yield_and_inspections_below_sample_size():
    plan = f.plan()
    f.decide(f.inspect(f.lot(quantity=1000), plan_=plan))
    f.decide(f.inspect(f.lot(quantity=1000), plan_=plan, nonconforming=10))
    f.inspect(f.lot(quantity=1000), plan_=plan, sample=5)
    period = kpis.Period.month(f.today())
    assert _measure("inspection.first_pass_yield").value(period) == 50
    assert _measure("inspection.below_sample").value(period) == 1


def test_audit_pack_sections_for_traceability_release_and_nonconforming_outputs():
    from django.template.loader import render_to_string

    from inspection.audit import SECTIONS

    receipt = f.receipt(quantity=100)
    lot, shipment, gauge, inspection = _shipped_lot(receipt)
    built = {s.clause: s.build(user=f.qm(), date_from=f.days(-1), date_to=f.today()) for s in SECTIONS}
    assert set(built) == {"8.5.2", "8.6", "8.7"}
    assert built["8.5.2"]["lots"] == [lot]
    assert [x for x, _ in built["8.6"]["released"]] == [lot]
    # The lot's row traces back to its material and forward to its inspection, gauge and customer.
    row = render_to_string("inspection/audit_traceability.html", built["8.5.2"])
    for shown in (receipt.reference, inspection.reference, gauge.tag, shipment.reference, "Meyer Pumpen"):
        assert shown in row, shown


def test_the_nonconforming_outputs_section_says_none_in_a_sentence_without_a_bullet():
    """A period without rejections reads "No receipt was rejected in the period.", not an empty
    list's bullet after the heading."""
    from django.template.loader import render_to_string

    from inspection.audit import nonconforming

    html = render_to_string(
        "inspection/audit_nonconforming.html",
        nonconforming(user=f.qm(), date_from=f.days(-1), date_to=f.today()),
    )
    assert "<li" not in html and "<ul" not in html
    assert "No inspection rejected a lot or a receipt in the period." in html
    assert "No receipt was rejected in the period." in html


def test_the_pack_lists_the_receipts_accepted_without_inspection_with_who_and_why():
    """The release section (8.6) lists the material let in without incoming inspection, each with
    the quality manager's step as the receipt's page shows it, in a constant number of queries; a
    receipt its inspection accepted is not among them."""
    from django.db import connection
    from django.template.loader import render_to_string
    from django.test.utils import CaptureQueriesContext

    from inspection.audit import releases
    from qms import history

    qm = f.qm()
    supplier = f.supplier()
    inspected = f.receipt(supplier_=supplier, quantity=500)
    f.decide(f.inspect(inspected, plan_=f.plan(stage="iqc", part="BAR-42", supplier_=supplier)))

    def waive(n: int) -> int:
        for i in range(n):
            receipt = f.receipt(quantity=100)
            record_transition(record=receipt, name="accept", by=qm, reason=f"Certificate {i} checked")
            receipt.refresh_from_db()
            receipt.title = f"Bar stock, lot {i}"  # an edit after the step: the step is still shown
            history.save(receipt, by=qm, reason="Title corrected")
        with CaptureQueriesContext(connection) as ctx:
            section = releases(user=qm, date_from=f.days(-1), date_to=f.today())
        waive.section = section
        return len(ctx.captured_queries)

    assert waive(1) == waive(3)
    listed = waive.section["accepted_without_inspection"]
    assert len(listed) == 4 and inspected not in [r for r, _ in listed]
    assert [step.why for _, step in listed] == [f"Certificate {i} checked" for i in (0, 0, 1, 2)]
    html = render_to_string("inspection/audit_release.html", waive.section)
    assert f"by {qm}</td><td>Certificate 2 checked</td>" in html


def test_the_supplier_ranking_reads_every_suppliers_receipts_in_a_constant_number_of_queries(client):
    """The suppliers' ranking shows ppm, lots rejected and on-time delivery from this module's
    measures, each supplier's figures as its scorecard gives them, whatever the number of suppliers."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from inspection.models import GoodsReceipt
    from suppliers.models import Supplier

    def add_suppliers(n):
        for _ in range(n):
            supplier = f.supplier()
            Supplier.objects.filter(pk=supplier.pk).update(status="approved")  # the ranking's
            f.receipt(supplier_=supplier, quantity=400, promised=f.days(-1), received=f.days(-2))
            late = f.receipt(supplier_=supplier, quantity=100, promised=f.days(-5), received=f.days(-1))
            GoodsReceipt.objects.filter(pk=late.pk).update(status="rejected")

    client.force_login(f.qm())
    client.get(reverse("suppliers:ranking"))  # the session and the content types, once
    counts = []
    for n in (2, 6):
        add_suppliers(n if not counts else n - 2)
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(reverse("suppliers:ranking"))
        assert page.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
    html = page.content.decode()
    # Each of the six: 100 of 500 parts rejected (200,000 ppm), one lot rejected, one of two on time.
    assert html.count("200000") == 6 and html.count("50.0") >= 6
    period = kpis.Period(f.days(-30), f.today())
    ppm = kpis.get("inspection.supplier_ppm")
    one = f.supplier()
    f.receipt(supplier_=one, quantity=1000, received=f.days(-1))
    assert ppm.for_subjects(period, [one]) == {one.pk: ppm.value(period, subject=one)} == {one.pk: 0}


def test_each_figure_of_a_suppliers_ranking_opens_the_records_it_counts(client):
    """ppm and lots rejected open the supplier's rejected receipts of the twelve months, on time
    the receipts with a promised date, NCRs the scorecard's list of them."""
    import re

    from django.urls import reverse

    from inspection.models import GoodsReceipt
    from qms.services import link_add
    from suppliers.models import Supplier
    from tests.capa.factories import NonconformityFactory

    supplier, other = f.supplier(), f.supplier()
    Supplier.objects.filter(pk__in=[supplier.pk, other.pk]).update(status="approved")
    good = f.receipt(supplier_=supplier, quantity=400, promised=f.days(-1), received=f.days(-2))
    bad = f.receipt(supplier_=supplier, quantity=100, promised=f.days(-5), received=f.days(-1))
    unpromised = f.receipt(supplier_=supplier, quantity=50, received=f.days(-3))
    elsewhere = f.receipt(supplier_=other, quantity=100, received=f.days(-1))
    GoodsReceipt.objects.filter(pk__in=[bad.pk, elsewhere.pk]).update(status="rejected")
    ncr = NonconformityFactory(title="Bars out of straightness")
    link_add(source=ncr, target=supplier, by=f.qm(), note="Their bars")
    client.force_login(f.qm())
    page = client.get(reverse("suppliers:ranking")).content.decode()
    row = page[page.index(str(supplier)) :].split("</tr>")[0]

    def opened(label: str) -> tuple[str, str]:
        href, shown = re.search(rf'data-label="{label}"><a href="([^"]+)">([^<]+)<', row).groups()
        return client.get(href.replace("&amp;", "&")).content.decode(), shown

    listed, shown = opened("ppm")
    assert shown == "181818" and bad.reference in listed
    assert good.reference not in listed and elsewhere.reference not in listed
    listed, shown = opened("Lots rejected")
    assert shown == "1" and bad.reference in listed and good.reference not in listed
    listed, shown = opened("On time")
    assert shown == "50.0 %" and good.reference in listed and bad.reference in listed
    assert unpromised.reference not in listed
    listed, shown = opened("NCRs")
    assert shown == "1" and ncr.reference in listed.split('data-testid="ncrs"')[1]


def test_the_shipment_page_reads_its_whole_trace_in_the_same_queries_for_one_lot_or_three(client_for):
    """The trace reads narrowed rows: a field the page shows but the trace did not read would cost
    one query per lot, inspection or gauge."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def shipment_of(n):
        shipment = f.shipment(customer=f"Customer {n}")
        for _ in range(n):
            lot = f.lot(quantity=100)
            services.material_use_add(lot=lot, by=f.qm(), receipt=f.receipt(quantity=100), quantity=10)
            inspection = f.inspect(lot, plan_=f.plan(part="H-220"))
            services.gauge_use_add(inspection=inspection, by=f.qm(), instrument=f.gauge())
            f.decide(inspection)
            record_transition(record=lot, name="finish", by=f.qm())
            services.lot_release(lot=lot, by=f.qm())
            services.shipment_line_add(shipment=shipment, by=f.qm(), lot=lot, quantity=100)
        return shipment

    client = client_for(f.qm())
    counts = []
    for shipment in (shipment_of(1), shipment_of(3)):
        client.get(shipment.get_absolute_url())  # warm the session and caches alike
        with CaptureQueriesContext(connection) as queries:
            page = client.get(shipment.get_absolute_url())
        assert page.status_code == 200
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1], counts


def test_lots_released_with_deviations_are_counted_once_each_in_the_month_of_their_release():
    import datetime as dt

    from django.utils import timezone

    from inspection.models import ProductionLot, ReleaseDeviation

    this = kpis.Period.month(f.today())
    last = kpis.Period.month(this.start - dt.timedelta(days=1))
    at = lambda day: timezone.make_aware(dt.datetime.combine(day, dt.time(10)))  # noqa: E731
    two, clean, earlier, unreleased = (f.lot(quantity=10) for _ in range(4))
    for lot, day in ((two, this.start), (clean, this.start), (earlier, last.start)):
        ProductionLot.objects.filter(pk=lot.pk).update(released_at=at(day))
    for lot in (two, two, earlier, unreleased):
        ReleaseDeviation.objects.create(
            lot=lot,
            check_key="sample",
            finding="short",
            reason="signed",
            accepted_by=f.qm(),
            accepted_at=at(this.start),
        )
    measure = _measure("inspection.released_with_deviations")
    assert measure.series([last, this]) == [1, 1]
    assert [measure.value(p) for p in (last, this)] == [1, 1]


# --- the records behind each number: the month's, the subject's ---------------------------------


def _months():
    import datetime as dt

    this = kpis.Period.month(f.today())
    return this, kpis.Period.month(this.start - dt.timedelta(days=1))


def _listed(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_rejected_receipts_open_the_months_rejected_receipts_of_the_supplier(client_for, quality_manager):
    from django.urls import reverse

    from inspection.models import GoodsReceipt

    this, last = _months()
    supplier, other = f.supplier(), f.supplier()
    counted = f.receipt(supplier_=supplier, quantity=100)
    earlier = f.receipt(supplier_=supplier, quantity=100)
    accepted = f.receipt(supplier_=supplier, quantity=100)
    elsewhere = f.receipt(supplier_=other, quantity=100)
    GoodsReceipt.objects.filter(pk__in=[counted.pk, earlier.pk, elsewhere.pk]).update(status="rejected")
    GoodsReceipt.objects.filter(pk=earlier.pk).update(received_on=last.start)
    client = client_for(quality_manager)
    for key in ("inspection.supplier_lots_rejected", "inspection.supplier_ppm"):
        measure = kpis.get(key)
        assert measure.value(this, subject=supplier) == (1 if key.endswith("rejected") else 500_000)
        page = _listed(client, measure.url(this))
        assert counted.reference in page and elsewhere.reference in page, key
        assert earlier.reference not in page and accepted.reference not in page, key
        page = _listed(client, measure.url(this, subject=supplier))
        assert counted.reference in page and elsewhere.reference not in page, key
        assert earlier.reference in _listed(client, measure.url(last, subject=supplier)), key
    # A date the filter cannot read: the register says so beside the field, and lists nothing.
    page = _listed(client, reverse("inspection:goodsreceipt_list") + "?received_from=garbage&delivery=x")
    assert counted.reference not in page


def test_on_time_delivery_opens_the_months_receipts_with_a_promised_date(client_for, quality_manager):
    from inspection.models import GoodsReceipt

    this, last = _months()
    supplier = f.supplier()
    promised = f.receipt(supplier_=supplier, promised=f.today())
    unpromised = f.receipt(supplier_=supplier)
    earlier = f.receipt(supplier_=supplier, promised=last.start, received=last.start)
    GoodsReceipt.objects.filter(pk=earlier.pk).update(received_on=last.start)
    measure = kpis.get("inspection.supplier_on_time")
    assert measure.value(this, subject=supplier) == 100
    page = _listed(client_for(quality_manager), measure.url(this, subject=supplier))
    assert promised.reference in page
    assert unpromised.reference not in page and earlier.reference not in page


def test_first_pass_yield_opens_the_months_decided_original_final_inspections(
    client_for, quality_manager, other_dept
):
    from inspection.models import Inspection

    this, last = _months()
    plan = f.plan()
    counted = f.decide(f.inspect(f.lot(quantity=1000), plan_=plan))
    earlier = f.decide(f.inspect(f.lot(quantity=1000), plan_=plan))
    again = f.decide(f.inspect(f.lot(quantity=1000), plan_=plan))
    undecided = f.inspect(f.lot(quantity=1000), plan_=plan)
    Inspection.objects.filter(pk=earlier.pk).update(inspected_on=last.start)
    Inspection.objects.filter(pk=again.pk).update(original=False)  # a re-inspection
    measure = kpis.get("inspection.first_pass_yield")
    assert measure.value(this) == 100 and measure.value(last) == 100
    client = client_for(quality_manager)
    page = _listed(client, measure.url(this, subject=counted.department))
    assert counted.reference in page
    for other in (earlier, again, undecided):
        assert other.reference not in page, other.reference
    assert counted.reference not in _listed(client, measure.url(this, subject=other_dept))


def test_inspections_below_sample_size_open_the_months_short_inspections(client_for, quality_manager):
    from django.urls import reverse

    from inspection.models import Inspection

    this, last = _months()
    plan = f.plan()
    short = f.inspect(f.lot(quantity=1000), plan_=plan, sample=5)
    earlier = f.inspect(f.lot(quantity=1000), plan_=plan, sample=5)
    full = f.inspect(f.lot(quantity=1000), plan_=plan)
    Inspection.objects.filter(pk=earlier.pk).update(inspected_on=last.start)
    measure = kpis.get("inspection.below_sample")
    assert measure.value(this) == 1 == measure.value(last, subject=short.department)
    client = client_for(quality_manager)
    page = _listed(client, measure.url(this, subject=short.department))
    assert short.reference in page
    assert earlier.reference not in page and full.reference not in page
    assert earlier.reference in _listed(client, measure.url(last))
    _listed(client, reverse("inspection:inspection_list") + "?inspected_to=31.02.&first=maybe")


def test_lots_released_with_deviations_open_the_lots_released_with_one_in_the_month(
    client_for, quality_manager
):
    import datetime as dt

    from django.urls import reverse
    from django.utils import timezone

    from inspection.models import ProductionLot, ReleaseDeviation

    this, last = _months()
    at = lambda day: timezone.make_aware(dt.datetime.combine(day, dt.time(10)))  # noqa: E731
    counted, shipped, clean, earlier = (f.lot(quantity=10) for _ in range(4))
    for lot, day in (
        (counted, this.start),
        (shipped, this.start),
        (clean, this.start),
        (earlier, last.start),
    ):
        ProductionLot.objects.filter(pk=lot.pk).update(released_at=at(day), status="released")
    ProductionLot.objects.filter(pk=shipped.pk).update(status="shipped")  # released this month all the same
    for lot in (counted, shipped, earlier):
        ReleaseDeviation.objects.create(
            lot=lot,
            check_key="sample",
            finding="short",
            reason="signed",
            accepted_by=f.qm(),
            accepted_at=at(this.start),
        )
    measure = kpis.get("inspection.released_with_deviations")
    assert measure.value(this) == 2
    client = client_for(quality_manager)
    page = _listed(client, measure.url(this, subject=counted.department))
    assert counted.reference in page and shipped.reference in page
    assert clean.reference not in page and earlier.reference not in page
    _listed(client, reverse("inspection:productionlot_list") + "?released_from=garbage&deviations=no")
