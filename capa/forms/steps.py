"""Forms on the NCR and CAPA pages that do more than a button: the disposition, the root cause,
an 8D text, moving to verification with the effectiveness check planned, re-planning it, closing
with the 10.2.1 e–f answers and signing the check off. The kernel's form actions give each its
parent (the NCR, the CAPA or the check) and the user."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from qms import access
from qms.forms import ChildForm, DateRuleMixin, people
from qms.rules import REASON_MAX

from ..models import CauseCategory, Discipline, EffectivenessCheck, Nonconformity
from ..services import change_requests_available, check_verifier

YES_NO = [("", "— choose —"), ("yes", "Yes"), ("no", "No")]


class DispositionForm(ChildForm):
    prefix = "disposition"

    disposition = forms.ChoiceField(
        label="Disposition of the nonconforming product",
        choices=[("", "— choose —"), *Nonconformity.Disposition.choices],
    )
    note = forms.CharField(
        label="Decision note",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For a concession: who granted it and its reference.",
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("disposition") == Nonconformity.Disposition.CONCESSION
            and not data.get("note", "").strip()
        ):
            self.add_error("note", "A concession needs a note: who granted it and its reference.")
        return data


class RootCauseForm(ChildForm):
    prefix = "rootcause"

    root_cause = forms.CharField(
        label="Root cause", max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    cause_category = forms.ChoiceField(
        label="Root cause category (6M)", choices=[("", "— choose —"), *CauseCategory.choices]
    )

    def __init__(self, *args, parent=None, **kwargs):
        if parent is not None:
            kwargs.setdefault(
                "initial", {"root_cause": parent.root_cause, "cause_category": parent.cause_category}
            )
        super().__init__(*args, parent=parent, **kwargs)


class DisciplineForm(ChildForm):
    """The text of one 8D discipline; offered on the first one not yet written."""

    prefix = "discipline"

    discipline = forms.ChoiceField(label="Discipline", choices=Discipline.D.choices)
    text = forms.CharField(label="Text for the 8D report", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, parent=None, **kwargs):
        if parent is not None and not args:
            written = set(parent.disciplines.values_list("discipline", flat=True))
            missing = next((d for d in Discipline.D.values if d not in written), "D1")
            kwargs.setdefault("initial", {"discipline": missing})
        super().__init__(*args, parent=parent, **kwargs)


class _CheckPlanFields(DateRuleMixin, ChildForm):
    """When the effectiveness check is due, what shows the fix worked, and who judges it (on a
    CAPA or on its pending check: never the CAPA owner)."""

    planned_date = forms.DateField(
        label="Effectiveness check due on", help_text="Usually some months after the actions."
    )
    criteria = forms.CharField(
        label="Effectiveness criteria",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What must be true for the fix to count as effective, e.g. “no bore rejects in the "
        "next 10 lots”.",
    )
    verifier = forms.ModelChoiceField(
        label="Verifier",
        queryset=people(),
        help_text="Who will judge the result: not the CAPA owner, nor the owner of one of its "
        "corrective or preventive actions.",
    )

    def clean_verifier(self):
        """The picker finds everyone: the service's rule on who may verify (never the CAPA owner
        nor an owner of its corrective or preventive actions) said beside the field, rather than
        "not one of the available choices" or a name silently missing from the list."""
        verifier = self.cleaned_data.get("verifier")
        if verifier is not None and self.parent is not None:
            try:
                check_verifier(self.parent.root, verifier)
            except ValidationError as refused:
                said = refused.message_dict.get("verifier") if hasattr(refused, "error_dict") else None
                raise forms.ValidationError(said or refused.messages) from None
        return verifier

    def clean_planned_date(self):
        value = self.cleaned_data.get("planned_date")
        if value and value <= timezone.localdate():
            raise forms.ValidationError("The effectiveness check must be planned in the future.")
        return value


class VerifyForm(_CheckPlanFields):
    """Actions finished: plan the effectiveness check and move to verification."""

    prefix = "verify"

    reason = forms.CharField(label="Note for the history", required=False, max_length=REASON_MAX)


class CheckPlanForm(_CheckPlanFields):
    """Re-plan the pending effectiveness check."""

    prefix = "plan"

    def __init__(self, *args, parent=None, **kwargs):
        if parent is not None:
            kwargs.setdefault(
                "initial",
                {
                    "planned_date": parent.planned_date,
                    "criteria": parent.criteria,
                    "verifier": parent.verifier_id,
                },
            )
        super().__init__(*args, parent=parent, **kwargs)


def _yes_no(label: str) -> forms.TypedChoiceField:
    """A question answered yes or no, with no answer chosen yet."""
    return forms.TypedChoiceField(label=label, choices=YES_NO, coerce=lambda value: value == "yes")


def _which(label: str) -> forms.CharField:
    """What a "yes" is about (required with it: see ``CloseForm.clean``)."""
    return forms.CharField(
        label=label, required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CloseForm(ChildForm):
    """Closing asks the questions of ISO 9001 10.2.1 e–f."""

    prefix = "close"

    risks_change = _yes_no("Must risks and opportunities be updated? (10.2.1 e)")
    risks_note = _which("Which risks or opportunities")
    risks_note.help_text = (
        "Name them by reference (RISK-2026-0003) or describe a new one: the risk register proposes a "
        "link to each, or a new risk, to its owner."
    )
    documents_change = _yes_no("Must documents (procedures, drawings, work instructions) change? (10.2.1 f)")
    documents_note = _which("Which documents and how")
    document = forms.CharField(
        label="Raise a change request for document",
        required=False,
        max_length=30,
        help_text="Optional: the document's reference number; document control gets a change request.",
    )
    reason = forms.CharField(label="Closing note", required=False, max_length=REASON_MAX)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not change_requests_available():
            self.fields.pop("document")

    def clean_document(self):
        from qms.registry import find_by_reference

        reference = self.cleaned_data.get("document", "").strip()
        if not reference:
            return None
        found = find_by_reference(reference)
        if found is None or found._meta.app_label != "documents" or not access.can_view(self.user, found):
            raise forms.ValidationError("No document with that reference that you can see.")
        return found

    def clean(self):
        data = super().clean()
        if data.get("risks_change") and not data.get("risks_note", "").strip():
            self.add_error("risks_note", "Say which risks or opportunities must be updated.")
        if data.get("documents_change") and not data.get("documents_note", "").strip():
            self.add_error("documents_note", "Say which documents must change and how.")
        if data.get("document") and not data.get("documents_change"):
            self.add_error("document", "A change request is only raised when documents must change.")
        return data


class CheckResultForm(ChildForm):
    prefix = "check"

    result = forms.ChoiceField(
        label="Result",
        choices=[
            ("", "— choose —"),
            (EffectivenessCheck.Result.EFFECTIVE, "Effective"),
            (EffectivenessCheck.Result.NOT_EFFECTIVE, "Not effective (reopens the CAPA)"),
        ],
    )
    notes = forms.CharField(
        label="Findings",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What was checked against the criteria, and what was found.",
    )
    early_reason = forms.CharField(
        label="Why judge it before its due date",
        required=False,
        max_length=1000,
        help_text="Needed only when you sign before the date the check is due; kept in the history.",
    )
    password = forms.CharField(
        label="Your password (electronic signature)",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Signing records your name, the time and what you signed, as an approval does.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.parent is not None and self.parent.planned_date <= timezone.localdate():
            self.fields.pop("early_reason")  # due: no reason asked
