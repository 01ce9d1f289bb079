"""Shared form behaviour: Bootstrap widgets with errors beside the fields, the record form with
its change reason, and the kernel's own small forms."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils import timezone

from .models import Department, Process, Role, User
from .rules import (
    DAY_FORMAT,
    NOT_A_DAY,
    PERIOD_MAX_DAYS,
    REASON_MAX,
    YEARS_BACK,
    check_date,
    check_happened,
    check_period,
    check_single_line,
)
from .services import reason_needed
from .uploads import validate_upload


def _single_line(value) -> None:
    check_single_line(str(value or ""))


FIRST_YEAR, LAST_YEAR = 1900, 2100


def _plausible_year(value: dt.date | None) -> None:
    """No date of a quality record lies before 1900 or after 2100: a year like 0001 or 9999 is a
    slip of the keyboard, and would sort first or last in every register and alert."""
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(
            f"Check the year: give a date between {FIRST_YEAR} and {LAST_YEAR}.", code="year"
        )


class BootstrapMixin:
    """Give every widget Bootstrap's classes, and mark invalid fields so the error shows beside it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .widgets import read_choices_once, use_pickers, use_quick_widgets

        use_pickers(self)
        read_choices_once(self)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.RadioSelect):
                # Radio buttons and checkbox lists (CheckboxSelectMultiple): the browser's own
                # boxes. Bootstrap's form-control would draw each as an empty text box, its check
                # hidden (``appearance: none``): nobody could see which decision is chosen.
                css = ""
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            else:
                css = "form-control"
            if isinstance(widget, forms.Textarea) and widget.attrs.get("rows") == "10":
                widget.attrs["rows"] = "3"  # Django's default is a page high; a note is a few lines
            if isinstance(widget, forms.DateInput) or isinstance(field, forms.DateField):
                widget.input_type = "date"
                widget.format = "%Y-%m-%d"
            if isinstance(field, forms.DateField) and not isinstance(field, forms.DateTimeField):
                if not isinstance(field.input_formats, list | tuple):
                    # Not a form's own list (an importer reads 10.02.2026 too): the date box sends
                    # the day as YYYY-MM-DD, and a day typed otherwise ("05/06/2026": May or June?)
                    # is refused in the format's words, as the filter bar refuses it.
                    field.input_formats = [DAY_FORMAT]
                    field.error_messages["invalid"] = NOT_A_DAY
                widget.attrs.setdefault("min", f"{FIRST_YEAR}-01-01")
                widget.attrs.setdefault("max", f"{LAST_YEAR}-12-31")
            # No look at self.errors here: that would validate the form before subclasses have
            # narrowed their fields; full_clean() marks invalid fields instead.
            widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()
            if isinstance(field, forms.CharField) and type(widget) is forms.TextInput:
                # A one-line field holds one line: names and titles reach PDFs and email headers.
                field.validators.append(_single_line)
        _number_limits(self)
        # Its boxes written straight to HTML (``qms.formhtml.form_html`` writes the rest): a page
        # offers several forms, and Django's two template renders per box were most of writing them.
        use_quick_widgets(self, selects=False)

    def full_clean(self):
        super().full_clean()
        # Last, so that a form's own date rule (``check_date``: "must lie between 2021 and 2036")
        # speaks first; this one catches what no rule of the form looked at.
        for name, field in self.fields.items():
            value = getattr(self, "cleaned_data", {}).get(name)
            if isinstance(field, forms.DateField) and isinstance(value, dt.date) and name not in self.errors:
                try:
                    _plausible_year(value)
                except ValidationError as exc:
                    self.add_error(name, exc)
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"


def _number_limits(form) -> None:
    """A number box says in the browser what the model allows (``min``/``max`` from its
    Min/MaxValueValidators): a review period of 0 months or 500 % humidity is stopped at the box,
    and the model's message beside the field stays the rule for what is sent anyway."""
    model = getattr(getattr(form, "_meta", None), "model", None)
    for name, field in form.fields.items():
        if not isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
            continue
        validators = list(field.validators)
        if model is not None:
            with contextlib.suppress(FieldDoesNotExist):
                validators += model._meta.get_field(name).validators
        attrs = field.widget.attrs
        for validator in validators:
            kind = type(validator)
            if kind not in (MinValueValidator, MaxValueValidator) or callable(validator.limit_value):
                continue
            limit = Decimal(str(validator.limit_value))
            attr, tighter = ("min", max) if kind is MinValueValidator else ("max", min)
            attrs[attr] = limit if attrs.get(attr) is None else tighter(Decimal(str(attrs[attr])), limit)


def people():
    """People who can own records: active, not auditors, not the system account."""
    return User.objects.filter(is_active=True, is_system=False).exclude(role=Role.AUDITOR)


def narrow_choices(form: forms.BaseForm) -> None:
    """Offer people who can own work (``people()``) wherever a form asks for a person, and active
    processes wherever it asks for a process (keeping the one a record already names)."""
    instance = getattr(form, "instance", None)
    for name, field in form.fields.items():
        model = getattr(getattr(field, "queryset", None), "model", None)
        if model is User:
            field.queryset = people()
        elif model is Process:
            current = getattr(instance, f"{name}_id", None)
            field.queryset = Process.objects.filter(Q(active=True) | Q(pk=current))


class RecordForm(BootstrapMixin, forms.ModelForm):
    """Base form for every record model. Adds the change reason, required once a record is past
    draft, and keeps department heads and staff to their own department."""

    reason = forms.CharField(
        label="Reason for change",
        required=False,
        max_length=REASON_MAX,
        help_text="Recorded in the history. Required once the record is past draft.",
    )

    def __init__(self, *args, user: User, source_department: int | None = None, **kwargs):
        """``source_department``: the department of the record this one is raised from (an audit
        finding's, for the CAPA its auditor raises), which it may be filed for too."""
        self.user = user
        self.source_department = source_department
        super().__init__(*args, **kwargs)
        narrow_choices(self)
        if "department" in self.fields and not self._files_anywhere():
            # Own department only (and the record's, when editing, or its source's when raised
            # from one).
            self.fields["department"].queryset = Department.objects.filter(pk__in=self._departments_allowed())
        if not (self.instance.pk and reason_needed(self.instance)):
            self.fields.pop("reason")
        else:
            self.fields["reason"].required = True
            self.fields["reason"].widget.attrs["required"] = True

    # "The due date" as the form's label reads; the module says when it must not be in the past.
    due_what = "The due date"
    due_not_past = False

    def clean_due_date(self):
        """A due date set or changed must be plausible (``qms.rules.check_date``); an unchanged
        date (an old, overdue record) is left alone."""
        due = self.cleaned_data.get("due_date")
        if due is None or due == getattr(self.instance, "due_date", None):
            return due
        return check_date(due, what=self.due_what, not_past=self.due_not_past)

    def clean_title(self):
        # A title is printed in lists, PDFs and email subjects: one line of plain text.
        return check_single_line(self.cleaned_data.get("title", ""), what="The title")

    def _files_anywhere(self) -> bool:
        """The quality manager files records for any department, and so do top management and the
        administrator when they belong to none (a form offering no department saved nothing);
        anyone else without a department files none."""
        user = self.user
        company_wide = user.role in (Role.TOP_MANAGEMENT, Role.ADMINISTRATOR) and user.department_id is None
        return user.is_quality_manager or company_wide

    def _departments_allowed(self) -> list[int]:
        candidates = (
            self.user.department_id,
            getattr(self.instance, "department_id", None),
            self.source_department,
        )
        return [d for d in candidates if d is not None]

    def clean_department(self):
        department = self.cleaned_data.get("department")
        if department and not self._files_anywhere() and department.pk not in self._departments_allowed():
            raise forms.ValidationError("You can only file records for your own department.")
        return department

    def record_fields(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "reason" and k in self._meta.fields}


class LoginForm(BootstrapMixin, AuthenticationForm):
    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.access_expired:
            raise forms.ValidationError(
                f"This account expired on {user.access_expires_on:%-d %b %Y}. "
                "Ask the company’s administrator to extend it.",
                code="expired",
            )


class AttachmentForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label="File")
    description = forms.CharField(max_length=200, required=False)

    def clean_file(self):
        # Checked here too (the service checks again), so a refused file is reported beside the
        # field even when another field is wrong as well.
        upload = self.cleaned_data["file"]
        validate_upload(upload)
        return upload


class CommentForm(BootstrapMixin, forms.Form):
    text = forms.CharField(label="Comment", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class LinkForm(BootstrapMixin, forms.Form):
    target = forms.CharField(
        label="Link to record", max_length=30, help_text="Reference number, e.g. CAPA-2026-0007."
    )
    note = forms.CharField(max_length=200, required=False)


class TransitionForm(forms.Form):
    transition = forms.CharField(max_length=50)
    reason = forms.CharField(max_length=REASON_MAX, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=REASON_MAX)


class ChildForm(BootstrapMixin, forms.Form):
    """A form about a child row, or a form action on an object's page; the kernel's views pass
    the parent (or the object) and the user."""

    def __init__(self, *args, parent=None, user=None, **kwargs):
        self.parent, self.user = parent, user
        super().__init__(*args, **kwargs)
        narrow_choices(self)


class ChildModelForm(BootstrapMixin, forms.ModelForm):
    """A model form about a child row (to add one, or on its edit page); takes the parent and the
    user too."""

    def __init__(self, *args, parent=None, user=None, **kwargs):
        self.parent, self.user = parent, user
        super().__init__(*args, **kwargs)
        narrow_choices(self)


class SignatureForm(ChildForm):
    """An electronic signature on an object's page: the signer's password (see
    ``qms.services.signature_sign``)."""

    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Your password signs it; the signature is void if what you signed changes.",
    )


class DateRuleMixin:
    """Checks every date field of a form with the one date rule; ``not_past_fields`` names the
    fields that must not lie in the past (a new action's due date). On an edit, a date left as it
    was is left alone: an overdue row can still be updated without moving its due date."""

    not_past_fields: tuple[str, ...] = ()
    # Fields that record what happened (measured on, evaluated on): never a day still to come.
    not_future_fields: tuple[str, ...] = ()
    # Fields that may lie further back than the rule's five years (a supplier's last audit).
    years_back: dict[str, int] = {}

    def clean(self):
        data = super().clean()
        instance = getattr(self, "instance", None)
        for name, field in self.fields.items():
            value = data.get(name)
            if instance is not None and instance.pk and value == getattr(instance, name, None):
                continue
            if isinstance(field, forms.DateField) and value is not None and name not in self.errors:
                what = str(field.label or "The date")
                try:
                    check_date(
                        value,
                        what=what,
                        not_past=name in self.not_past_fields,
                        years_back=self.years_back.get(name, YEARS_BACK),
                    )
                    if name in self.not_future_fields:
                        check_happened(value)
                except ValidationError as exc:
                    self.add_error(name, exc)
        return data


class ProfileForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "receive_alerts", "receive_digest"]

    # A name is printed on signatures, PDFs and email headers: one line of plain text.
    def clean_first_name(self):
        return check_single_line(self.cleaned_data.get("first_name", ""), what="The first name")

    def clean_last_name(self):
        return check_single_line(self.cleaned_data.get("last_name", ""), what="The last name")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The name is printed on every signature and PDF: it is never left empty.
        for name in ("first_name", "last_name"):
            self.fields[name].required = True
            self.fields[name].error_messages["required"] = f"Give your {self.fields[name].label.lower()}."

    def clean(self):
        data = super().clean()
        wants = data.get("receive_alerts") or data.get("receive_digest")
        if wants and not (data.get("email") or "").strip() and "email" not in self.errors:
            self.add_error("email", "Alerts and the digest go by email: give an address, or turn them off.")
        return data


class PeriodForm(BootstrapMixin, forms.Form):
    """A period for a report or a chart: the one period rule (``qms.rules.check_period``); empty
    dates mean the last ``default_days`` up to today."""

    date_from = forms.DateField(label="From", required=False)
    date_to = forms.DateField(label="To", required=False)
    max_days = PERIOD_MAX_DAYS
    default_days = 365

    def clean(self):
        data = super().clean()
        try:
            check_period(data.get("date_from"), data.get("date_to"), max_days=self.max_days)
        except ValidationError as exc:
            for field, errors in exc.error_dict.items():
                if field not in self.errors:
                    self.add_error(field, errors)
        return data

    def period(self) -> tuple[dt.date, dt.date]:
        data = getattr(self, "cleaned_data", {})
        end = data.get("date_to") or timezone.localdate()
        start = data.get("date_from") or end - dt.timedelta(days=self.default_days)
        return start, end


class AuditPackForm(PeriodForm):
    """What goes into an audit pack: sections and a period, at most ``AUDIT_PACK_MAX_DAYS`` long
    (auditors may send it: a pack request is bookkeeping of a read, see ``qms.access``)."""

    sections = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, label="Sections")
    date_from = forms.DateField(label="From")
    date_to = forms.DateField(label="To")

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_days = int(getattr(settings, "AUDIT_PACK_MAX_DAYS", PERIOD_MAX_DAYS))
        self.fields["sections"].choices = choices
        self.fields["sections"].widget.attrs["class"] = "form-check-input"


class ProcessForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Process
        fields = ["name", "department", "description", "active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def clean_name(self):
        return check_single_line(self.cleaned_data["name"], what="The name")
