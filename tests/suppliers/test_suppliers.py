"""The approved supplier list: proposed by procurement, approved, approved with conditions or
disqualified by the quality manager with a signature; certificates and what the tier requires;
evaluations; bad input refused beside its field with nothing changed."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qms.models import Signature
from qms.services import signature_rows
from suppliers import services
from suppliers.models import Evaluation, Supplier, SupplierCertificate, SupplierContact
from tests.suppliers import factories as f
from tests.uploads import pdf_bytes

pytestmark = pytest.mark.django_db


def supplier_form(**fields):
    data = {"name": "Hüttenstahl Brenner GmbH", "tier": "critical", "owner": "", "department": ""}
    data.update(fields)
    return data


def test_procurement_proposes_a_supplier_prospective_until_approved(client_for, purchasing_head, proc):
    client = client_for(purchasing_head)
    response = client.post(
        reverse("suppliers:supplier_create"),
        supplier_form(owner=purchasing_head.pk, department=proc.pk, vat_number="de 811 234 567"),
    )
    supplier = Supplier.objects.get()
    assert response.status_code == 302 and supplier.status == "prospective"
    assert supplier.title == supplier.name and supplier.vat_number == "DE811234567"
    assert supplier.reference.startswith("SUP-")


def test_staff_outside_procurement_cannot_propose_a_supplier(client_for, staff):
    assert client_for(staff).get(reverse("suppliers:supplier_create")).status_code == 403


def test_a_duplicate_name_or_vat_number_is_refused_naming_the_existing_supplier(
    client_for, purchasing_head, proc
):
    existing = f.supplier(proc, name="Hüttenstahl Brenner GmbH", vat_number="DE811234567")
    client = client_for(purchasing_head)
    response = client.post(
        reverse("suppliers:supplier_create"),
        supplier_form(name="hüttenstahl  brenner gmbh", owner=purchasing_head.pk, department=proc.pk),
    )
    assert (
        f"{existing.reference} Hüttenstahl Brenner GmbH has this name already." in response.content.decode()
    )
    response = client.post(
        reverse("suppliers:supplier_create"),
        supplier_form(
            name="Other GmbH", vat_number="DE 811234567", owner=purchasing_head.pk, department=proc.pk
        ),
    )
    assert "has this VAT number already" in response.content.decode()
    assert Supplier.objects.count() == 1


def test_approving_without_a_required_certificate_is_refused_and_says_which(
    client_for, quality_manager, proc, password
):
    supplier = f.supplier(proc, tier="critical", calibration_lab=True)
    f.certificate(supplier, "iso9001")
    response = client_for(quality_manager).post(
        reverse("suppliers:supplier_approve", args=[supplier.pk]), {"password": password}
    )
    assert response.status_code == 400
    assert "required certificate missing or expired: ISO/IEC 17025 accreditation" in response.content.decode()
    supplier.refresh_from_db()
    assert supplier.status == "prospective" and not Signature.objects.exists()


def test_the_quality_manager_approves_with_a_signature_and_the_next_evaluation_is_planned(
    client_for, quality_manager, proc, password
):
    supplier = f.supplier(proc, tier="critical")
    f.certificate(supplier)
    response = client_for(quality_manager).post(
        reverse("suppliers:supplier_approve", args=[supplier.pk]),
        {"password": password, "reason": "Audit passed"},
    )
    assert response.status_code == 302
    supplier.refresh_from_db()
    assert supplier.status == "approved" and supplier.approved_by == quality_manager
    assert supplier.due_date == f.today().replace(year=f.today().year + 1) or supplier.due_date > f.days(360)
    ((signature, valid),) = signature_rows(supplier)
    assert valid and signature.meaning == "Approved supplier"


def test_a_wrong_password_signs_nothing(client_for, quality_manager, proc):
    supplier = f.supplier(proc)
    f.certificate(supplier)
    response = client_for(quality_manager).post(
        reverse("suppliers:supplier_approve", args=[supplier.pk]), {"password": "wrong"}
    )
    assert response.status_code == 400 and "password is not correct" in response.content.decode()
    supplier.refresh_from_db()
    assert supplier.status == "prospective"


def test_the_purchasing_head_cannot_approve_a_supplier(client_for, purchasing_head, proc, password):
    supplier = f.supplier(proc, owner=purchasing_head)
    f.certificate(supplier)
    response = client_for(purchasing_head).post(
        reverse("suppliers:supplier_approve", args=[supplier.pk]), {"password": password}
    )
    assert response.status_code == 403
    # Nor can the generic workflow button skip the signature.
    client_for(purchasing_head).post(
        reverse("suppliers:supplier_transition", args=[supplier.pk]), {"transition": "approve"}
    )
    supplier.refresh_from_db()
    assert supplier.status == "prospective"


def test_the_quality_managers_button_without_the_form_does_not_approve(client_for, quality_manager, proc):
    supplier = f.supplier(proc)
    f.certificate(supplier)
    client_for(quality_manager).post(
        reverse("suppliers:supplier_transition", args=[supplier.pk]), {"transition": "approve"}
    )
    supplier.refresh_from_db()
    assert supplier.status == "prospective"


def test_conditional_approval_and_disqualification(client_for, quality_manager, proc, password):
    supplier = f.supplier(proc)
    client = client_for(quality_manager)
    url = reverse("suppliers:supplier_approve_conditionally", args=[supplier.pk])
    response = client.post(url, {"password": password, "conditions": "", "until": f.days(90)})
    assert response.status_code == 400
    response = client.post(
        url, {"password": password, "conditions": "100% incoming inspection", "until": f.days(90)}
    )
    assert response.status_code == 302
    supplier.refresh_from_db()
    assert supplier.status == "conditional" and supplier.conditional_until == f.days(90)
    assert signature_rows(supplier)[0][1]  # the signature covers the conditions and is valid
    response = client.post(
        reverse("suppliers:supplier_disqualify", args=[supplier.pk]),
        {"password": password, "reason": "Fraud"},
    )
    supplier.refresh_from_db()
    assert response.status_code == 302 and supplier.status == "disqualified"


def test_the_supplier_page_says_what_its_tier_requires_and_what_is_missing(client_for, quality_manager, proc):
    supplier = f.supplier(proc, tier="critical", calibration_lab=True)
    f.certificate(supplier, "iso9001")
    with CaptureQueriesContext(connection) as ctx:
        page = client_for(quality_manager).get(supplier.get_absolute_url()).content.decode()
    assert "ISO/IEC 17025 accreditation" in page
    # The tier's policy is read once for what it requires and for what is missing.
    assert len([q for q in ctx.captured_queries if 'FROM "suppliers_tierpolicy"' in q["sql"]]) == 1


def test_the_supplier_page_says_when_there_is_no_contact_and_shows_a_country_without_an_address(
    client_for, quality_manager, proc
):
    def field(page: str, label: str) -> str:
        found = re.search(rf'<dt class="col-5">{label}</dt><dd class="col-7"[^>]*>(.*?)</dd>', page, re.S)
        return found.group(1).strip()

    client = client_for(quality_manager)
    bare = f.supplier(proc, country="Germany")
    page = client.get(bare.get_absolute_url()).content.decode()
    assert field(page, "Contact") == "—"
    assert field(page, "Address") == "Germany"
    # A contact person named but no company address or phone: the line points at them.
    from qms.services import child_add
    from suppliers.models import SupplierContact

    child_add(
        model=SupplierContact, by=quality_manager, supplier=bare, name="Jan Schmitt", email="js@x.example"
    )
    page = client.get(bare.get_absolute_url()).content.decode()
    assert field(page, "Contact") == '<a href="#contacts">1 contact below</a>'

    reached = f.supplier(proc, email="quality@alu.example", address="Hafenstraße 4\n20457 Hamburg")
    page = client.get(reached.get_absolute_url()).content.decode()
    assert 'href="mailto:quality@alu.example"' in field(page, "Contact")
    assert field(page, "Address") == "Hafenstraße 4<br>20457 Hamburg"


def test_an_expired_required_certificate_makes_the_supplier_conditional_and_says_why(proc):
    supplier = f.approved(proc)
    SupplierCertificate.objects.filter(supplier=supplier).update(expires_on=f.days(-1))
    (changed,) = services.certificates_expire()
    supplier.refresh_from_db()
    assert changed == supplier and supplier.status == "conditional"
    assert "ISO 9001" in supplier.conditions
    latest = supplier.history.first()
    assert latest.history_user.is_system and "expired" in latest.history_change_reason
    assert services.certificates_expire() == []  # safe to run twice


def test_a_valid_certificate_on_file_again_lifts_the_condition_the_expiry_set(
    client_for, proc, quality_manager
):
    """ "Conditionally approved until a valid one is on file": once it is, the supplier is approved
    again, by the system and saying why, and its page no longer calls the expired one current.
    A condition the quality manager set by hand is not lifted by a certificate."""
    supplier = f.approved(proc)
    old = SupplierCertificate.objects.get(supplier=supplier)
    SupplierCertificate.objects.filter(pk=old.pk).update(expires_on=f.days(-1))
    services.certificates_expire()
    page = client_for(quality_manager).get(supplier.get_absolute_url()).content.decode()
    status = page[page.index('data-testid="certificate-status"') :].split("</td>")[0]
    assert "Expired" in status and "Current" not in status
    services.certificate_add(
        by=quality_manager,
        supplier=supplier,
        kind=old.kind,
        number="QM-002-2026",
        issued_on=f.days(-2),
        expires_on=f.days(1000),
    )
    supplier.refresh_from_db()
    assert supplier.status == "approved" and supplier.conditions == ""
    latest = supplier.history.first()
    assert latest.history_user.is_system and "valid again" in latest.history_change_reason
    by_hand = f.approved(proc)
    Supplier.objects.filter(pk=by_hand.pk).update(
        status="conditional", conditions="Second source to be qualified"
    )
    services.certificate_add(
        by=quality_manager, supplier=by_hand, kind="iso14001", issued_on=f.days(-2), expires_on=f.days(900)
    )
    by_hand.refresh_from_db()
    assert by_hand.status == "conditional"


def test_the_certificate_register_says_expired_when_the_date_has_passed(client_for, quality_manager, proc):
    supplier = f.supplier(proc, name="Galvanik Schmitt")
    lapsed = f.certificate(supplier, issued=-1100, expires=-10)
    valid = f.certificate(supplier, kind="iso14001")
    page = client_for(quality_manager).get(reverse("suppliers:certificate_register")).content.decode()
    rows = {number: page[page.index(number) :].split("</tr>")[0] for number in (lapsed.number, valid.number)}
    assert ">Expired</td>" in rows[lapsed.number] and ">Current</td>" in rows[valid.number]
    csv = client_for(quality_manager).get(reverse("suppliers:certificate_register") + "?format=csv")
    text = b"".join(csv.streaming_content).decode() if csv.streaming else csv.content.decode()
    assert "Expired" in [line for line in text.splitlines() if lapsed.number in line][0]


def test_a_certificate_expiring_before_it_was_issued_is_refused_beside_the_field(
    client_for, purchasing_head, proc
):
    supplier = f.supplier(proc, owner=purchasing_head)
    response = client_for(purchasing_head).post(
        reverse("suppliers:certificate_add", args=[supplier.pk]),
        {
            "certificate-kind": "iso9001",
            "certificate-issued_on": f.days(-10),
            "certificate-expires_on": f.days(-20),
        },
    )
    assert response.status_code == 400
    assert (
        'data-field="expires_on">The expiry date must come after the issue date.' in response.content.decode()
    )
    assert not SupplierCertificate.objects.exists()


def test_a_certificate_with_its_scan_replaces_the_one_it_renews(client_for, purchasing_head, proc):
    supplier = f.supplier(proc, owner=purchasing_head)
    old = f.certificate(supplier, expires=20)
    response = client_for(purchasing_head).post(
        reverse("suppliers:certificate_add", args=[supplier.pk]),
        {
            "certificate-kind": "iso9001",
            "certificate-number": "QM-2",
            "certificate-issued_on": f.days(-1),
            "certificate-expires_on": f.days(1000),
            "certificate-file": SimpleUploadedFile("iso.pdf", pdf_bytes()),
        },
    )
    assert response.status_code == 302
    new = SupplierCertificate.objects.get(number="QM-2")
    old.refresh_from_db()
    assert new.file and new.sha256 and old.status == "withdrawn"
    assert client_for(purchasing_head).get(new.get_download_url()).status_code == 200


def test_an_email_that_is_not_one_is_refused(client_for, purchasing_head, proc):
    supplier = f.supplier(proc, owner=purchasing_head)
    response = client_for(purchasing_head).post(
        reverse("suppliers:contact_add", args=[supplier.pk]),
        {"contact-name": "Eva", "contact-email": "eva at home"},
    )
    assert response.status_code == 400 and "Enter a valid email address." in response.content.decode()
    assert not SupplierContact.objects.exists()


def evaluation(**rows):
    data = {"evaluation-evaluated_on": f.today(), "evaluation-note": ""}
    for i in range(1, 7):
        data[f"evaluation-criterion_{i}"] = ""
        data[f"evaluation-weight_{i}"] = ""
        data[f"evaluation-score_{i}"] = ""
    data.update({f"evaluation-{k}": v for k, v in rows.items()})
    return data


def test_an_evaluation_weighs_the_scores_and_plans_the_next(client_for, purchasing_head, proc):
    supplier = f.approved(proc, owner=purchasing_head, tier="minor")
    data = evaluation(
        evaluator=purchasing_head.pk,
        criterion_1="Quality",
        weight_1=60,
        score_1=4,
        criterion_2="Delivery",
        weight_2=40,
        score_2=2,
    )
    response = client_for(purchasing_head).post(reverse("suppliers:evaluation_add", args=[supplier.pk]), data)
    assert response.status_code == 302
    found = Evaluation.objects.get()
    assert str(found.score) == "3.20" and found.result == "conditional"
    assert list(found.scores.values_list("criterion", "weight", "score")) == [
        ("Quality", 60, 4),
        ("Delivery", 40, 2),
    ]
    supplier.refresh_from_db()
    assert supplier.due_date == f.today().replace(year=f.today().year + 2) or supplier.due_date > f.days(700)


def test_weights_that_do_not_add_up_and_scores_off_the_scale_are_refused(client_for, purchasing_head, proc):
    supplier = f.approved(proc, owner=purchasing_head)
    url = reverse("suppliers:evaluation_add", args=[supplier.pk])
    client = client_for(purchasing_head)
    response = client.post(
        url,
        evaluation(
            evaluator=purchasing_head.pk,
            criterion_1="Quality",
            weight_1=60,
            score_1=4,
            criterion_2="Delivery",
            weight_2=30,
            score_2=3,
        ),
    )
    assert (
        response.status_code == 400 and "The weights add up to 90 %, not 100 %." in response.content.decode()
    )
    response = client.post(
        url, evaluation(evaluator=purchasing_head.pk, criterion_1="Quality", weight_1=100, score_1=7)
    )
    assert (
        response.status_code == 400
        and 'data-field="score_1">A score is between 1 and 5.' in response.content.decode()
    )
    assert not Evaluation.objects.exists()


def test_other_heads_read_the_list_but_do_not_change_it(client_for, other_head, proc, purchasing_head):
    supplier = f.approved(proc, owner=purchasing_head)
    client = client_for(other_head)
    assert client.get(supplier.get_absolute_url()).status_code == 200
    assert client.get(reverse("suppliers:supplier_update", args=[supplier.pk])).status_code in (403, 404)


def test_the_auditor_reads_everything_and_changes_nothing(client_for, auditor, proc, purchasing_head):
    supplier = f.approved(proc, owner=purchasing_head)
    client = client_for(auditor)
    page = client.get(supplier.get_absolute_url())
    assert page.status_code == 200 and 'data-testid="contact-form"' not in page.content.decode()
    assert (
        client.post(reverse("suppliers:contact_add", args=[supplier.pk]), {"contact-name": "X"}).status_code
        == 403
    )


@pytest.mark.parametrize("issued, expires", [("0001-01-01", None), (None, "9999-12-31")])
def test_a_certificate_year_out_of_this_world_is_refused_beside_the_field(
    client_for, purchasing_head, proc, issued, expires
):
    supplier = f.supplier(proc, owner=purchasing_head)
    response = client_for(purchasing_head).post(
        reverse("suppliers:certificate_add", args=[supplier.pk]),
        {
            "certificate-kind": "iso9001",
            "certificate-issued_on": issued or f.days(-10),
            "certificate-expires_on": expires or f.days(900),
        },
    )
    assert response.status_code == 400
    field = "issued_on" if issued else "expires_on"
    assert f'data-field="{field}">Check the year:' in response.content.decode()
    assert not SupplierCertificate.objects.exists()


def test_a_conditional_approval_until_the_year_9999_is_refused(client_for, quality_manager, proc, password):
    supplier = f.supplier(proc)
    response = client_for(quality_manager).post(
        reverse("suppliers:supplier_approve_conditionally", args=[supplier.pk]),
        {"password": password, "conditions": "100% incoming inspection", "until": "9999-12-31"},
    )
    assert response.status_code == 400
    assert "Check the year" in response.content.decode()
    supplier.refresh_from_db()
    assert supplier.status == "prospective" and supplier.conditional_until is None
