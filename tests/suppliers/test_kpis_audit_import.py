"""What management review, the auditor and a shop moving in get: the KPIs, the 8.4 section of the
audit pack, the scorecard and ranking (with the inspection module's receipt measures when they are
registered), the due items, and the import of an existing supplier list and its certificates."""

import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from qms import auditpack, kpis
from qms.due import registry
from suppliers import services
from suppliers.models import Scar, Supplier, SupplierCertificate, SupplierChange
from suppliers.selectors import RECEIPT_MEASURES
from tests.suppliers import factories as f

pytestmark = pytest.mark.django_db


def month():
    return kpis.Period.month(f.today())


def test_the_kpis_are_registered_for_management_review():
    for key in ("expired_certificates", "overdue_evaluations", "scars_late", "changes_open"):
        measure = kpis.get(f"suppliers.{key}")
        assert measure is not None and measure.clause == "8.4" and measure.subject == "supplier"
    assert kpis.input_of(kpis.get("suppliers.changes_open")) == kpis.input_of(
        kpis.get("suppliers.scars_late")
    )


def test_the_kpis_count_what_the_lists_show(proc, purchasing_head):
    good = f.approved(proc, owner=purchasing_head)
    lapsed = f.approved(proc, owner=purchasing_head)
    SupplierCertificate.objects.filter(supplier=lapsed).update(expires_on=f.days(-3))
    Supplier.objects.filter(pk=good.pk).update(due_date=f.days(-1))
    services.change_create(
        by=purchasing_head,
        supplier=good,
        kind="site",
        source="notified",
        description="New plant",
        received_on=f.days(-2),
        owner=purchasing_head,
        department=proc,
    )
    assert kpis.get("suppliers.expired_certificates").value(month()) == 1
    assert kpis.get("suppliers.expired_certificates").value(month(), subject=good) == 0
    assert kpis.get("suppliers.overdue_evaluations").value(month()) == 1
    assert kpis.get("suppliers.changes_open").value(month(), subject=good.pk) == 1
    assert kpis.get("suppliers.changes_open").value(kpis.Period.month(f.days(-40))) == 0


def test_late_scars_open_the_scars_late_in_the_month_and_of_the_supplier(
    client_for, proc, purchasing_head, quality_manager
):
    this = month()
    last = kpis.Period.month(this.start - dt.timedelta(days=1))
    supplier, other = (f.approved(proc, owner=purchasing_head) for _ in range(2))

    def scar(of=supplier, **fields):
        found = services.scar_create(
            by=purchasing_head,
            supplier=of,
            send_to="quality@example.com",
            problem="Rust on the bars.",
            owner=purchasing_head,
            department=proc,
        )
        Scar.objects.filter(pk=found.pk).update(status="answered", **fields)
        return found

    late = scar(due_date=this.start, answered_on=f.today(), answered_late=True)
    on_time = scar(due_date=this.start, answered_on=this.start, answered_late=False)
    elsewhere = scar(of=other, due_date=this.start, answered_on=f.today(), answered_late=True)
    # Due last month and answered late in it, or due on its last day and answered late only this
    # month: both last month's, the month they were due (the second was once counted in no month).
    last_late = scar(due_date=last.start, answered_on=last.end, answered_late=True)
    late_after = scar(due_date=last.end, answered_on=f.today(), answered_late=True)
    # Due last month, sent and never answered: late; cancelled unanswered: not.
    unanswered = scar(due_date=last.start)
    Scar.objects.filter(pk=unanswered.pk).update(status="sent", answered_on=None)
    cancelled = scar(due_date=last.start)
    Scar.objects.filter(pk=cancelled.pk).update(status="cancelled", answered_on=None)
    measure = kpis.get("suppliers.scars_late")
    assert measure.value(this, subject=supplier) == 1 and measure.value(last, subject=supplier) == 3
    client = client_for(quality_manager)
    page = client.get(measure.url(this, subject=supplier)).content.decode()
    assert late.reference in page
    for other_scar in (on_time, elsewhere, last_late, late_after, unanswered, cancelled):
        assert other_scar.reference not in page, other_scar.reference
    assert elsewhere.reference in client.get(measure.url(this)).content.decode()
    page = client.get(measure.url(last, subject=supplier)).content.decode()
    for counted in (last_late, late_after, unanswered):
        assert counted.reference in page, counted.reference
    assert late.reference not in page and cancelled.reference not in page
    response = client.get(reverse("suppliers:scar_list") + "?late_on=garbage&due_from=2026-13-40")
    assert response.status_code == 200 and late.reference not in response.content.decode()


def test_open_supplier_changes_of_a_supplier_open_that_suppliers_changes(
    client_for, proc, purchasing_head, quality_manager
):
    supplier, other = (f.approved(proc, owner=purchasing_head) for _ in range(2))
    ours, theirs = (
        services.change_create(
            by=purchasing_head,
            supplier=s,
            kind="site",
            source="notified",
            description="New plant",
            received_on=f.days(-2),
            owner=purchasing_head,
            department=proc,
        )
        for s in (supplier, other)
    )
    measure = kpis.get("suppliers.changes_open")
    assert measure.value(month(), subject=supplier) == 1
    page = client_for(quality_manager).get(measure.url(month(), subject=supplier)).content.decode()
    assert ours.reference in page and theirs.reference not in page


def test_a_past_months_open_supplier_changes_are_those_open_on_its_last_day(
    client_for, proc, purchasing_head, quality_manager
):
    """A change open at the end of last month and decided since is last month's, not this
    month's; one received this month is this month's only."""
    this = month()
    last = kpis.Period.month(this.start - dt.timedelta(days=1))
    supplier = f.approved(proc, owner=purchasing_head)
    decided, new = (
        services.change_create(
            by=purchasing_head,
            supplier=supplier,
            kind="site",
            source="notified",
            description="New plant",
            received_on=day,
            owner=purchasing_head,
            department=proc,
        )
        for day in (last.start, this.start)
    )
    SupplierChange.objects.filter(pk=decided.pk).update(status="approved", decided_on=this.start)
    measure = kpis.get("suppliers.changes_open")
    client = client_for(quality_manager)
    for period, counted, other in ((last, decided, new), (this, new, decided)):
        assert measure.value(period) == 1
        page = client.get(measure.url(period)).content.decode()
        assert counted.reference in page and other.reference not in page


def test_a_certificate_is_due_for_renewal_sixty_days_before_it_expires(proc, purchasing_head):
    s = f.approved(proc, owner=purchasing_head)
    SupplierCertificate.objects.filter(supplier=s).update(expires_on=f.days(50))
    items = [i for i in registry.for_user(purchasing_head) if i.kind == "Certificate to renew"]
    assert len(items) == 1 and items[0].due_date == f.days(-10) and items[0].url == s.get_absolute_url()
    SupplierCertificate.objects.filter(supplier=s).update(expires_on=f.days(100))
    assert not [
        i for i in registry.for_user(purchasing_head, days_ahead=30) if i.kind == "Certificate to renew"
    ]


def test_a_certificate_a_later_one_outlasts_is_not_to_renew(proc, purchasing_head):
    """An expired certificate entered after the current one (from the file) was "64 days overdue"
    for renewal although the current one runs for years."""
    s = f.approved(proc, owner=purchasing_head)
    SupplierCertificate.objects.filter(supplier=s).update(expires_on=f.days(700))
    old = f.certificate(s, issued=-1200, expires=-4)
    renew = [i for i in registry.for_user(purchasing_head) if i.kind == "Certificate to renew"]
    assert renew == []
    SupplierCertificate.objects.filter(supplier=s).exclude(pk=old.pk).update(status="withdrawn")
    assert [i.kind for i in registry.for_user(purchasing_head) if i.kind == "Certificate to renew"] == [
        "Certificate to renew"
    ]


def test_the_audit_pack_has_an_8_4_section(proc, purchasing_head, quality_manager):
    s = f.approved(proc, owner=purchasing_head, name="Präzisa Kalibrierdienst GmbH", calibration_lab=True)
    services.evaluation_record(
        supplier=s,
        by=purchasing_head,
        evaluated_on=f.today(),
        evaluator=purchasing_head,
        criteria=[("Quality", 100, 5)],
    )
    section = next(x for x in auditpack.sections() if x.key == "suppliers")
    assert section.clause == "8.4"
    context = section.build(user=quality_manager, date_from=f.days(-90), date_to=f.today())
    assert [r["status"] for r in context["asl"]] == ["Approved"] and len(context["evaluations"]) == 1
    pdf, _ = auditpack.pack_build(
        user=quality_manager, keys=["suppliers"], date_from=f.days(-90), date_to=f.today()
    )
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Approved supplier list" in text and "Präzisa Kalibrierdienst GmbH" in text and "17025" in text


def test_the_pack_states_a_certificate_past_its_date_expired_as_the_register_does(
    client_for, proc, purchasing_head, quality_manager
):
    """A certificate whose expiry date has passed is still "current" in its workflow (nobody
    withdrew it): the register and its CSV say "Expired" by its date, and so must the pack."""
    s = f.approved(proc, owner=purchasing_head, name="Galvanik Schmitt")
    lapsed = f.certificate(s, expires=-10)
    assert lapsed.status == "current"
    register = client_for(quality_manager).get(reverse("suppliers:certificate_register"))
    row = next(r for r in register.content.decode().split("<tr") if lapsed.number in r)
    assert "Expired" in row
    section = next(x for x in auditpack.sections() if x.key == "suppliers")

    def pack_row(date_to: dt.date) -> str:
        context = section.build(user=quality_manager, date_from=f.days(-90), date_to=date_to)
        html = render_to_string(section.template, context)
        return next(r for r in html.split("<tr") if lapsed.number in r)

    assert "Expired" in pack_row(f.today()) and "Current" not in pack_row(f.today())
    # A pack ending before the expiry date states it as it stood then: current.
    Supplier.objects.filter(pk=s.pk).update(created_at=timezone.now() - dt.timedelta(days=120))
    assert "Current" in pack_row(f.days(-11)) and "Expired" not in pack_row(f.days(-11))
    pdf, _ = auditpack.pack_build(
        user=quality_manager, keys=["suppliers"], date_from=f.days(-90), date_to=f.today()
    )
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Expired" in text


@pytest.fixture
def no_receipt_measures():
    """As without the inspection module: its per-supplier measures not registered."""
    taken = {key: kpis._measures.pop(key) for key in RECEIPT_MEASURES.values() if key in kpis._measures}
    yield
    kpis._measures.update(taken)


def test_the_scorecard_says_where_receipt_figures_come_from_until_they_are_registered(
    client_for, other_staff, proc, purchasing_head, no_receipt_measures
):
    s = f.approved(proc, owner=purchasing_head)
    page = client_for(other_staff).get(reverse("suppliers:scorecard", args=[s.pk])).content.decode()
    assert 'data-testid="no-receipts"' in page and "come from goods receipts" in page


def test_the_scorecard_names_only_the_ncrs_its_reader_may_open(
    client_for, quality_manager, other_staff, head, proc, purchasing_head
):
    """Its NCR figure counts every NCR naming the supplier and opens the list below; the list
    names those the reader may open and says how many others there are (another department's
    NCR titles are not read by way of a supplier's page)."""
    from qms.services import link_add
    from tests.capa.factories import NonconformityFactory

    s = f.approved(proc, owner=purchasing_head)
    ncr = NonconformityFactory(owner=head, title="Cracked bar from the mill")
    link_add(source=ncr, target=s, by=quality_manager, note="Supplier's material")
    url = reverse("suppliers:scorecard", args=[s.pk])
    page = client_for(other_staff).get(url).content.decode()
    assert '<a href="#ncrs">1</a>' in page
    assert ncr.reference not in page and "Cracked bar" not in page
    assert "1 more outside your view" in page
    page = client_for(quality_manager).get(url).content.decode()
    assert ncr.reference in page and "outside your view" not in page


@pytest.fixture
def receipt_measures():
    """The inspection module's per-supplier measures, as it will register them."""
    made = [
        kpis.Measure(
            "inspection.supplier_ppm",
            "Quality (ppm)",
            "ppm",
            lambda p, subject=None: 1200.0,
            better="lower",
            subject="supplier",
        ),
        kpis.Measure(
            "inspection.supplier_lots_rejected",
            "Lots rejected",
            "count",
            lambda p, subject=None: 4.0,
            better="lower",
            subject="supplier",
        ),
        kpis.Measure(
            "inspection.supplier_on_time",
            "Delivered on time",
            "%",
            lambda p, subject=None: 92.5,
            subject="supplier",
        ),
    ]
    before = {m.key: kpis._measures.get(m.key) for m in made}
    for m in made:
        kpis.register(m)
    yield made
    for key, measure in before.items():
        if measure is None:
            kpis._measures.pop(key, None)
        else:
            kpis._measures[key] = measure  # the inspection module's own, back


def test_the_scorecard_and_ranking_read_the_inspection_modules_measures(
    client_for, quality_manager, proc, purchasing_head, receipt_measures
):
    s = f.approved(proc, owner=purchasing_head)
    client = client_for(quality_manager)
    page = client.get(reverse("suppliers:scorecard", args=[s.pk])).content.decode()
    assert 'data-testid="receipts"' in page and "1200.0" in page and "92.5 %" in page
    # One unit a chart, each under its title: the share in %, the lots rejected as counts, the ppm.
    for testid, title in (
        ("on-time-chart", "Delivered on time (%)"),
        ("rejected-chart", "Lots rejected per month"),
    ):
        assert (
            f'<h2 class="h6">{title}</h2><div class="mb-3" data-testid="{testid}"><div class="chart-scroll"'
            in page
        )
    on_time = page[page.index('data-testid="on-time-chart"') :].split("</svg>")[0]
    assert "Lots rejected" not in on_time
    ranking = client.get(reverse("suppliers:ranking")).content.decode()
    assert "<th>ppm</th>" in ranking and "1200.0" in ranking


def test_the_ranking_puts_the_better_evaluated_supplier_first(
    client_for, quality_manager, proc, purchasing_head
):
    weak, strong = (
        f.approved(proc, owner=purchasing_head, name="Weak AG"),
        f.approved(proc, owner=purchasing_head, name="Strong AG"),
    )
    for s, score in ((weak, 2), (strong, 5)):
        services.evaluation_record(
            supplier=s,
            by=purchasing_head,
            evaluated_on=f.today(),
            evaluator=purchasing_head,
            criteria=[("Q", 100, score)],
        )
    page = client_for(quality_manager).get(reverse("suppliers:ranking")).content.decode()
    assert page.index("Strong AG") < page.index("Weak AG")


SUPPLIERS = "/import/suppliers.suppliers/"
CERTIFICATES = "/import/suppliers.certificates/"


def upload(text: str, name: str = "list.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"))


def payload_of(response) -> str:
    return re.search(r'name="payload" value="([^"]+)"', response.content.decode()).group(1)


def test_a_supplier_list_and_its_certificates_are_imported_once(
    client_for, quality_manager, proc, purchasing_head
):
    sheet = (
        "Name,VAT number,Tier,Calibration lab,Supplies,Kept by,Department\n"
        "Hüttenstahl Brenner GmbH,DE811234567,Critical,no,Bar stock,mweber,PROC\n"
        "Präzisa Kalibrierdienst GmbH,DE304455667,Major,yes,Calibration,mweber,PROC\n"
    )
    client = client_for(quality_manager)
    preview = client.post(SUPPLIERS, {"file": upload(sheet)})
    assert "2 new, 0 changed, 0 unchanged" in preview.content.decode() and not Supplier.objects.exists()
    assert client.post(SUPPLIERS, {"payload": payload_of(preview)}).status_code == 302
    assert Supplier.objects.get(name="Präzisa Kalibrierdienst GmbH").calibration_lab
    again = client.post(SUPPLIERS, {"file": upload(sheet)})
    assert "0 new, 0 changed, 2 unchanged" in again.content.decode()

    certificates = (
        "Supplier,Certificate,Number,Issued by,Issued,Expires\n"
        "Präzisa Kalibrierdienst GmbH,ISO/IEC 17025 accreditation,D-K-15092-01-00,DAkkS,"
        "2025-01-10,2030-01-09\n"
        "Unknown GmbH,ISO 9001,1,TÜV,2025-01-10,2028-01-09\n"
        "Hüttenstahl Brenner GmbH,ISO 9001,Q-1,TÜV,2025-01-10,2024-01-09\n"
    )
    preview = client.post(CERTIFICATES, {"file": upload(certificates)}).content.decode()
    assert (
        "No supplier “Unknown GmbH”" in preview
        and "The expiry date must come after the issue date." in preview
    )
    assert not SupplierCertificate.objects.exists()


def test_an_import_row_saying_neither_yes_nor_no_is_refused_on_its_row(client_for, quality_manager, proc):
    """A calibration laboratory "maybe" was imported as no without a word."""
    sheet = (
        "Name,Calibration lab,Kept by,Department\n"
        "Maybe Lab GmbH,maybe,mweber,PROC\n"
        "Ja Lab GmbH,Ja,mweber,PROC\n"
    )
    preview = client_for(quality_manager).post(SUPPLIERS, {"file": upload(sheet)}).content.decode()
    assert "Write yes or no (or leave it empty for no), not “maybe”." in preview
    assert "Ja Lab GmbH" in preview and not Supplier.objects.exists()


def test_an_import_row_with_another_suppliers_vat_number_names_it(
    client_for, quality_manager, proc, purchasing_head
):
    existing = f.supplier(proc, name="Alu-Profile Nord GmbH", vat_number="DE556677889")
    sheet = "Name,VAT number,Kept by,Department\nNew GmbH,DE556677889,mweber,PROC\n"
    preview = client_for(quality_manager).post(SUPPLIERS, {"file": upload(sheet)}).content.decode()
    assert f"{existing.reference} Alu-Profile Nord GmbH has this VAT number already." in preview
    assert not SupplierChange.objects.exists() and Supplier.objects.count() == 1


def test_a_conditional_approval_running_out_is_due(proc, purchasing_head, quality_manager, password):
    s = f.supplier(proc, owner=purchasing_head)
    services.supplier_approve_conditionally(
        supplier=s, by=quality_manager, password=password, conditions="100% inspection", until=f.days(10)
    )
    items = [i for i in registry.for_user(purchasing_head) if i.kind == "Conditional approval expires"]
    assert len(items) == 1 and items[0].due_date == f.days(10)


def test_a_supplier_audit_falls_due_at_its_tiers_interval_from_the_last_one(
    client_for, proc, purchasing_head
):
    """Major suppliers are audited every 36 months (the seeded tier policy); minor ones never."""
    audited = f.approved(proc, owner=purchasing_head, name="Härterei Blau", tier="major")
    Supplier.objects.filter(pk=audited.pk).update(last_audit_on=f.days(-3 * 365 - 10))
    never = f.approved(proc, owner=purchasing_head, name="Schrauben Klein", tier="minor")
    Supplier.objects.filter(pk=never.pk).update(last_audit_on=f.days(-4000))
    fresh = f.approved(proc, owner=purchasing_head, name="Galvanik Neu", tier="major")

    due = registry.items(until=f.days(365 * 4), owner_ids=[purchasing_head.pk])
    audits = {i.title: i for i in due if i.kind == "Supplier audit"}
    assert set(audits) == {"Härterei Blau", "Galvanik Neu"}
    assert audits["Härterei Blau"].due_date < f.today()  # overdue: on My work and escalated
    # Never audited: the first audit is due 36 months after the approval.
    first = timezone.localdate(fresh.approved_at)
    assert audits["Galvanik Neu"].due_date == first.replace(year=first.year + 3)

    page = client_for(purchasing_head).get("/due/?state=overdue").content.decode()
    assert "Härterei Blau" in page and "Supplier audit" in page

    Supplier.objects.filter(pk=audited.pk).update(last_audit_on=f.today())
    assert not [i for i in registry.for_user(purchasing_head) if i.kind == "Supplier audit"]


def test_the_certificate_and_evaluation_figures_open_the_suppliers_they_counted(
    client_for, proc, purchasing_head, quality_manager
):
    """ "Suppliers with an expired required certificate" and "Overdue supplier evaluations" open
    the supplier list as of the period's last day, listing exactly the suppliers counted: in use
    (a prospective supplier past its date is not), lacking a required certificate (not merely
    holding an expired one beside a valid one), and for one supplier only that supplier."""
    this = month()
    good, lapsed, overdue = (f.approved(proc, owner=purchasing_head) for _ in range(3))
    SupplierCertificate.objects.filter(supplier=lapsed).update(expires_on=f.days(-3))
    first = SupplierCertificate.objects.filter(supplier=good).get()
    f.certificate(good)  # a second, valid one: the first one's lapse leaves nothing lacking
    SupplierCertificate.objects.filter(pk=first.pk).update(expires_on=f.days(-3))
    prospect = f.supplier(proc, owner=purchasing_head)
    Supplier.objects.filter(pk__in=(overdue.pk, prospect.pk)).update(due_date=f.days(-1))
    client = client_for(quality_manager)

    def listed(url):
        page = client.get(url).content.decode()
        return {s for s in (good, lapsed, overdue, prospect) if f">{s.name}<" in page}

    certificates = kpis.get("suppliers.expired_certificates")
    assert certificates.value(this) == 1 and listed(certificates.url(this)) == {lapsed}
    assert certificates.value(this, subject=good) == 0
    assert listed(certificates.url(this, subject=good)) == set()
    assert listed(certificates.url(this, subject=lapsed)) == {lapsed}
    evaluations = kpis.get("suppliers.overdue_evaluations")
    assert evaluations.value(this) == 1 and listed(evaluations.url(this)) == {overdue}
    assert listed(evaluations.url(this, subject=good)) == set()
    wrong = client.get(reverse("suppliers:supplier_list") + "?lacking_on=someday&supplier=x")
    page = wrong.content.decode()
    assert (
        wrong.status_code == 200 and "Enter a real date as YYYY-MM-DD" in page and "Enter a number." in page
    )
