"""Route-walker builders of the inspection module: a plan with a characteristic; a receipt with a
material certificate; a finished lot with an operator, material and a schedule change; a shipment
of a released lot; an inspection with a result and a gauge."""

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.uploads import pdf_bytes
from tests.walker import builder


def _qm():
    from tests.inspection import factories as f

    return f.qm()


@builder("inspection.inspectionplan")
def build_plan(owner, department) -> dict:
    from qms.services import record_update
    from tests.inspection import factories as f

    plan = f.plan(owner=owner, part=f"P-{owner.pk}-{department.pk}")
    record_update(record=plan, by=_qm(), reason="Walked", department=department)
    return {"pk": plan.pk, "plancharacteristic_pk": plan.characteristics.first().pk, "_record": plan}


@builder("inspection.goodsreceipt")
def build_receipt(owner, department) -> dict:
    from inspection.models import ReceiptCertificate
    from qms.services import child_add
    from tests.inspection import factories as f

    receipt = f.receipt(owner=_qm())
    receipt.owner, receipt.department = owner, department
    receipt.save(update_fields=["owner", "department"])
    certificate = child_add(
        model=ReceiptCertificate, by=_qm(), receipt=receipt, file=SimpleUploadedFile("3.1.pdf", pdf_bytes())
    )
    return {"pk": receipt.pk, "receiptcertificate_pk": certificate.pk, "_record": receipt}


@builder("inspection.receiptcertificate")
def build_certificate(owner, department) -> dict:
    kwargs = build_receipt(owner, department)
    return {"pk": kwargs["receiptcertificate_pk"], "_record": kwargs["_record"]}


def _lot(owner, department, status="finished"):
    from inspection import services
    from inspection.models import LotOperator
    from qms.services import child_add
    from tests.inspection import factories as f

    lot = f.lot(owner=_qm())
    lot.owner, lot.department = owner, department
    lot.save(update_fields=["owner", "department"])
    operator = child_add(model=LotOperator, by=_qm(), lot=lot, person=owner)
    use = services.material_use_add(lot=lot, by=_qm(), receipt=f.receipt(), quantity=10)
    change = services.schedule_change_propose(
        lot=lot, by=_qm(), field="delivery_date", new_date=f.days(30), reason="Customer call"
    )
    type(lot).objects.filter(pk=lot.pk).update(status=status)
    lot.refresh_from_db()
    return lot, operator, use, change


@builder("inspection.productionlot")
def build_lot(owner, department) -> dict:
    lot, operator, use, change = _lot(owner, department)
    return {
        "pk": lot.pk,
        "lotoperator_pk": operator.pk,
        "materialuse_pk": use.pk,
        "schedulechange_pk": change.pk,
        "_record": lot,
    }


@builder("inspection.shipment")
def build_shipment(owner, department) -> dict:
    from inspection import services
    from tests.inspection import factories as f

    lot, *_ = _lot(owner, department, status="released")
    shipment = f.shipment(owner=_qm())
    shipment.owner, shipment.department = owner, department
    shipment.save(update_fields=["owner", "department"])
    line = services.shipment_line_add(shipment=shipment, by=_qm(), lot=lot, quantity=10)
    return {"pk": shipment.pk, "shipmentline_pk": line.pk, "_record": shipment}


@builder("inspection.inspection")
def build_inspection(owner, department) -> dict:
    from inspection import services
    from tests.inspection import factories as f

    plan = f.plan(part="H-220")
    lot = f.lot(part="H-220", quantity=100)
    inspection = f.inspect(lot, plan_=plan, sample=0)
    inspection.owner, inspection.department = owner, department
    inspection.save(update_fields=["owner", "department"])
    bore = plan.characteristics.get(name__startswith="Bore")
    result = services.characteristic_result_add(
        inspection=inspection, by=_qm(), characteristic=bore, values="12.005"
    )
    gauge = services.gauge_use_add(inspection=inspection, by=_qm(), instrument=f.gauge())
    return {
        "pk": inspection.pk,
        "characteristicresult_pk": result.pk,
        "gaugeuse_pk": gauge.pk,
        "_record": inspection,
    }
