"""Import from the spreadsheets most shops keep their matrix in, through the kernel's import
(preview with errors beside each row, nothing saved until confirmed, the same file twice changes
nothing): people's training records, the competences each job role needs, and who holds which
job role. People are named by username, departments by code, competences by name (or COMP
reference), methods, results and levels as the screens show them."""

from __future__ import annotations

from django import forms

from qms import access
from qms.forms import people
from qms.imports import Column, Importer, department_of, no_department
from qms.rules import SHEET_DAY_FORMATS

from . import services
from .models import (
    Competence,
    JobRole,
    Level,
    Method,
    Result,
    RoleAssignment,
    RoleRequirement,
    TrainingFile,
    TrainingRecord,
)

DATE_FORMATS = SHEET_DAY_FORMATS


def _by_label(choices, text: str, what: str) -> str:
    wanted = (text or "").strip().lower()
    for value, label in choices:
        if wanted in (value.lower(), str(label).lower()):
            return value
    raise forms.ValidationError(
        f"Unknown {what} “{text}”: use " + ", ".join(str(label) for _, label in choices) + "."
    )


def _person(text: str):
    found = people().filter(username__iexact=(text or "").strip()).first()
    if found is None:
        raise forms.ValidationError(f"No person with the username “{text}”.")
    return found


def _competence(text: str) -> Competence:
    text = (text or "").strip()
    found = (
        Competence.objects.filter(reference__iexact=text).first()
        or Competence.objects.filter(title__iexact=text).first()
    )
    if found is None:
        raise forms.ValidationError(f"No competence “{text}” in the catalogue.")
    return found


def _level(text, *, lowest: int = 0) -> int:
    text = str(text or "").strip()
    if not text.isdigit() or not lowest <= int(text) <= Level.TRAINER:
        raise forms.ValidationError(f"Give a level from {lowest} to 3 (“{text}” is not on the scale).")
    return int(text)


class _RowForm(forms.Form):
    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)


class RecordRowForm(_RowForm):
    person = forms.CharField(max_length=150)
    competence = forms.CharField(max_length=200)
    trained_on = forms.DateField(input_formats=DATE_FORMATS)
    method = forms.CharField(max_length=40)
    trainer = forms.CharField(max_length=150, required=False)
    provider = forms.CharField(max_length=200, required=False)
    result = forms.CharField(max_length=40, required=False)
    level = forms.CharField(max_length=10)
    expires_on = forms.DateField(input_formats=DATE_FORMATS, required=False)

    def clean_person(self):
        return _person(self.cleaned_data["person"])

    def clean_competence(self):
        return _competence(self.cleaned_data["competence"])

    def clean_method(self):
        return _by_label(Method.choices, self.cleaned_data["method"], "method")

    def clean_trainer(self):
        text = self.cleaned_data.get("trainer", "")
        return _person(text) if text.strip() else None

    def clean_result(self):
        text = self.cleaned_data.get("result", "")
        return _by_label(Result.choices, text, "result") if text.strip() else Result.PASSED

    def clean_level(self):
        return _level(self.cleaned_data["level"])


def find_record(data: dict) -> TrainingRecord | None:
    return TrainingRecord.objects.filter(
        file__owner=data["person"],
        competence=data["competence"],
        trained_on=data["trained_on"],
        status="recorded",
    ).first()


def record_unchanged(existing: TrainingRecord, data: dict) -> bool:
    expected = {
        "method": data.get("method", existing.method),
        "level": data.get("level", existing.level),
        "result": data.get("result") or Result.PASSED,
        "trainer_id": data["trainer"].pk if data.get("trainer") else None,
        "provider": (data.get("provider") or "").strip(),
        "expires_on": data.get("expires_on") or services.expiry_of(existing.competence, existing.trained_on),
    }
    return all(getattr(existing, name) == value for name, value in expected.items())


class RequirementRowForm(_RowForm):
    job_role = forms.CharField(max_length=200)
    department = forms.CharField(max_length=20)
    competence = forms.CharField(max_length=200)
    level = forms.CharField(max_length=10)

    def clean_job_role(self):
        title = " ".join(self.cleaned_data["job_role"].split())
        if not title:
            raise forms.ValidationError("Name the job role.")
        return title

    def clean_department(self):
        found = department_of(self.cleaned_data["department"])
        if found is None:
            raise forms.ValidationError(no_department(self.cleaned_data["department"]))
        user = self.user
        if user is not None and not _files_every_department(user) and found.pk != user.department_id:
            # As the job role form offers: a head keeps their own department's job roles.
            raise forms.ValidationError(
                f"You can only file job roles for your own department, not {found.name}."
            )
        return found

    def clean_competence(self):
        return _competence(self.cleaned_data["competence"])

    def clean_level(self):
        return _level(self.cleaned_data["level"], lowest=1)


def _files_every_department(user) -> bool:
    """The quality manager and the training steward (HR) keep every department's job roles."""
    return user.is_quality_manager or access.is_steward(user, JobRole)


def find_requirement(data: dict) -> RoleRequirement | None:
    return RoleRequirement.objects.filter(
        job_role__title__iexact=data["job_role"],
        job_role__department=data["department"],
        competence=data["competence"],
    ).first()


class AssignmentRowForm(_RowForm):
    person = forms.CharField(max_length=150)
    job_role = forms.CharField(max_length=200)
    since = forms.DateField(input_formats=DATE_FORMATS)

    def clean_person(self):
        return _person(self.cleaned_data["person"])

    def clean(self):
        cleaned = super().clean()
        person, title = cleaned.get("person"), (cleaned.get("job_role") or "").strip()
        if person is not None and title:
            role = JobRole.objects.filter(title__iexact=title, department_id=person.department_id).first()
            if role is None:
                self.add_error(
                    "job_role", f"{person.department or 'Their department'} has no job role “{title}”."
                )
            else:
                cleaned["job_role"] = role
        return cleaned


def find_assignment(data: dict) -> RoleAssignment | None:
    return RoleAssignment.objects.filter(
        file__owner=data["person"], job_role=data["job_role"], status="held"
    ).first()


IMPORTERS = [
    Importer(
        "training.records",
        "Training records",
        TrainingFile,
        columns=(
            Column("Person", "person", help="username"),
            Column("Competence", "competence", help="name as in the catalogue"),
            Column("Date", "trained_on", help="2026-05-31"),
            Column("Method", "method", help="On the job, Classroom, Read and understand, External course"),
            Column("Trainer", "trainer", required=False, help="username; holds level 3"),
            Column("Provider", "provider", required=False, help="an external course's provider"),
            Column("Result", "result", required=False, help="Passed, Not passed, Not assessed"),
            Column("Level", "level", help="0 to 3"),
            Column("Expires", "expires_on", required=False, help="empty: from the competence"),
        ),
        form=RecordRowForm,
        find=find_record,
        save=services.record_import,
        unchanged=record_unchanged,
        done_url="/training/records/",
        help="People's existing training records, one row each. A person without a training file gets one.",
    ),
    Importer(
        "training.job_roles",
        "Job roles",
        JobRole,
        columns=(
            Column("Job role", "job_role"),
            Column("Department", "department", help="code or name"),
            Column("Competence", "competence", help="name as in the catalogue"),
            Column("Minimum level", "level", help="1 to 3"),
        ),
        form=RequirementRowForm,
        find=find_requirement,
        save=services.requirement_import,
        unchanged=lambda existing, data: existing.level == data.get("level", existing.level),
        done_url="/training/job-roles/",
        help="What each job role needs: one row per job role and competence. A new job role is created.",
    ),
    Importer(
        "training.assignments",
        "Job roles held",
        TrainingFile,
        columns=(
            Column("Person", "person", help="username"),
            Column("Job role", "job_role", help="a job role of the person's department"),
            Column("Since", "since", help="2026-05-31"),
        ),
        form=AssignmentRowForm,
        find=find_assignment,
        save=services.assignment_import,
        unchanged=lambda existing, data: existing.since == data.get("since", existing.since),
        done_url="/training/files/",
        help="Who holds which job role; each new one brings the training needs of its competences.",
    ),
]
