"""Forms of document control. Each validates its own input and shows errors beside the fields;
the services re-check every rule, so a hand-crafted POST cannot skip one."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError

from qms.filters import RecordFilter
from qms.forms import BootstrapMixin, ChildForm, RecordForm, people
from qms.models import Department, Role
from qms.services import validate_upload

from .models import Document, DocumentType, PeriodicReview, ReviewStep, Revision
from .services import step_for, submit_date_problems, validate_label

ROLE_CHOICES = [(r.value, r.label) for r in Role if r not in (Role.AUDITOR,)]


class DocumentForm(RecordForm):
    distribution_roles = forms.MultipleChoiceField(
        label="Distribution: roles",
        choices=ROLE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Everyone holding the role gets each new revision to acknowledge.",
    )

    class Meta:
        model = Document
        fields = [
            "number",
            "title",
            "doc_type",
            "issuer",
            "scope",
            "owner",
            "department",
            "processes",
            "workstations",
            "review_period_months",
            "ack_days",
            "requires_training",
            "distribution_people",
            "distribution_departments",
            "distribution_roles",
        ]
        widgets = {"scope": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["distribution_people"].queryset = people()
        self.fields["distribution_people"].widget.attrs["size"] = 8
        self.fields["distribution_departments"].queryset = Department.objects.all()
        self.fields[
            "distribution_people"
        ].help_text = "Type a name to add each person; add as many as needed."
        self.fields["ack_days"].widget.attrs["placeholder"] = "company default"

    def clean_number(self):
        number = self.cleaned_data["number"].strip().upper()
        if not number:
            raise forms.ValidationError("Give the document number.")
        return number

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("doc_type") == DocumentType.EXTERNAL and not cleaned.get("issuer", "").strip():
            self.add_error("issuer", "Say who issues this external document (ISO, the customer …).")
        return cleaned

    def record_fields(self) -> dict:
        fields = super().record_fields()
        fields.pop("distribution_people", None)
        fields.pop("distribution_departments", None)
        return fields

    def distribution(self) -> dict:
        return {
            "distribution_people": self.cleaned_data.get("distribution_people") or [],
            "distribution_departments": self.cleaned_data.get("distribution_departments") or [],
        }


class _DraftForm(ChildForm):
    """A draft's label and change summary; the parent is the document (a new draft) or the
    revision (its draft edited)."""

    label = forms.CharField(label="Revision", max_length=20)
    change_summary = forms.CharField(
        label="Change summary",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text="What changed compared with the current revision, and why.",
    )
    document: Document
    revision: Revision | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        schemes = {"letters": "Letters: A, B, C …", "numbers": "Numbers: 1, 2, 3 …"}
        self.fields["label"].help_text = schemes.get(
            self.document.label_scheme, "The issuer's edition, e.g. 2024."
        )

    def clean_label(self):
        exclude = self.revision.pk if self.revision else None
        try:
            return validate_label(self.document, self.cleaned_data["label"], exclude_pk=exclude)
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["label"]) from exc


class RevisionCreateForm(_DraftForm):
    file = forms.FileField(
        label="File",
        required=False,
        help_text="The document itself (PDF preferred). More can be added later.",
    )

    def __init__(self, *args, parent: Document, **kwargs):
        self.document = parent
        super().__init__(*args, parent=parent, **kwargs)

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is not None:
            try:
                validate_upload(upload)
            except ValidationError as exc:
                raise forms.ValidationError(exc.messages) from exc
        return upload


class RevisionEditForm(_DraftForm):
    def __init__(self, *args, parent: Revision, **kwargs):
        self.document, self.revision = parent.document, parent
        super().__init__(*args, parent=parent, **kwargs)


class RevisionFileForm(ChildForm):
    file = forms.FileField(label="Add a file")


class SubmitForm(ChildForm):
    reviewers = forms.ModelMultipleChoiceField(
        queryset=people(), required=False, help_text="They sign “reviewed” first. Optional."
    )
    approvers = forms.ModelMultipleChoiceField(
        queryset=people(), help_text="They sign “approved” once every review is signed."
    )
    effective_date = forms.DateField(
        label="Effective date", required=False, help_text="Empty: effective as soon as it is approved."
    )
    respond_by = forms.DateField(label="Respond by", required=False, help_text="Default: in 7 days.")

    def __init__(self, *args, parent: Revision, **kwargs):
        super().__init__(*args, parent=parent, **kwargs)
        candidates = people().exclude(pk=parent.author_id)
        for name in ("reviewers", "approvers"):
            self.fields[name].queryset = candidates
            self.fields[name].widget.attrs["size"] = 8
            self.fields[name].error_messages["invalid_choice"] = (
                "Choose people from the list: the author cannot review or approve their own revision, "
                "and auditors cannot sign."
            )
        if parent.document.requires_quality_approval:
            self.fields["approvers"].help_text += " This document type needs the quality manager among them."

    def clean(self):
        cleaned = super().clean()
        problems = submit_date_problems(cleaned.get("effective_date"), cleaned.get("respond_by"))
        for name, problem in problems.items():
            self.add_error(name, problem)
        return cleaned


class SignForm(ChildForm):
    """Review or approval of a revision with an electronic signature (password and meaning)."""

    DECISIONS = [("sign", "Sign"), ("reject", "Reject and return to the author")]

    decision = forms.ChoiceField(choices=DECISIONS, widget=forms.RadioSelect, initial="sign")
    meaning = forms.ChoiceField(
        label="Meaning of my signature",
        choices=[("", "— choose —"), *ReviewStep.Meaning.choices],
        required=False,
        help_text="State what your signature means. Not needed when rejecting.",
    )
    reason = forms.CharField(
        label="Reason / remarks",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Required when rejecting.",
    )
    password = forms.CharField(
        label="Your password",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Re-enter your password to sign electronically.",
    )

    def __init__(self, *args, parent: Revision, user, **kwargs):
        super().__init__(*args, parent=parent, user=user, **kwargs)
        step = step_for(parent, user)
        if step is not None:
            self.fields["meaning"].choices = [("", "— choose —"), (step.meaning, step.meaning.label)]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "sign" and not cleaned.get("meaning"):
            self.add_error("meaning", "State the meaning of your signature.")
        if cleaned.get("decision") == "reject" and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", "Say why you reject it, so the author knows what to change.")
        return cleaned


class PeriodicReviewForm(ChildForm):
    outcome = forms.ChoiceField(choices=PeriodicReview.Outcome.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="What you checked and what you found.",
    )


class ChangeRequestForm(ChildForm):
    reason = forms.CharField(
        label="Requested change and why",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
    )


class ChangeRequestDecisionForm(ChildForm):
    decision = forms.ChoiceField(
        choices=[("accept", "Accept (open a new draft revision)"), ("reject", "Reject")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Reason", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "reject" and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", "Say why the change is rejected.")
        # The service takes the decision as ``accept`` (True / False).
        if "decision" in cleaned:
            cleaned["accept"] = cleaned.pop("decision") == "accept"
        return cleaned


class AcknowledgeForm(ChildForm):
    """ "I have read and understood": nothing to fill in, the button is the confirmation."""


class DocumentFilter(RecordFilter):
    doc_type = django_filters.ChoiceFilter(label="Type", choices=DocumentType.choices, empty_label="Any type")

    class Meta:
        model = Document
        fields: list[str] = []

    @classmethod
    def get_filters(cls):
        # The type first: people look for a drawing or a procedure before anything else.
        filters = super().get_filters()
        return {"doc_type": filters.pop("doc_type"), **filters}


class AckFilter(BootstrapMixin, forms.Form):
    department = forms.ModelChoiceField(
        queryset=Department.objects.all(), required=False, empty_label="Any department"
    )
    q = forms.CharField(label="Search", required=False, max_length=100)
    # One document's outstanding acknowledgments: the link under its page's shortened list.
    document = forms.ModelChoiceField(
        queryset=Document.objects.all(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "That document does not exist or is not yours to see."},
    )


class AckDueFilter(BootstrapMixin, forms.Form):
    """Which acknowledgments a figure counted: due between two days, of one department's people
    (or of those in none), as ``documents.kpis.ack_url`` writes it."""

    department = forms.ChoiceField(required=False)
    due_from = forms.DateField(label="Due from", required=False)
    due_to = forms.DateField(label="Due until", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        departments = [(str(pk), name) for pk, name in Department.objects.values_list("pk", "name")]
        self.fields["department"].choices = [
            ("", "Any department"),
            *departments,
            ("none", "No department"),
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("due_from"), data.get("due_to")
        if start and end and end < start:
            self.add_error("due_to", "The last day comes before the first.")
        return data
