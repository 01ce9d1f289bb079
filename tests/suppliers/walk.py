"""Route-walker builders of the supplier module: a prospective supplier with a contact, a site, a
certificate with its scan and an evaluation; a change notification and a SCAR of such a supplier;
the tier policies (the quality manager's page)."""

import itertools

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.uploads import pdf_bytes
from tests.walker import builder

_numbers = itertools.count(1)


@builder("suppliers.supplier")
def build_supplier(owner, department) -> dict:
    from qms.services import child_add
    from suppliers import services
    from suppliers.models import SupplierContact, SupplierSite
    from tests.suppliers.factories import days, quality

    by = quality()
    n = next(_numbers)
    supplier = services.supplier_create(
        by=by, name=f"Walked supplier {n}", vat_number=f"DE9{n:08d}", owner=owner, department=department
    )
    contact = child_add(
        model=SupplierContact,
        by=by,
        supplier=supplier,
        name="Eva Ernst",
        email="eva@supplier.example",
        quality_contact=True,
    )
    site = child_add(model=SupplierSite, by=by, supplier=supplier, name="Plant 1")
    certificate = services.certificate_add(
        by=by,
        supplier=supplier,
        kind="iso9001",
        number=f"Q-{n}",
        issued_on=days(-100),
        expires_on=days(600),
        file=SimpleUploadedFile("iso9001.pdf", pdf_bytes()),
    )
    evaluation = services.evaluation_record(
        supplier=supplier, by=by, evaluated_on=days(-5), evaluator=by, criteria=[("Quality", 100, 4)]
    )
    return {
        "pk": supplier.pk,
        "suppliercontact_pk": contact.pk,
        "suppliersite_pk": site.pk,
        "suppliercertificate_pk": certificate.pk,
        "evaluation_pk": evaluation.pk,
        "_record": supplier,
    }


@builder("suppliers.suppliercertificate")
def build_certificate(owner, department) -> dict:
    built = build_supplier(owner, department)
    return {"pk": built["suppliercertificate_pk"], "_record": built["_record"]}


@builder("suppliers.supplierchange")
def build_change(owner, department) -> dict:
    from suppliers import services
    from tests.suppliers.factories import days, quality

    supplier = build_supplier(owner, department)["_record"]
    change = services.change_create(
        by=quality(),
        supplier=supplier,
        kind="material",
        source="notified",
        description="Another steel mill.",
        received_on=days(-2),
        affected_parts="H-220",
        owner=owner,
        department=department,
    )
    return {"pk": change.pk, "_record": change}


@builder("suppliers.scar")
def build_scar(owner, department) -> dict:
    from suppliers import services
    from tests.suppliers.factories import quality

    supplier = build_supplier(owner, department)["_record"]
    scar = services.scar_create(
        by=quality(),
        supplier=supplier,
        contact=supplier.contacts.first(),
        problem="Rust on bars.",
        owner=owner,
        department=department,
    )
    return {"pk": scar.pk, "_record": scar}


@builder("suppliers.tierpolicy")
def build_tiers(owner, department) -> dict:
    return {"tier": "major"}
