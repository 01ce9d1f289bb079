"""Import of a register from CSV or XLSX, preview first: most shops keep their instrument list,
supplier list or training matrix in a spreadsheet. A module declares an ``Importer`` (columns, a
form that checks one row, how to find the row's existing record, the service that saves it); the
kernel parses the file with tablib, shows every row with its errors beside it, and saves nothing
until a file without errors is confirmed. Re-importing the same file changes nothing.

The preview runs the very saves the confirmation will run, inside a transaction that is rolled
back, so a rule only a service knows (a duplicate, a gate) is shown beside its row before anything
is kept.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

MAX_ROWS = 5000


@dataclass(frozen=True, slots=True)
class Column:
    name: str  # the heading in the file, e.g. "Instrument ID"
    field: str  # the form field it fills, e.g. "code"
    required: bool = True
    help: str = ""


@dataclass(frozen=True)
class Importer:
    key: str  # "calibration.instruments"
    label: str  # "Instruments"
    model: type  # what it creates (who may import = who may create)
    columns: tuple[Column, ...]
    form: type[forms.Form]  # checks one row; ``form(data=row, user=user)``
    find: Callable[[dict], Any]  # the existing record this row describes, or None
    save: Callable[..., Any]  # save(data, *, existing, by): through the module's service
    done_url: str = ""  # where to go after the import (the register)
    help: str = ""
    # Does the existing record already say what the row says? By default: every field equal.
    unchanged: Callable[[Any, dict], bool] = lambda existing, data: all(
        getattr(existing, k, None) == v for k, v in data.items()
    )


@dataclass
class RowResult:
    number: int  # the row's line in the file (the heading is line 1)
    values: list[str]
    errors: list[str] = field(default_factory=list)
    action: str = ""  # "create", "update", "unchanged"


@dataclass
class Preview:
    headers: list[str]
    rows: list[RowResult]
    errors: list[str]  # about the file as a whole (columns missing or unknown)

    @property
    def ok(self) -> bool:
        return not self.errors and not any(r.errors for r in self.rows)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action and not r.errors)

    @property
    def summary(self) -> str:
        failed = sum(1 for r in self.rows if r.errors)
        text = (
            f"{self.count('create')} new, {self.count('update')} changed, {self.count('unchanged')} unchanged"
        )
        return text + (
            f", {failed} with errors: nothing will be imported until they are fixed." if failed else "."
        )


class _RollBack(Exception):
    pass


def parse(name: str, content: bytes) -> tuple[list[str], list[list[str]]]:
    """Headings and rows of a CSV (UTF-8, comma or semicolon) or XLSX file."""
    import tablib

    ext = os.path.splitext(name.lower())[1]
    if ext == ".xlsx":
        try:
            dataset = tablib.Dataset().load(io.BytesIO(content), format="xlsx")
        except Exception as exc:  # noqa: BLE001 - a damaged workbook is the user's file, not our bug
            raise ValidationError("The file could not be read as an Excel workbook (.xlsx).") from exc
    elif ext == ".csv":
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError("Save the CSV file as UTF-8 (in Excel: “CSV UTF-8”).") from None
        first = text.split("\n", 1)[0]
        delimiter = ";" if first.count(";") > first.count(",") else ","
        try:
            dataset = tablib.Dataset().load(text, format="csv", delimiter=delimiter)
        except Exception as exc:  # noqa: BLE001
            raise ValidationError(_csv_problem(text, delimiter)) from exc
    else:
        raise ValidationError("Choose a .csv or .xlsx file.")
    headers = [str(h or "").strip() for h in (dataset.headers or [])]
    rows = [[_cell(v) for v in row] for row in dataset]
    rows = [r for r in rows if any(r)]
    if not any(headers):
        raise ValidationError("The file is empty: the first line must name the columns.")
    if not rows:
        raise ValidationError("The file has no rows below the column names.")
    if len(rows) > MAX_ROWS:
        raise ValidationError(f"The file has {len(rows)} rows; import at most {MAX_ROWS} at a time.")
    return headers, rows


def _csv_problem(text: str, delimiter: str) -> str:
    """What is wrong with a CSV file tablib could not read: most often a line with more or fewer
    cells than the first line names."""
    lines = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    width = len(lines[0]) if lines else 0
    for number, cells in enumerate(lines[1:], start=2):
        if cells and len(cells) != width:
            return f"Line {number} has {len(cells)} cells, but the first line names {width} columns."
    return "The CSV file could not be read; check its columns."


def _cell(value: Any) -> str:
    """A cell as the row's form reads it: an Excel date as 2026-05-01, a whole number without ".0"."""
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def _check_headers(importer: Importer, headers: list[str]) -> list[str]:
    known = {c.name.lower() for c in importer.columns}
    errors = []
    missing = [
        c.name for c in importer.columns if c.required and c.name.lower() not in map(str.lower, headers)
    ]
    if missing:
        errors.append("Columns missing: " + ", ".join(missing) + ".")
    unknown = [h for h in headers if h.lower() not in known]
    if unknown:
        errors.append(
            "Unknown columns: "
            + ", ".join(unknown)
            + ". Expected: "
            + ", ".join(c.name for c in importer.columns)
            + "."
        )
    return errors


def run(importer: Importer, headers: list[str], rows: list[list[str]], *, by, commit: bool) -> Preview:
    """Check every row and save it through the importer's service; without ``commit`` (the
    preview), or when any row has an error, everything is rolled back."""
    from . import access

    if not access.can_create(by, importer.model):
        raise PermissionDenied(f"You may not import {importer.label.lower()}.")
    preview = Preview(headers, [], _check_headers(importer, headers))
    if preview.errors:
        return preview
    position = {h.lower(): i for i, h in enumerate(headers)}
    # Only the columns the file has are read and saved: a column left out changes nothing.
    present = [c for c in importer.columns if c.name.lower() in position]
    claimed: dict[Any, int] = {}  # record -> the row of this file that describes it
    try:
        with transaction.atomic():
            for offset, values in enumerate(rows):
                result = RowResult(number=offset + 2, values=values)
                preview.rows.append(result)
                data = {c.field: _value(values, position[c.name.lower()]) for c in present}
                form = importer.form(data=data, user=by)
                if not form.is_valid():
                    result.errors = [
                        f"{_label(importer, name)}: {' '.join(msgs)}" if name != "__all__" else " ".join(msgs)
                        for name, msgs in form.errors.items()
                    ]
                    continue
                cleaned = {c.field: form.cleaned_data[c.field] for c in present}
                existing = importer.find(cleaned)
                if existing is not None and existing.pk in claimed:
                    result.errors.append(f"Row {claimed[existing.pk]} already describes {existing}.")
                    continue
                if existing is not None and importer.unchanged(existing, cleaned):
                    result.action = "unchanged"
                    claimed[existing.pk] = result.number
                    continue
                result.action = "update" if existing is not None else "create"
                try:
                    with transaction.atomic():
                        saved = importer.save(cleaned, existing=existing, by=by)
                except (ValidationError, PermissionDenied) as exc:
                    messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
                    result.errors.extend(messages)
                else:
                    claimed[getattr(saved, "pk", None) or id(result)] = result.number
            if not commit or not preview.ok:
                raise _RollBack
    except _RollBack:
        pass
    return preview


def _value(values: list[str], index: int) -> str:
    return values[index] if index < len(values) else ""


def _label(importer: Importer, field_name: str) -> str:
    return next((c.name for c in importer.columns if c.field == field_name), field_name)


def department_of(text: str):
    """A department as a spreadsheet names it: by its code ("PROC") or its name ("Procurement"),
    whatever the case; None for none."""
    from django.db.models import Q

    from .models import Department

    text = (text or "").strip()
    if not text:
        return None
    return Department.objects.filter(Q(code__iexact=text) | Q(name__iexact=text)).order_by("pk").first()


def no_department(text: str) -> str:
    """The error for a department cell that names none, listing what it may say."""
    from .models import Department

    known = "; ".join(f"{d.code} ({d.name})" for d in Department.objects.order_by("code"))
    return f"No department with the code or name “{text}”. The departments: {known}."


class DepartmentField(forms.ModelChoiceField):
    """A department cell read by ``department_of``, among the departments the form offers."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        found = department_of(str(value))
        if found is None:
            raise ValidationError(no_department(str(value)))
        if not self.queryset.filter(pk=found.pk).exists():
            raise ValidationError(f"You can only file records for your own department, not {found.name}.")
        return found


def import_form(form_class: type[forms.Form]) -> type[forms.Form]:
    """A record form that reads people by username and departments by code or name, as a
    spreadsheet names them."""

    class ImportForm(form_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if "owner" in self.fields:
                self.fields["owner"].to_field_name = "username"
                self.fields["owner"].error_messages["invalid_choice"] = "No person with that username."
            if "department" in self.fields:
                old = self.fields["department"]
                self.fields["department"] = DepartmentField(
                    queryset=old.queryset, required=old.required, label=old.label
                )

    ImportForm.__name__ = f"{form_class.__name__}Import"
    return ImportForm


_importers: dict[str, Importer] = {}


def importers() -> dict[str, Importer]:
    if not _importers:
        from .modules import collect

        _importers.update({i.key: i for i in collect("importers")})
    return _importers
