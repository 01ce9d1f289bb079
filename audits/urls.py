"""The audits module's pages: the overview at its root, programmes with their own questions, audits
with their checklist (each question a page of its own, for a tablet), findings, the report PDF; the
risk register with assessments and actions, and the proposals live signals make."""

from django.urls import path

from qms.views import child_urlpatterns, form_urlpatterns, record_urlpatterns

from . import services, views
from .forms import (
    AcceptForm,
    AnswerForm,
    AssessForm,
    AuditForm,
    ChecklistQuestionForm,
    FindingForm,
    PhotoForm,
    ProgrammeForm,
    ProposalForm,
    QuestionForm,
    ReportForm,
    RiskActionForm,
    RiskForm,
)
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
)

app_name = "audits"

urlpatterns = [
    path("", views.OverviewView.as_view(), name="overview"),
    *record_urlpatterns(
        Programme, form_class=ProgrammeForm, detail_view=views.ProgrammeDetailView, prefix="programmes"
    ),
    *child_urlpatterns(
        ProgrammeQuestion,
        prefix="questions",
        name="question",
        form=QuestionForm,
        add=True,
        edit=True,
        remove=True,
    ),
    *record_urlpatterns(
        Audit,
        form_class=AuditForm,
        list_view=views.AuditListView,
        detail_view=views.AuditDetailView,
        create_view=views.AuditCreateView,
        update_view=views.AuditUpdateView,
        prefix="audits",
    ),
    path("audits/<int:pk>/report.pdf", views.AuditReportPdfView.as_view(), name="audit_report_pdf"),
    *form_urlpatterns(
        Audit,
        name="report",
        form=ReportForm,
        service=services.audit_report,
        may=views.may_report,
        success="Report issued.",
    ),
    *child_urlpatterns(
        ChecklistItem,
        prefix="checklist",
        name="item",
        kw="item",
        form=ChecklistQuestionForm,
        add=services.checklist_question_add_row,
        edit_form=AnswerForm,
        edit=True,
        remove=True,
        detail_view=views.ItemDetailView,
    ),
    *child_urlpatterns(ChecklistPhoto, prefix="photos", name="photo", form=PhotoForm, add=True, remove=True),
    *record_urlpatterns(
        Finding,
        form_class=FindingForm,
        list_view=views.FindingListView,
        detail_view=views.FindingDetailView,
        create_view=views.FindingCreateView,
        prefix="findings",
    ),
    *record_urlpatterns(
        Risk,
        form_class=RiskForm,
        list_view=views.RiskListView,
        detail_view=views.RiskDetailView,
        create_view=views.RiskCreateView,
        update_view=views.RiskUpdateView,
        prefix="risks",
    ),
    *form_urlpatterns(
        Risk,
        name="assess",
        form=AssessForm,
        service=services.risk_assess,
        may=views.may_assess,
        success="Assessed.",
    ),
    *child_urlpatterns(
        RiskAction, prefix="actions", name="action", kw="action", form=RiskActionForm, add=True, edit=True
    ),
    *record_urlpatterns(
        Proposal,
        form_class=ProposalForm,
        list_view=views.ProposalListView,
        detail_view=views.ProposalDetailView,
        create_view=views.ProposalCreateView,
        prefix="proposals",
    ),
    *form_urlpatterns(
        Proposal,
        name="accept",
        form=AcceptForm,
        service=services.proposal_accept,
        may=views.may_decide,
        success="Accepted: the risk is linked and re-assessed.",
    ),
]
