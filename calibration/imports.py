"""Import of an existing instrument list and its calibration history through the kernel's import
(preview with errors beside each row, nothing saved until confirmed, the same file twice changes
nothing). Instruments are named by their engraved ID, people by username, departments by code,
laboratories by supplier name."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from qms import history
from qms.imports import Column, Importer, import_form
from qms.models import User
from qms.rules import SHEET_DAY_FORMATS
from suppliers.models import Supplier

from . import services
from .forms import InstrumentForm, labs
from .models import Calibration, Instrument, Source

DATE_FORMATS = SHEET_DAY_FORMATS
RESULTS = {
    "pass": True,
    "in": True,
    "ok": True,
    "in tolerance": True,
    "fail": False,
    "out": False,
    "out of tolerance": False,
}


class InstrumentRowForm(import_form(InstrumentForm)):
    """A row of an instrument list: an existing ID brings that instrument up to date (the form is
    checked against it, so its own ID is no clash)."""

    def __init__(self, *args, user=None, data=None, **kwargs):
        tag = str((data or {}).get("tag") or "").strip()
        existing = Instrument.objects.filter(tag__iexact=tag).first() if tag else None
        if existing is not None:
            kwargs["instance"] = existing
        super().__init__(*args, user=user, data=data, **kwargs)
        self.fields.pop("reason", None)
        # The column is read for a new instrument; an existing one's due date moves by calibrations.
        self.fields.setdefault("due_date", forms.DateField(required=False, input_formats=DATE_FORMATS))
        self.fields["lab"].to_field_name = "name"
        self.fields["lab"].error_messages["invalid_choice"] = (
            "No calibration laboratory of that name on the supplier list."
        )
        self.fields["procedure"].to_field_name = "number"


def instrument_find(data: dict) -> Instrument | None:
    return Instrument.objects.filter(tag__iexact=data["tag"]).first()


def instrument_save(data: dict, *, existing: Instrument | None, by: User) -> Instrument:
    data = {k: v for k, v in data.items() if k != "reason"}
    if existing is None:
        return services.instrument_create(by=by, **data)
    data.pop("due_date", None)  # moved by calibrations once in the register
    return services.instrument_update(instrument=existing, by=by, reason="Imported", **data)


class CalibrationRowForm(forms.Form):
    """A row of a calibration history: one calibration of an instrument of the register."""

    instrument = forms.CharField(max_length=50)
    calibrated_on = forms.DateField(input_formats=DATE_FORMATS)
    as_found = forms.CharField(max_length=30)
    as_left = forms.CharField(max_length=30, required=False)
    certificate_number = forms.CharField(max_length=100, required=False)
    lab = forms.CharField(max_length=200, required=False)
    performed_by = forms.CharField(max_length=150, required=False)

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_instrument(self):
        found = Instrument.objects.filter(tag__iexact=self.cleaned_data["instrument"].strip()).first()
        if found is None:
            raise forms.ValidationError("No instrument with that ID in the register: import the list first.")
        return found

    def clean_calibrated_on(self):
        day = self.cleaned_data["calibrated_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("A calibration cannot be dated in the future.")
        return day

    def _result(self, name, *, required):
        text = (self.cleaned_data.get(name) or "").strip().lower()
        if not text and not required:
            return None
        if text not in RESULTS:
            raise forms.ValidationError("Write pass or fail (in or out of tolerance).")
        return RESULTS[text]

    def clean_as_found(self):
        return self._result("as_found", required=True)

    def clean_as_left(self):
        return self._result("as_left", required=False)

    def clean_lab(self):
        name = (self.cleaned_data.get("lab") or "").strip()
        if not name:
            return None
        found = Supplier.objects.filter(name__iexact=name).first()
        if found is None:
            raise forms.ValidationError(f"No supplier named “{name}”.")
        if not labs().filter(pk=found.pk).exists():
            raise forms.ValidationError(f"{found.name} is not a calibration laboratory on the supplier list.")
        return found

    def clean_performed_by(self):
        name = (self.cleaned_data.get("performed_by") or "").strip()
        if not name:
            return None
        found = User.objects.filter(username__iexact=name, is_active=True).first()
        if found is None:
            raise forms.ValidationError(f"No person with the username “{name}”.")
        return found

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("lab") and not data.get("performed_by"):
            raise forms.ValidationError("Name the laboratory or the technician.")
        return data


def calibration_find(data: dict) -> Calibration | None:
    return Calibration.objects.filter(
        instrument=data["instrument"], calibrated_on=data["calibrated_on"], status="completed"
    ).first()


def calibration_unchanged(existing: Calibration, data: dict) -> bool:
    left = data["as_left"] if data.get("as_left") is not None else data["as_found"]
    return existing.as_found_ok == data["as_found"] and existing.as_left_ok == left


def calibration_save(data: dict, *, existing: Calibration | None, by: User) -> Calibration:
    """One calibration of the history, recorded as it was: its results as the certificate said
    (no measurement points), its next due date from the interval. A past failure opens no
    assessment: it was dealt with then."""
    from qms import access

    instrument = data["instrument"]
    access.require_change(by, instrument)
    calibration = existing or Calibration(instrument=instrument, calibrated_on=data["calibrated_on"])
    calibration.source = Source.EXTERNAL if data.get("lab") else Source.INTERNAL
    calibration.lab, calibration.performed_by = data.get("lab"), data.get("performed_by")
    calibration.certificate_number = data.get("certificate_number") or ""
    calibration.as_found_ok = data["as_found"]
    calibration.as_left_ok = data["as_left"] if data.get("as_left") is not None else data["as_found"]
    calibration.next_due = instrument.next_due_from(data["calibrated_on"])
    calibration.status = "completed"
    calibration.completed_at = calibration.completed_at or timezone.now()
    history.save(calibration, by=by, reason="Imported calibration history")
    if not instrument.last_calibrated_on or calibration.calibrated_on >= instrument.last_calibrated_on:
        instrument.last_calibrated_on, instrument.due_date = calibration.calibrated_on, calibration.next_due
        history.save(instrument, by=by, reason="Imported calibration history")
    return calibration


IMPORTERS = [
    Importer(
        "calibration.instruments",
        "Instruments",
        Instrument,
        columns=(
            Column("ID", "tag", help="as engraved"),
            Column("Description", "title"),
            Column("Type", "type_name"),
            Column("Manufacturer", "manufacturer", required=False),
            Column("Serial number", "serial_number", required=False),
            Column("Range", "measuring_range", required=False),
            Column("Resolution", "resolution", required=False),
            Column("Required accuracy", "required_accuracy", required=False),
            Column("Location", "location", required=False),
            Column("Calibrated", "source", required=False, help="internal or external"),
            Column("Laboratory", "lab", required=False, help="supplier name"),
            Column("Interval", "interval_value", help="a number"),
            Column("Interval unit", "interval_unit", help="days or months"),
            Column("Reference standard", "is_reference_standard", required=False, help="yes or empty"),
            Column("Owner", "owner", help="username"),
            Column("Department", "department", help="code or name"),
            Column("Next due", "due_date", required=False, help="2026-05-31"),
        ),
        form=InstrumentRowForm,
        find=instrument_find,
        save=instrument_save,
        done_url="/calibration/instruments/",
        help="An existing ID brings that instrument up to date; its next due date then moves only "
        "by calibrations. Import each instrument’s last calibration too (Calibration history): "
        "until one is recorded, release refuses what the instrument measured as not calibrated.",
        unchanged=lambda existing, data: all(
            getattr(existing, k, None) == v for k, v in data.items() if k not in ("due_date", "reason")
        ),
    ),
    Importer(
        "calibration.calibrations",
        "Calibration history",
        Instrument,
        columns=(
            Column("Instrument", "instrument", help="ID as engraved"),
            Column("Date", "calibrated_on", help="2026-05-31"),
            Column("As found", "as_found", help="pass or fail"),
            Column("As left", "as_left", required=False, help="pass or fail"),
            Column("Certificate", "certificate_number", required=False),
            Column("Laboratory", "lab", required=False, help="supplier name"),
            Column("Technician", "performed_by", required=False, help="username"),
        ),
        form=CalibrationRowForm,
        find=calibration_find,
        save=calibration_save,
        unchanged=calibration_unchanged,
        done_url="/calibration/instruments/",
    ),
]
