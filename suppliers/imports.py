"""Import an existing supplier list and its certificates from CSV or XLSX through the kernel's
import (preview with errors beside each row, nothing saved until confirmed, the same file twice
changes nothing). People are named by username, departments by code, tiers and certificate kinds
as the screens show them, suppliers by name (or SUP reference)."""

from __future__ import annotations

from django import forms
from django.core.validators import validate_email

from qms.forms import people
from qms.imports import Column, Importer, department_of, no_department
from qms.rules import SHEET_DAY_FORMATS

from . import services
from .models import CERTIFICATE_KINDS, CertificateKind, Supplier, SupplierCertificate, Tier

DATE_FORMATS = SHEET_DAY_FORMATS
YES = {"yes", "y", "true", "1", "x", "ja"}
NO = {"", "no", "n", "false", "0", "nein"}


def _by_label(choices, text: str, what: str) -> str:
    wanted = (text or "").strip().lower()
    for value, label in choices:
        if wanted in (value.lower(), str(label).lower()):
            return value
    raise forms.ValidationError(
        f"Unknown {what} “{text}”: use " + ", ".join(str(label) for _, label in choices) + "."
    )


class _RowForm(forms.Form):
    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)


class SupplierRowForm(_RowForm):
    name = forms.CharField(max_length=200)
    vat_number = forms.CharField(max_length=30, required=False)
    tier = forms.CharField(max_length=20, required=False)
    calibration_lab = forms.CharField(max_length=10, required=False)
    commodities = forms.CharField(max_length=2000, required=False)
    processes = forms.CharField(max_length=2000, required=False)
    part_numbers = forms.CharField(max_length=5000, required=False)
    country = forms.CharField(max_length=60, required=False)
    email = forms.CharField(max_length=254, required=False)
    phone = forms.CharField(max_length=40, required=False)
    owner = forms.CharField(max_length=150)
    department = forms.CharField(max_length=20)

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def clean_vat_number(self):
        return (self.cleaned_data.get("vat_number") or "").replace(" ", "").upper()

    def clean_tier(self):
        text = self.cleaned_data.get("tier", "")
        return _by_label(Tier.choices, text, "tier") if text.strip() else Tier.MAJOR

    def clean_calibration_lab(self):
        value = (self.cleaned_data.get("calibration_lab") or "").strip().lower()
        if value not in YES | NO:
            raise forms.ValidationError(f"Write yes or no (or leave it empty for no), not “{value}”.")
        return value in YES

    def clean_email(self):
        text = (self.cleaned_data.get("email") or "").strip()
        if text:
            try:
                validate_email(text)
            except forms.ValidationError:
                raise forms.ValidationError(f"“{text}” is not an email address.") from None
        return text

    def clean_owner(self):
        found = people().filter(username__iexact=self.cleaned_data["owner"].strip()).first()
        if found is None:
            raise forms.ValidationError(f"No person with the username “{self.cleaned_data['owner']}”.")
        return found

    def clean_department(self):
        found = department_of(self.cleaned_data["department"])
        if found is None:
            raise forms.ValidationError(no_department(self.cleaned_data["department"]))
        return found

    def clean(self):
        data = super().clean()
        name, vat = data.get("name"), data.get("vat_number")
        if name and vat:
            by_vat = Supplier.objects.filter(vat_number__iexact=vat).first()
            if by_vat is not None and by_vat.name.casefold() != name.casefold():
                self.add_error("vat_number", f"{by_vat.reference} {by_vat.name} has this VAT number already.")
        return data


def find_supplier(data: dict) -> Supplier | None:
    return Supplier.objects.filter(name__iexact=data["name"]).first()


def supplier_unchanged(existing: Supplier, data: dict) -> bool:
    return all(getattr(existing, k, None) == v for k, v in data.items())


class CertificateRowForm(_RowForm):
    supplier = forms.CharField(max_length=200)
    kind = forms.CharField(max_length=60)
    number = forms.CharField(max_length=80, required=False)
    issuer = forms.CharField(max_length=120, required=False)
    scope = forms.CharField(max_length=300, required=False)
    issued_on = forms.DateField(input_formats=DATE_FORMATS)
    expires_on = forms.DateField(input_formats=DATE_FORMATS, required=False)

    def clean_supplier(self):
        text = " ".join(self.cleaned_data["supplier"].split())
        found = (
            Supplier.objects.filter(reference__iexact=text).first()
            or Supplier.objects.filter(name__iexact=text).first()
        )
        if found is None:
            raise forms.ValidationError(f"No supplier “{text}”: import the supplier list first.")
        return found

    def clean_kind(self):
        return _by_label(CertificateKind.choices, self.cleaned_data["kind"], "certificate")

    def clean(self):
        data = super().clean()
        issued, expires = data.get("issued_on"), data.get("expires_on")
        if issued and expires and expires <= issued:
            self.add_error("expires_on", "The expiry date must come after the issue date.")
        return data


def find_certificate(data: dict) -> SupplierCertificate | None:
    return SupplierCertificate.objects.filter(
        supplier=data["supplier"],
        kind=data["kind"],
        number=data.get("number", ""),
        issued_on=data["issued_on"],
    ).first()


IMPORTERS = [
    Importer(
        "suppliers.suppliers",
        "Supplier list",
        Supplier,
        columns=(
            Column("Name", "name"),
            Column("VAT number", "vat_number", required=False),
            Column("Tier", "tier", required=False, help="Critical, Major, Minor"),
            Column("Calibration lab", "calibration_lab", required=False, help="yes / no"),
            Column("Supplies", "commodities", required=False),
            Column("Processes", "processes", required=False),
            Column("Part numbers", "part_numbers", required=False),
            Column("Country", "country", required=False),
            Column("Email", "email", required=False),
            Column("Phone", "phone", required=False),
            Column("Kept by", "owner", help="username"),
            Column("Department", "department", help="code or name"),
        ),
        form=SupplierRowForm,
        find=find_supplier,
        save=services.supplier_import,
        unchanged=supplier_unchanged,
        done_url="/suppliers/",
        help="An existing supplier list, one row per supplier. New suppliers are prospective until approved.",
    ),
    Importer(
        "suppliers.certificates",
        "Supplier certificates",
        Supplier,
        columns=(
            Column("Supplier", "supplier", help="name or SUP reference"),
            Column("Certificate", "kind", help=", ".join(str(v) for v in CERTIFICATE_KINDS.values())),
            Column("Number", "number", required=False),
            Column("Issued by", "issuer", required=False),
            Column("Scope", "scope", required=False),
            Column("Issued", "issued_on", help="2026-05-31"),
            Column("Expires", "expires_on", required=False),
        ),
        form=CertificateRowForm,
        find=find_certificate,
        save=services.certificate_import,
        unchanged=lambda existing, data: True,
        done_url="/suppliers/certificates/",
        help="The certificates suppliers hold, one row each; the scans are added on each supplier's page.",
    ),
]
