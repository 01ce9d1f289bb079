"""Who may use which supplier page (merged into tests/qms/access_table.py). Suppliers, change
notifications and SCARs are company-wide: everyone reads them. Procurement (the steward) and the
quality manager keep them, with the owner and the owner's head; the walker's records belong to
quality control's staff member. Only the quality manager approves, approves with conditions or
disqualifies a supplier, sets what the tiers require, and approves a change; quality (and the
procurement head) evaluate a change. Anyone who may write records a change notification (goods-in
finds them too); heads and quality raise SCARs."""

from tests.qms.access_table import (
    CHANGE_QC,
    CREATE_TRAINING,
    QUALITY_OFFICE,
    SIGNED_IN,
    WRITERS,
    Row,
)

# Heads and the quality office raise SCARs (the same set as those who create training records).
CREATE_SCARS = CREATE_TRAINING


def _change_evaluated(world) -> dict:
    from suppliers.models import SupplierChange

    SupplierChange.objects.filter(pk=world["records"]["suppliers.supplierchange"]["pk"]).update(
        status="evaluated"
    )
    return {}


def _scar_in(status: str):
    def stage(world) -> dict:
        from django.utils import timezone

        from suppliers.models import Scar

        Scar.objects.filter(pk=world["records"]["suppliers.scar"]["pk"]).update(
            status=status, due_date=timezone.localdate() + timezone.timedelta(days=7)
        )
        return {}

    stage.__doc__ = f"The walker's SCAR {status}."
    return stage


ROWS = {
    # --- on every record's page
    **{
        f"{kind} {label}": row
        for label in ("suppliers.supplier", "suppliers.supplierchange", "suppliers.scar")
        for kind, row in (
            ("attachment_upload", Row(post=CHANGE_QC)),
            ("comment_create", Row(post=WRITERS)),
            ("link_create", Row(post=CHANGE_QC)),
            ("link_delete", Row(post=CHANGE_QC)),
        )
    },
    "file_download suppliers.suppliercertificate": Row(get=SIGNED_IN),
    "import suppliers.suppliers": Row(get=QUALITY_OFFICE, post=QUALITY_OFFICE),
    "import suppliers.certificates": Row(get=QUALITY_OFFICE, post=QUALITY_OFFICE),
    # --- the approved supplier list
    "suppliers:supplier_list": Row(get=SIGNED_IN),
    "suppliers:supplier_create": Row(get=QUALITY_OFFICE, post=QUALITY_OFFICE),
    "suppliers:supplier_detail": Row(get=SIGNED_IN),
    "suppliers:supplier_history": Row(get=SIGNED_IN),
    "suppliers:supplier_update": Row(get=CHANGE_QC, post=CHANGE_QC),
    "suppliers:supplier_transition": Row(post=WRITERS),
    "suppliers:supplier_approve": Row(post=QUALITY_OFFICE),
    "suppliers:supplier_approve_conditionally": Row(post=QUALITY_OFFICE),
    "suppliers:supplier_disqualify": Row(post=QUALITY_OFFICE),
    "suppliers:contact_add": Row(post=CHANGE_QC),
    "suppliers:contact_edit": Row(get=CHANGE_QC, post=CHANGE_QC),
    "suppliers:contact_remove": Row(post=WRITERS),
    "suppliers:site_add": Row(post=CHANGE_QC),
    "suppliers:site_edit": Row(get=CHANGE_QC, post=CHANGE_QC),
    "suppliers:site_remove": Row(post=WRITERS),
    "suppliers:certificate_add": Row(post=CHANGE_QC),
    "suppliers:certificate_step": Row(post=WRITERS),
    "suppliers:evaluation_add": Row(post=CHANGE_QC),
    "suppliers:scorecard": Row(get=SIGNED_IN),
    "suppliers:ranking": Row(get=SIGNED_IN),
    # The supplier picker's search (JSON): suppliers' names, which everyone reads.
    "picker_search suppliers.supplier": Row(get=SIGNED_IN),
    "suppliers:certificate_register": Row(get=SIGNED_IN),
    "suppliers:tiers": Row(get=SIGNED_IN),
    "suppliers:tier_update": Row(get=QUALITY_OFFICE, post=QUALITY_OFFICE),
    # --- change notifications
    "suppliers:supplierchange_list": Row(get=SIGNED_IN),
    "suppliers:supplierchange_create": Row(get=WRITERS, post=WRITERS),
    "suppliers:supplierchange_detail": Row(get=SIGNED_IN),
    "suppliers:supplierchange_history": Row(get=SIGNED_IN),
    "suppliers:supplierchange_update": Row(get=CHANGE_QC, post=CHANGE_QC),
    "suppliers:supplierchange_transition": Row(post=WRITERS),
    "suppliers:supplierchange_evaluate": Row(post=QUALITY_OFFICE),
    "suppliers:supplierchange_approve": Row(post=QUALITY_OFFICE, stage=_change_evaluated),
    # --- SCARs
    "suppliers:scar_list": Row(get=SIGNED_IN),
    "suppliers:scar_create": Row(get=CREATE_SCARS, post=CREATE_SCARS),
    "suppliers:scar_detail": Row(get=SIGNED_IN),
    "suppliers:scar_history": Row(get=SIGNED_IN),
    "suppliers:scar_update": Row(get=CHANGE_QC, post=CHANGE_QC),
    "suppliers:scar_transition": Row(post=WRITERS),
    "suppliers:scar_send": Row(post=CHANGE_QC),
    "suppliers:scar_answer": Row(post=CHANGE_QC, stage=_scar_in("sent")),
    "suppliers:scar_reject": Row(post=CHANGE_QC, stage=_scar_in("answered")),
}
