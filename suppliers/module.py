"""Suppliers (ISO 9001 8.4): the module's one declaration."""

from qms import events
from qms.modules import Module, Searchable
from qms.raising import RaiseAction
from qms.widgets import PickerSource

from .audit import SECTIONS
from .demo import load
from .due import MODULE as LABEL
from .due import PROVIDERS
from .gates import ANSWERS
from .imports import IMPORTERS
from .kpis import MEASURES
from .models import Scar, Supplier, SupplierChange
from .services import CHANGE_OPENED
from .views import scar_prefill

MODULE = Module(
    label=LABEL,
    url_name="suppliers:supplier_list",
    tabs=[
        ("Approved supplier list", "suppliers:supplier_list"),
        ("Change notifications", "suppliers:supplierchange_list"),
        ("SCARs", "suppliers:scar_list"),
        ("Certificates", "suppliers:certificate_register"),
        ("Ranking", "suppliers:ranking"),
        ("Risk tiers", "suppliers:tiers"),
    ],
    clause="8.4",
    order=40,
    url_prefix="suppliers/",
    due=PROVIDERS,
    audit_sections=SECTIONS,
    demo=load,
    search=[
        Searchable(Supplier, ("reference", "name", "commodities", "part_numbers"), "Suppliers"),
        Searchable(SupplierChange, ("reference", "title", "affected_parts"), "Supplier changes"),
        Searchable(Scar, ("reference", "title"), "SCARs"),
    ],
    gates=ANSWERS,
    publishes=[
        events.EventType(
            CHANGE_OPENED,
            "A supplier change notification was recorded (open until quality approves it).",
            ("change_id", "supplier_id"),
            records={"change_id": "suppliers.supplierchange", "supplier_id": "suppliers.supplier"},
        )
    ],
    # A record linked to a change or a SCAR names its supplier (an NCR raised from the change).
    names={
        "suppliers.supplierchange": {"suppliers.supplier": "supplier"},
        "suppliers.scar": {"suppliers.supplier": "supplier"},
    },
    raise_actions=[
        RaiseAction(
            "suppliers.scar",
            "Raise a SCAR",
            "suppliers:scar_create",
            Scar,
            scar_prefill,
            sources=("capa.nonconformity",),
        )
    ],
    measures=MEASURES,
    email_kinds={"scar": "SCAR to a supplier"},
    importers=IMPORTERS,
    # Every supplier (600 in a ten-year archive) is found by typing; a narrowed list (the
    # calibration laboratories) stays a select.
    pickers={
        Supplier: PickerSource(
            "Type a supplier's name…",
            "Find a supplier",
            fields=("name", "reference", "commodities"),
            ordering=("name", "pk"),
            narrowed=False,
        )
    },
    walk="tests.suppliers.walk",
)
