"""Who may use which page of the inspection module (merged into tests/qms/access_table.py).

Plans, receipts, lots, shipments and inspections are company-wide records: everyone signed in
reads them (traceability crosses every department). The walker's records belong to quality
control, owned by ``staff``: the owner, the head and quality change them, and for lots the head
of production too (production keeps lots, the ``STEWARDS`` setting). Plans and inspections are
created by heads, quality and quality control's members; lots by heads, quality and production's
members; receipts and shipments by heads and quality (and the warehouse and purchasing, not in
the walk). Release is quality control's and the quality manager's; deviations the quality
manager's alone."""

from tests.qms.access_table import (
    ADMIN,
    CHANGE_QC,
    HEAD,
    OTHER_HEAD,
    OTHER_STAFF,
    QUALITY,
    QUALITY_OFFICE,
    SIGNED_IN,
    STAFF,
    WRITERS,
    Row,
)


def _discontinued(world) -> dict:
    """The walker's plan with acceptance inspection discontinued (five lots not accepted while
    tightened); the steps to get there have their own tests."""
    from inspection.models import InspectionPlan

    InspectionPlan.objects.filter(pk=world["records"]["inspection.inspectionplan"]["pk"]).update(
        discontinued=True
    )
    return {}


CREATE_QC = frozenset({ADMIN, QUALITY, HEAD, OTHER_HEAD, STAFF})
CREATE_LOTS = frozenset({ADMIN, QUALITY, HEAD, OTHER_HEAD, OTHER_STAFF})
CREATE_OTHER = frozenset({ADMIN, QUALITY, HEAD, OTHER_HEAD})
CHANGE_LOT = CHANGE_QC | {OTHER_HEAD}
RELEASE = frozenset({ADMIN, QUALITY, HEAD, STAFF})


def _record_rows(model: str, create, change) -> dict:
    return {
        f"inspection:{model}_list": Row(get=SIGNED_IN),
        f"inspection:{model}_create": Row(get=create, post=create),
        f"inspection:{model}_detail": Row(get=SIGNED_IN),
        f"inspection:{model}_history": Row(get=SIGNED_IN),
        f"inspection:{model}_update": Row(get=change, post=change),
        f"inspection:{model}_transition": Row(post=WRITERS),
    }


ROWS = {
    # The receipt and lot pickers' searches (JSON): company-wide records everyone reads.
    "picker_search inspection.goodsreceipt": Row(get=SIGNED_IN),
    "picker_search inspection.productionlot": Row(get=SIGNED_IN),
    # Imports: whoever may create receipts, or lots (their material too: it is written to lots).
    "import inspection.receipts": Row(get=CREATE_OTHER, post=CREATE_OTHER),
    "import inspection.lots": Row(get=CREATE_LOTS, post=CREATE_LOTS),
    "import inspection.materials": Row(get=CREATE_LOTS, post=CREATE_LOTS),
    **_record_rows("inspectionplan", CREATE_QC, CHANGE_QC),
    **_record_rows("goodsreceipt", CREATE_OTHER, CHANGE_QC),
    **_record_rows("productionlot", CREATE_LOTS, CHANGE_LOT),
    **_record_rows("shipment", CREATE_OTHER, CHANGE_QC),
    **_record_rows("inspection", CREATE_QC, CHANGE_QC),
    "inspection:characteristic_add": Row(post=CHANGE_QC),
    "inspection:characteristic_edit": Row(get=CHANGE_QC, post=CHANGE_QC),
    "inspection:characteristic_remove": Row(post=WRITERS),
    "inspection:plan_change_add": Row(post=CHANGE_QC),
    "inspection:inspectionplan_reassess": Row(post=CHANGE_QC),
    "inspection:inspectionplan_reduced": Row(post=QUALITY_OFFICE),
    # Only while acceptance inspection under the plan is discontinued (ISO 2859-1, 9.4).
    "inspection:inspectionplan_resume": Row(post=QUALITY_OFFICE, stage=_discontinued),
    "inspection:certificate_add": Row(post=CHANGE_QC),
    "file_download inspection.receiptcertificate": Row(get=SIGNED_IN),
    "inspection:operator_add": Row(post=CHANGE_LOT),
    "inspection:operator_remove": Row(post=WRITERS),
    "inspection:material_add": Row(post=CHANGE_LOT),
    "inspection:material_remove": Row(post=WRITERS),
    "inspection:schedule_change_add": Row(post=WRITERS),  # anyone proposes, the head decides
    "inspection:schedule_change_step": Row(post=WRITERS),
    "inspection:productionlot_release": Row(post=RELEASE),
    "inspection:productionlot_deviation": Row(post=QUALITY_OFFICE),
    "inspection:shipment_line_add": Row(post=CHANGE_QC),
    "inspection:shipment_line_remove": Row(post=WRITERS),
    "inspection:result_add": Row(post=CHANGE_QC),
    "inspection:result_remove": Row(post=WRITERS),
    "inspection:gauge_add": Row(post=CHANGE_QC),
    "inspection:gauge_remove": Row(post=WRITERS),
}

for _label, _change in (
    ("inspection.inspectionplan", CHANGE_QC),
    ("inspection.goodsreceipt", CHANGE_QC),
    ("inspection.productionlot", CHANGE_LOT),
    ("inspection.shipment", CHANGE_QC),
    ("inspection.inspection", CHANGE_QC),
):
    ROWS[f"attachment_upload {_label}"] = Row(post=_change)
    ROWS[f"comment_create {_label}"] = Row(post=WRITERS)
    ROWS[f"link_create {_label}"] = Row(post=_change)
    ROWS[f"link_delete {_label}"] = Row(post=_change)
