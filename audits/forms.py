"""What people type in the audits module: the programme and its own questions, audits (scope, lead
auditor and team), checklist answers and photos, findings, the report; risks, their assessments
and actions, and the decision on a proposal. Errors show beside the field; services check again."""

from __future__ import annotations

from django import forms
from django.db.models import Q

from qms.forms import ChildForm, ChildModelForm, DateRuleMixin, RecordForm, people
from qms.models import Department, Process

from . import clauses
from .models import (
    Audit,
    ChecklistItem,
    ChecklistPhoto,
    Finding,
    Programme,
    ProgrammeQuestion,
    Proposal,
    Risk,
    RiskAction,
    scale,
)


class ProgrammeForm(RecordForm):
    due_what = "The end of the programme"

    class Meta:
        model = Programme
        fields = ["title", "year", "notes", "owner", "department", "due_date"]
        labels = {"owner": "Programme owner", "due_date": "Runs to"}


class QuestionForm(ChildModelForm):
    class Meta:
        model = ProgrammeQuestion
        fields = ["clause", "text"]


class AuditForm(RecordForm):
    due_what = "The planned date"
    clauses = forms.MultipleChoiceField(
        label="Clauses in scope",
        choices=clauses.CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text="The checklist asks a question of each (and the company's own questions of it).",
    )

    class Meta:
        model = Audit
        fields = [
            "title",
            "programme",
            "process",
            "clauses",
            "audited_departments",
            "criteria",
            "owner",
            "team",
            "due_date",
            "department",
        ]
        labels = {"owner": "Lead auditor", "due_date": "Planned for", "department": "Run by"}
        help_texts = {
            "owner": "Holds the internal-auditor competence; not from an audited department.",
            "team": "Each one holds the competence and is not from an audited department.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = Programme.objects.filter(
            Q(status="active") | Q(pk=self.instance.programme_id)
        ).order_by("-year")
        self.fields["team"].required = False
        self.fields["audited_departments"].widget = forms.CheckboxSelectMultiple()
        self.fields["audited_departments"].queryset = Department.objects.order_by("name")
        if self.instance.pk:
            self.initial.setdefault("clauses", list(self.instance.clauses))
            if self.instance.status != "planned":
                self.fields.pop("programme")
        for name in ("clauses", "audited_departments"):
            self.fields[name].widget.attrs["class"] = "list-unstyled columns-2"


class ChecklistQuestionForm(ChildModelForm):
    class Meta:
        model = ChecklistItem
        fields = ["clause", "question"]


class AnswerForm(ChildModelForm):
    """Answering a question during the audit: conforming, a finding, or not applicable."""

    class Meta:
        model = ChecklistItem
        fields = ["answer", "notes"]
        widgets = {"answer": forms.RadioSelect, "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["answer"].choices = [c for c in ChecklistItem.Answer.choices if c[0]]
        self.fields["answer"].required = True
        self.fields["answer"].error_messages["required"] = (
            "Choose an answer: conforming, a finding or not applicable."
        )


class PhotoForm(ChildModelForm):
    class Meta:
        model = ChecklistPhoto
        fields = ["file"]
        labels = {"file": "Photo or scanned record"}


class ReportForm(ChildForm):
    summary = forms.CharField(
        label="Summary",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="The audit's conclusion: how well the scope conforms, strengths, what was found.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.parent is not None and self.parent.summary and not self.is_bound:
            self.initial["summary"] = self.parent.summary  # a report reopened: issued again from it


class FindingForm(RecordForm):
    """A finding of an audit under way, filed for one of the departments it covers."""

    due_what = "The response date"
    due_not_past = True  # a finding is answered from now on: born overdue, it would mean nothing

    class Meta:
        model = Finding
        fields = ["audit", "item", "grade", "clause", "title", "evidence", "owner", "department", "due_date"]
        labels = {
            "owner": "Answered by (auditee)",
            "department": "Department audited",
            "due_date": "Response due",
        }
        widgets = {"evidence": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"evidence": "What was seen, where, which record: enough for anyone to find it again."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.user
        audits = Audit.objects.filter(status="in_progress")  # a report issued is reopened first
        if not user.is_quality_manager:
            audits = audits.filter(Q(owner=user) | Q(team=user)).distinct()
        self.fields["audit"].queryset = audits.order_by("-due_date")
        items = ChecklistItem.objects.filter(audit__in=audits).select_related("audit")
        chosen = self.data.get(self.add_prefix("audit")) if self.is_bound else self.initial.get("audit")
        if str(chosen or "").isdigit() and len(str(chosen)) < 12:
            items = items.filter(audit_id=int(chosen))  # the questions of the audit chosen
        self.fields["item"].queryset = items.order_by("audit", "position")
        self.fields["item"].label_from_instance = lambda i: f"{i.audit.reference} · {i.clause} {i.question}"
        self.fields["department"].queryset = Department.objects.order_by("name")
        self.fields["clause"].required = False  # required by the service, with its own message
        self.fields["evidence"].required = False
        if self.instance.pk:  # a finding stays with its audit
            self.fields.pop("audit"), self.fields.pop("item")

    def clean_department(self):
        # Filed for the audited department, not the auditor's own: the service checks the audit covers it.
        return self.cleaned_data.get("department")


class ProposalForm(RecordForm):
    """Who decides a proposal, and by when (the owner may hand it on)."""

    class Meta:
        model = Proposal
        fields = ["title", "text", "risk", "process", "owner", "department", "due_date"]
        labels = {"owner": "Decided by", "due_date": "Decide by", "risk": "Link to risk"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # what a record proposed stays as proposed; who decides may change
            self.fields.pop("risk"), self.fields.pop("process")
        else:
            self.fields["risk"].queryset = Risk.objects.filter(status="active").order_by("reference")


class RiskForm(RecordForm):
    due_what = "The next review"
    due_not_past = True  # a risk is reviewed from now on; born overdue, it would mean nothing

    class Meta:
        model = Risk
        fields = [
            "title",
            "kind",
            "process",
            "description",
            "likelihood",
            "severity",
            "owner",
            "department",
            "due_date",
        ]
        labels = {"due_date": "Next review", "owner": "Risk owner"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        top = scale()
        if "process" in self.fields and not self.user.is_quality_manager:
            # A head owns the risks of their own department's processes (its head re-assesses them).
            own = Q(department_id=self.user.department_id, active=True)
            self.fields["process"].queryset = Process.objects.filter(own | Q(pk=self.instance.process_id))
        if self.instance.pk:  # the score changes by an assessment, which keeps the trend
            self.fields.pop("likelihood"), self.fields.pop("severity")
        else:
            for name in ("likelihood", "severity"):
                self.fields[name].help_text = f"1 (lowest) to {top} (highest), the company's scale."
                self.fields[name].validators = []


class AssessForm(DateRuleMixin, ChildForm):
    """Re-assess a risk: a point of its trend."""

    likelihood = forms.IntegerField(label="Likelihood")
    severity = forms.IntegerField(label="Severity")
    note = forms.CharField(
        label="Why", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    next_review = forms.DateField(label="Next review", required=False)
    not_past_fields = ("next_review",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        top = scale()
        for name in ("likelihood", "severity"):
            self.fields[name].help_text = f"1 to {top}"
        if self.parent is not None and not self.is_bound:
            self.initial.update(likelihood=self.parent.likelihood, severity=self.parent.severity)


class RiskActionForm(DateRuleMixin, ChildModelForm):
    not_past_fields = ("due_date",)

    class Meta:
        model = RiskAction
        fields = ["title", "owner", "due_date", "note"]


class AcceptForm(ChildForm):
    """Accepting a proposal: the assessment now, and for a new risk its title, process and owner."""

    existing = forms.ModelChoiceField(
        label="A risk already in the register",
        queryset=Risk.objects.filter(status="active").order_by("reference"),
        required=False,
        help_text="Choose it to re-assess that risk instead of recording a new one.",
    )
    title = forms.CharField(label="or the title of a new risk", max_length=200, required=False)
    process = forms.ModelChoiceField(queryset=Process.objects.filter(active=True), required=False)
    owner = forms.ModelChoiceField(label="Risk owner", queryset=people(), required=False)
    likelihood = forms.IntegerField(label="Likelihood", required=False)
    severity = forms.IntegerField(label="Severity", required=False)
    note = forms.CharField(
        label="Assessment note", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        proposal = self.parent
        top = scale()
        for name in ("likelihood", "severity"):
            self.fields[name].help_text = f"1 to {top}"
        if proposal is not None and proposal.risk_id:
            for name in ("existing", "title", "process", "owner"):
                self.fields.pop(name)
            if not self.is_bound:
                self.initial.update(likelihood=proposal.risk.likelihood, severity=proposal.risk.severity)
        elif proposal is not None and not self.is_bound:
            self.initial.update(title=proposal.title, process=proposal.process_id, owner=proposal.owner_id)
