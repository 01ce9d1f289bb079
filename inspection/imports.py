"""Import of goods receipts, production lots and the material lots consumed from CSV or XLSX
through the kernel's import (preview with errors beside each row, nothing saved until a preview
without errors is confirmed, the same file twice changes nothing). Suppliers are named by name,
drawings by document number and revision label, lots by lot number, receipts by their GR reference,
people by username, departments by code.

Rows are written by the same services as the screens: a receipt or lot through the kernel's
``record_create``/``record_update`` with the screens' forms, material through
``services.material_use_add`` (so a lot consuming more than the receipt holds, or a rejected
receipt's material, is refused beside its row)."""

from __future__ import annotations

from django import forms

from qms.imports import Column, Importer, import_form
from qms.models import User
from qms.services import record_create, record_update

from . import services
from .forms import LotForm, ReceiptForm, drawing_revisions
from .models import GoodsReceipt, MaterialUse, ProductionLot

DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%d.%m.%y"]
# A lot's planned dates change through a schedule change (release check 3), never by a file.
SCHEDULED = ("planned_finish", "delivery_date")


def _dates(form: forms.Form) -> None:
    for field in form.fields.values():
        if isinstance(field, forms.DateField):
            field.input_formats = DATE_FORMATS


class ReceiptRowForm(import_form(ReceiptForm)):
    """A row of a goods-receipt list: the supplier by name."""

    def __init__(self, *args, user=None, data=None, **kwargs):
        existing = receipt_find_raw(data or {})
        if existing is not None:
            kwargs["instance"] = existing
        super().__init__(*args, user=user, data=data, **kwargs)
        self.fields.pop("reason", None)
        self.fields["supplier"].to_field_name = "name"
        self.fields["supplier"].error_messages["invalid_choice"] = "No supplier with that name."
        _dates(self)


def receipt_find_raw(data: dict) -> GoodsReceipt | None:
    """The receipt a row describes: same supplier, part, supplier lot and day received."""
    supplier = str(data.get("supplier") or "").strip()
    part, day = str(data.get("part_number") or "").strip(), data.get("received_on")
    if not supplier or not part or not day:
        return None
    form_day = forms.DateField(input_formats=DATE_FORMATS)
    try:
        day = form_day.clean(day)
    except forms.ValidationError:
        return None
    found = GoodsReceipt.objects.filter(
        supplier__name__iexact=supplier,
        part_number=part,
        supplier_lot=str(data.get("supplier_lot") or "").strip(),
        received_on=day,
    )
    return found.order_by("pk").first()


def receipt_find(data: dict) -> GoodsReceipt | None:
    return GoodsReceipt.objects.filter(
        supplier=data["supplier"],
        part_number=data["part_number"],
        supplier_lot=data.get("supplier_lot", ""),
        received_on=data["received_on"],
    ).first()


def receipt_save(data: dict, *, existing: GoodsReceipt | None, by: User) -> GoodsReceipt:
    if existing is None:
        return record_create(model=GoodsReceipt, by=by, reason="Imported", **data)
    return record_update(record=existing, by=by, reason="Imported", **data)


class LotRowForm(import_form(LotForm)):
    """A row of a production-lot list: the drawing revision worked to by document number (column
    "Drawing") and revision label (column "Revision"); an existing lot number brings that lot up to
    date."""

    drawing = forms.CharField(label="Drawing", max_length=60)

    def __init__(self, *args, user=None, data=None, **kwargs):
        number = str((data or {}).get("lot_number") or "").strip()
        existing = ProductionLot.objects.filter(lot_number=number).first() if number else None
        if existing is not None:
            kwargs["instance"] = existing
        super().__init__(*args, user=user, data=data, **kwargs)
        self.fields.pop("reason", None)
        self.fields["drawing_revision"] = forms.CharField(label="Revision", max_length=20)
        _dates(self)

    def clean_drawing_revision(self):
        return (self.cleaned_data.get("drawing_revision") or "").strip()

    def clean(self):
        number = (self.cleaned_data.get("drawing") or "").strip()
        label = self.cleaned_data.get("drawing_revision")
        if number and label:
            found = drawing_revisions().filter(document__number__iexact=number, label__iexact=label).first()
            if found is None:
                self.add_error("drawing_revision", f"Drawing {number} has no released revision “{label}”.")
            else:
                self.cleaned_data["drawing_revision"] = found
        return super().clean()


def lot_find(data: dict) -> ProductionLot | None:
    return ProductionLot.objects.filter(lot_number=data["lot_number"]).first()


def _lot_fields(data: dict) -> dict:
    return {k: v for k, v in data.items() if k != "drawing"}


def lot_unchanged(existing: ProductionLot, data: dict) -> bool:
    return all(getattr(existing, k, None) == v for k, v in _lot_fields(data).items())


def lot_save(data: dict, *, existing: ProductionLot | None, by: User) -> ProductionLot:
    from django.core.exceptions import ValidationError

    fields = _lot_fields(data)
    if existing is None:
        return record_create(model=ProductionLot, by=by, reason="Imported", **fields)
    for name in SCHEDULED:
        if name in fields and fields[name] != getattr(existing, name):
            raise ValidationError(
                {name: "A planned date of an existing lot changes through a schedule change on its page."}
            )
    return record_update(record=existing, by=by, reason="Imported", **fields)


class MaterialRowForm(forms.Form):
    """A row of material consumed: which lot used how much of which receipt."""

    lot = forms.CharField(max_length=60)
    receipt = forms.CharField(max_length=30)
    quantity = forms.IntegerField(min_value=1, max_value=2_000_000_000)

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_lot(self):
        found = ProductionLot.objects.filter(lot_number=self.cleaned_data["lot"].strip()).first()
        if found is None:
            raise forms.ValidationError("No production lot with that lot number: import the lots first.")
        return found

    def clean_receipt(self):
        found = GoodsReceipt.objects.filter(reference__iexact=self.cleaned_data["receipt"].strip()).first()
        if found is None:
            raise forms.ValidationError("No goods receipt with that reference (GR-…).")
        return found


def material_find(data: dict) -> MaterialUse | None:
    return MaterialUse.objects.filter(lot=data["lot"], receipt=data["receipt"]).first()


def material_save(data: dict, *, existing: MaterialUse | None, by: User) -> MaterialUse:
    from django.core.exceptions import ValidationError

    if existing is not None:  # a different quantity: consumption is corrected on the lot's page
        raise ValidationError(
            f"{data['lot'].lot_number} already consumed {existing.quantity:,} of {data['receipt'].reference}."
        )
    lot, receipt = data["lot"], data["receipt"]
    return services.material_use_add(lot=lot, by=by, receipt=receipt, quantity=data["quantity"])


def _owner_columns() -> tuple[Column, ...]:
    return (
        Column("Owner", "owner", help="username"),
        Column("Department", "department", help="code or name"),
    )


IMPORTERS = [
    Importer(
        "inspection.receipts",
        "Goods receipts",
        GoodsReceipt,
        columns=(
            Column("Title", "title", help="Steel bar C45 Ø40"),
            Column("Supplier", "supplier", help="name, as in the supplier list"),
            Column("Part", "part_number"),
            Column("Purchase order", "po_reference", required=False),
            Column("Quantity", "quantity"),
            Column("Promised", "promised_on", required=False, help="2026-05-31"),
            Column("Received", "received_on", help="2026-05-31"),
            Column("Supplier lot", "supplier_lot", required=False),
            *_owner_columns(),
        ),
        form=ReceiptRowForm,
        find=receipt_find,
        save=receipt_save,
        done_url="/inspection/receipts/",
        help="A receipt already in the register (same supplier, part, supplier lot and day) is updated.",
    ),
    Importer(
        "inspection.lots",
        "Production lots",
        ProductionLot,
        columns=(
            Column("Lot", "lot_number"),
            Column("Title", "title"),
            Column("Part", "part_number"),
            Column("Drawing", "drawing", help="document number"),
            Column("Revision", "drawing_revision", help="the revision worked to"),
            Column("Quantity", "quantity"),
            Column("Work centre", "work_centre", required=False),
            Column("Started", "started_on", help="2026-05-31"),
            Column("Finished", "finished_on", required=False),
            Column("Planned completion", "planned_finish", required=False),
            Column("Delivery date", "delivery_date", required=False),
            Column("Customer", "customer", required=False),
            *_owner_columns(),
        ),
        form=LotRowForm,
        find=lot_find,
        save=lot_save,
        unchanged=lot_unchanged,
        done_url="/inspection/lots/",
        help="An existing lot number brings that lot up to date; its planned dates change only "
        "through a schedule change.",
    ),
    Importer(
        "inspection.materials",
        "Material consumed by lots",
        ProductionLot,  # whoever may create lots records what they consumed
        columns=(
            Column("Lot", "lot", help="lot number"),
            Column("Receipt", "receipt", help="GR reference"),
            Column("Quantity", "quantity"),
        ),
        form=MaterialRowForm,
        find=material_find,
        save=material_save,
        unchanged=lambda existing, data: existing.quantity == data["quantity"],
        done_url="/inspection/lots/",
    ),
]
