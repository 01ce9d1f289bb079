"""The training module's URLs: the kernel's record, child-row, form and register views, declared,
and the matrix and coverage pages (with the processes under their minimum coverage on a day)."""

from django.urls import path

from qms.views import child_urlpatterns, form_urlpatterns, record_urlpatterns

from . import forms, services, views
from .models import (
    Absence,
    Competence,
    Evaluation,
    JobRole,
    RoleAssignment,
    RoleDocument,
    RoleRequirement,
    TrainingEvidence,
    TrainingFile,
    TrainingNeed,
    TrainingRecord,
)

app_name = "training"

catalogue = [
    *record_urlpatterns(
        Competence,
        form_class=forms.CompetenceForm,
        list_view=views.CompetenceListView,
        detail_view=views.CompetenceDetailView,
        create_view=views.CompetenceCreateView,
        update_view=views.CompetenceUpdateView,
        prefix="competences",
    ),
    *record_urlpatterns(
        JobRole,
        form_class=forms.JobRoleForm,
        list_view=views.JobRoleListView,
        detail_view=views.JobRoleDetailView,
        create_view=views.JobRoleCreateView,
        update_view=views.JobRoleUpdateView,
        prefix="job-roles",
    ),
    *child_urlpatterns(
        RoleRequirement,
        prefix="requirements",
        name="requirement",
        kw="requirement",
        form=forms.RequirementForm,
        add=services.requirement_add,
        edit_form=forms.RequirementEditForm,
        edit=services.requirement_update,
        remove=services.requirement_remove,
    ),
    *child_urlpatterns(
        RoleDocument,
        prefix="documents",
        name="role_document",
        form=forms.RoleDocumentForm,
        add=services.role_document_add,
        remove=True,
    ),
]

files = [
    *record_urlpatterns(
        TrainingFile,
        form_class=forms.TrainingFileForm,
        list_view=views.TrainingFileListView,
        detail_view=views.TrainingFileDetailView,
        create_view=views.TrainingFileCreateView,
        update_view=views.TrainingFileUpdateView,
        prefix="files",
    ),
    *child_urlpatterns(
        RoleAssignment,
        prefix="roles",
        name="assignment",
        form=forms.RoleAssignmentForm,
        add=services.job_role_take,
    ),
    *child_urlpatterns(
        TrainingRecord,
        prefix="records",
        name="record",
        form=forms.TrainingRecordForm,
        add=services.training_record_add,
        may_add=services.may_record_training,
        detail_view=views.TrainingRecordDetailView,
    ),
    *child_urlpatterns(
        TrainingEvidence,
        prefix="evidence",
        name="evidence",
        form=forms.EvidenceForm,
        add=services.evidence_add,
    ),
    *child_urlpatterns(
        Evaluation,
        prefix="evaluations",
        name="evaluation",
        kw="evaluation",
        edit_form=forms.EvaluatorForm,
        edit=services.evaluation_reassign,
        steps=False,
    ),
    *form_urlpatterns(
        Evaluation,
        name="evaluate",
        form=forms.EvaluationForm,
        service=services.evaluation_record,
        kw="evaluation",
        may=services.may_evaluate,
        view=views.EvaluatePage,
    ),
    *child_urlpatterns(
        TrainingNeed, prefix="needs", name="need", form=forms.NeedForm, add=services.need_identify
    ),
    *child_urlpatterns(
        Absence,
        prefix="absences",
        name="absence",
        kw="absence",
        form=forms.AbsenceForm,
        add=services.absence_add,
        edit=services.absence_update,
        remove=services.absence_remove,
    ),
]

urlpatterns = [
    path("", views.MatrixView.as_view(), name="matrix"),
    path("coverage/", views.CoverageView.as_view(), name="coverage"),
    path("coverage/processes/", views.UnderCoverageView.as_view(), name="under_coverage"),
    path("records/", views.TrainingRecordListView.as_view(), name="record_register"),
    path("needs/", views.NeedListView.as_view(), name="need_register"),
    *catalogue,
    *files,
]
