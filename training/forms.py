"""Forms of the training module: each checks what a person types and shows the error beside the
field; the services check every rule again, so a hand-made POST skips none."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from documents.models import Document, Revision
from qms.forms import BootstrapMixin, ChildForm, ChildModelForm, DateRuleMixin, RecordForm, people
from qms.models import Department, Process
from qms.rules import REASON_MAX

from .models import (
    Absence,
    Competence,
    Evaluation,
    JobRole,
    Level,
    Method,
    Result,
    RoleRequirement,
    TrainingFile,
)
from .models.catalogue import REQUIRED_LEVELS

LEVEL_ERROR = "Choose a level on the scale 0 to 3."


def level_field(
    *, required: bool, choices=Level.choices, label: str = "Level", **kwargs
) -> forms.TypedChoiceField:
    field = forms.TypedChoiceField(
        label=label,
        choices=([] if required else [("", "—")]) + list(choices),
        coerce=int,
        empty_value=None,
        required=required,
        **kwargs,
    )
    field.error_messages["invalid_choice"] = (
        LEVEL_ERROR if choices == Level.choices else "Choose a level between 1 and 3."
    )
    return field


def active_competences():
    return Competence.objects.filter(status="active").order_by("title")


# --- the catalogue --------------------------------------------------------------------------


class CompetenceForm(RecordForm):
    class Meta:
        model = Competence
        fields = [
            "title",
            "process",
            "workstation",
            "description",
            "evidence",
            "requalify_months",
            "min_coverage",
            "authorises",
            "instrument_type",
            "owner",
        ]
        labels = {"title": "Name"}
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def clean_title(self):
        title = super().clean_title().strip()
        clash = Competence.objects.filter(title__iexact=title).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(
                f"A competence with this name exists already: {clash.first().reference}."
            )
        return title

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("authorises") == "calibration" and not (cleaned.get("instrument_type") or "").strip():
            self.add_error("instrument_type", "Name the instrument type this competence allows calibrating.")
        return cleaned


class JobRoleForm(RecordForm):
    class Meta:
        model = JobRole
        fields = ["title", "department", "description", "owner"]
        labels = {"title": "Name"}
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        cleaned = super().clean()
        title, department = (cleaned.get("title") or "").strip(), cleaned.get("department")
        clash = JobRole.objects.filter(title__iexact=title, department=department).exclude(
            pk=self.instance.pk
        )
        if title and department is not None and clash.exists():
            self.add_error("title", f"{department} has a job role of that name already.")
        return cleaned


class RequirementForm(ChildForm):
    competence = forms.ModelChoiceField(queryset=active_competences())
    level = level_field(
        required=True, choices=REQUIRED_LEVELS, label="Minimum level", initial=Level.QUALIFIED
    )


class RequirementEditForm(ChildModelForm):
    level = level_field(required=True, choices=REQUIRED_LEVELS, label="Minimum level")

    class Meta:
        model = RoleRequirement
        fields = ["level"]


class RoleDocumentForm(ChildForm):
    document = forms.ModelChoiceField(
        queryset=Document.objects.exclude(status="obsolete").order_by("number"),
        help_text="When its revisions require training, each new one is a training need for the holders.",
    )


# --- the training file ----------------------------------------------------------------------


class TrainingFileForm(RecordForm):
    class Meta:
        model = TrainingFile
        fields = ["owner", "note"]
        labels = {"owner": "Person"}
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def clean_owner(self):
        from qms import access

        person = self.cleaned_data["owner"]
        existing = TrainingFile.objects.filter(owner=person).first()
        if existing is not None:
            raise forms.ValidationError(f"{person} has a training file already: {existing.reference}.")
        if not person.department_id:
            raise forms.ValidationError(f"{person} belongs to no department: give them one first.")
        keeps_all = self.user.is_quality_manager or access.is_steward(self.user, TrainingFile)
        if not keeps_all and person.department_id != self.user.department_id:
            raise forms.ValidationError("You keep the training files of your own department's people only.")
        return person


class TrainingFileEditForm(RecordForm):
    class Meta:
        model = TrainingFile
        fields = ["note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}


class RoleAssignmentForm(DateRuleMixin, ChildForm):
    prefix = "role"  # the file's page has several forms: their fields' ids must not clash
    job_role = forms.ModelChoiceField(queryset=JobRole.objects.none(), label="Job role")
    since = forms.DateField(label="Held since", initial=timezone.localdate)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        department = getattr(self.parent, "department_id", None)
        self.fields["job_role"].queryset = JobRole.objects.filter(status="active", department_id=department)
        self.fields["job_role"].error_messages["invalid_choice"] = (
            "Choose one of the job roles of the person's department."
        )


class TrainingRecordForm(ChildForm):
    """A training as it happened. Its dates are checked by the service: a training may lie many
    years back (a certificate from before the company used this system), never in the future."""

    prefix = "record"

    competence = forms.ModelChoiceField(queryset=active_competences(), required=False)
    revision = forms.ModelChoiceField(
        queryset=Revision.objects.filter(status="effective")
        .select_related("document")
        .order_by("document__number"),
        required=False,
        label="or a document revision",
        help_text="Training on a document (read and understand) instead of a competence.",
    )
    trained_on = forms.DateField(label="Date", initial=timezone.localdate)
    method = forms.ChoiceField(choices=Method.choices)
    trainer = forms.ModelChoiceField(
        queryset=people(), required=False, help_text="Must hold level 3 in the competence."
    )
    provider = forms.CharField(label="or external provider", max_length=200, required=False)
    result = forms.ChoiceField(label="Assessment result", choices=Result.choices)
    level = level_field(required=False, label="Resulting level")
    expires_on = forms.DateField(
        label="Expires",
        required=False,
        help_text="Empty: computed from the competence's requalification period.",
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=5000, required=False)
    evidence = forms.FileField(
        label="Evidence", required=False, help_text="Certificate, attendance list, signed assessment."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trainer"].queryset = people()


class EvidenceForm(ChildForm):
    file = forms.FileField(label="Add evidence")


class EvaluationForm(ChildForm):
    result = forms.ChoiceField(
        label="Was the training effective?",
        choices=[
            ("effective", "Effective: the person does the work as trained"),
            ("not_effective", "Not effective: train again"),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="What was observed",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=REASON_MAX,
        required=False,
        help_text="Required when not effective.",
    )
    password = forms.CharField(
        label="Your password",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Signs the evaluation electronically.",
    )


class EvaluatorForm(ChildModelForm):
    """Who judges a pending evaluation: the head by default, someone else they hand it to."""

    class Meta:
        model = Evaluation
        fields = ["evaluator"]
        labels = {"evaluator": "Evaluated by"}


class NeedForm(DateRuleMixin, ChildForm):
    prefix = "need"
    not_past_fields = ("due_date",)

    competence = forms.ModelChoiceField(queryset=active_competences())
    level = level_field(required=True, choices=REQUIRED_LEVELS, label="To level", initial=Level.QUALIFIED)
    due_date = forms.DateField(label="Due date")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=REASON_MAX, required=False)


class AbsenceForm(DateRuleMixin, ChildModelForm):
    prefix = "absence"

    class Meta:
        model = Absence
        fields = ["starts_on", "ends_on"]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("starts_on"), cleaned.get("ends_on")
        if start and end and end < start and "ends_on" not in self.errors:
            self.add_error("ends_on", "The absence ends before it starts.")
        return cleaned


# --- pages that choose what to show -----------------------------------------------------------


class ScopeForm(BootstrapMixin, forms.Form):
    """Which matrix or coverage: a department or a process (within what the user may see)."""

    department = forms.ModelChoiceField(queryset=Department.objects.none(), required=False, empty_label="—")
    process = forms.ModelChoiceField(queryset=Process.objects.none(), required=False, empty_label="—")

    def __init__(self, *args, departments, processes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["process"].queryset = processes


class MatrixForm(ScopeForm):
    """The matrix's department or process, narrowed, when asked, to the requalifications falling
    due in one month (or already expired): the bars of the coverage page open it so."""

    expires = forms.ChoiceField(label="Requalification due", required=False)

    def __init__(self, *args, months: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expires"].choices = [
            ("", "—"),
            ("expired", "Expired"),
            *((f"{m:%Y-%m}", f"{m:%b %Y}") for m in months),
        ]
