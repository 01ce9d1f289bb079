"""Lots, inspection and release (ISO 9001 8.5.2, 8.6, 8.7): the module's one declaration."""

from qms.events import EventType
from qms.modules import Module, Searchable
from qms.widgets import PickerSource

from . import services
from .audit import SECTIONS
from .demo import load
from .due import MODULE as LABEL
from .due import PROVIDERS
from .gates import ANSWERS, DECLARED
from .imports import IMPORTERS
from .kpis import MEASURES
from .models import GoodsReceipt, Inspection, InspectionPlan, ProductionLot, Shipment
from .selectors import instrument_uses

MODULE = Module(
    label=LABEL,
    url_name="inspection:productionlot_list",
    tabs=[
        ("Goods receipts", "inspection:goodsreceipt_list"),
        ("Lots", "inspection:productionlot_list"),
        ("Inspections", "inspection:inspection_list"),
        ("Shipments", "inspection:shipment_list"),
        ("Inspection plans", "inspection:inspectionplan_list"),
    ],
    clause="8.6",
    order=60,
    url_prefix="inspection/",
    # Every goods receipt and lot (24,000 and 40,000 in a ten-year archive) is found by typing: a
    # lot's page offered its material as a select of every receipt, 1.5 s to write.
    pickers={
        GoodsReceipt: PickerSource(
            "Type a receipt, part, PO or supplier lot…",
            "Find a goods receipt",
            fields=("reference", "title", "part_number", "supplier_lot", "po_reference"),
            left_out=("rejected",),  # a rejected receipt is used nowhere
        ),
        ProductionLot: PickerSource(
            "Type a lot or part number…",
            "Find a production lot",
            fields=("reference", "title", "lot_number", "part_number"),
        ),
    },
    due=PROVIDERS,
    audit_sections=SECTIONS,
    demo=load,
    search=[
        Searchable(ProductionLot, ("reference", "title", "lot_number", "part_number"), "Production lots"),
        Searchable(GoodsReceipt, ("reference", "title", "part_number", "supplier_lot"), "Goods receipts"),
        Searchable(Shipment, ("reference", "title", "customer", "delivery_note"), "Shipments"),
        Searchable(Inspection, ("reference", "title"), "Inspections"),
        Searchable(InspectionPlan, ("reference", "title", "part_number"), "Inspection plans"),
    ],
    declares=DECLARED,
    gates=ANSWERS,
    where_used={"calibration.instrument": instrument_uses},
    # An NCR raised from a receipt, its inspection or a plan names the supplier (a SCAR starts there).
    names={
        "inspection.goodsreceipt": {"suppliers.supplier": "supplier"},
        "inspection.inspection": {"suppliers.supplier": "receipt__supplier"},
        "inspection.inspectionplan": {"suppliers.supplier": "supplier"},
    },
    # A drawing revision became effective: plans made from that drawing ask for re-assessment.
    # A supplier change notification: that supplier's incoming plans for the parts it names too.
    # A gauge's impact assessment decided Recall for a lot already released or shipped: the
    # quality managers, the lot's owner and the owners of its shipments are emailed.
    subscribes={
        "documents.revision_effective": [services.plan_changes_for_revision],
        "suppliers.change_opened": [services.plan_changes_for_supplier_change],
        "calibration.item_decided": [services.lots_recalled],
    },
    email_kinds={services.RECALL_EMAIL: "Recall of a released lot"},
    publishes=[
        EventType(
            services.LOT_HELD,
            "A lot may not go on: a production lot or goods receipt an inspection rejected, or a "
            "receipt rejected.",
            ("lot_id", "receipt_id", "inspection_id", "reason"),
            records={
                "lot_id": "inspection.productionlot",
                "receipt_id": "inspection.goodsreceipt",
                "inspection_id": "inspection.inspection",
            },
        ),
        EventType(
            services.LOT_RELEASED,
            "A production lot was released (8.6): every release check clear or accepted.",
            ("lot_id",),
            records={"lot_id": "inspection.productionlot"},
        ),
    ],
    measures=MEASURES,
    importers=IMPORTERS,
    walk="tests.inspection.walk",
)
