"""Pages of internal audits: the programme of a year (with the frequency each process should have),
audits with their checklist, a question's page (answer, photos, record a finding), findings with
the NCR or CAPA they raised, and the audit report as PDF."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone

from qms import access
from qms.filters import RecordFilter, StandingOn, date_range
from qms.models import Department
from qms.pdf import pdf_response, render_pdf
from qms.views import (
    EDIT_FORM,
    ChildDetailView,
    QMSView,
    RecordCreateView,
    RecordDetailView,
    RecordListView,
    RecordScopeMixin,
    RecordUpdateView,
)

from .. import clauses, selectors, services
from ..forms import AnswerForm
from ..models import Audit, ChecklistItem, Finding, Programme


class ProgrammeDetailView(RecordDetailView):
    def extra_context_for(self, record, forms):
        audits = list(
            access.restrict(record.audits.all(), self.request.user)
            .select_related("owner", "process")
            .order_by("due_date", "pk")
        )
        planned: dict[int | None, int] = {}
        for a in audits:
            if a.status != "cancelled":
                planned[a.process_id] = planned.get(a.process_id, 0) + 1
        rows = selectors.suggestions(record.year)
        for row in rows:
            row["planned"] = planned.get(row["process"].pk, 0)
            row["short"] = row["planned"] < 12 // row["months"]
        return {
            "audits": audits,
            "suggestions": rows,
            "may_plan": access.can_create(self.request.user, Audit) and not record.is_closed,
        }


class AuditFilter(RecordFilter):
    """The audit register's filters: the kernel's (the department is the one running the audit),
    the department audited, the planned dates, and whether an audit was on schedule: what the
    figure "internal audits done on schedule" of a month and a department opens."""

    audited = django_filters.ModelChoiceFilter(
        label="Department audited",
        queryset=Department.objects.all(),
        method="filter_audited",
        empty_label="Any department audited",
    )
    planned_from, planned_to = date_range("due_date", "Planned")
    on_schedule = django_filters.ChoiceFilter(
        label="On schedule",
        choices=[
            (selectors.JUDGED, "Started, or its date passed"),
            ("yes", "Started by its date"),
            ("no", "Not started by its date"),
        ],
        method="filter_on_schedule",
        empty_label="Any",
    )

    class Meta:
        model = Audit
        fields = ["status", "department", "owner", "overdue"]

    def filter_audited(self, queryset, name, value):
        return queryset.filter(selectors.audits_of(value))

    def filter_on_schedule(self, queryset, name, value):
        """The audits the figure judged (not cancelled, planned, and started by their date or
        past it), or of them those on schedule ("yes") or late ("no")."""
        judged = selectors.schedule_judged(queryset)
        if value == "yes":
            return judged.filter(selectors.ON_SCHEDULE)
        if value == "no":
            return judged.exclude(selectors.ON_SCHEDULE)
        return judged


class AuditListView(RecordListView):
    title = "Internal audits"
    filterset_class = AuditFilter
    select_related = ("owner", "process", "programme")
    columns = [
        ("reference", "Reference"),
        ("title", "Title"),
        ("status", "Status"),
        ("process", "Process"),
        ("owner", "Lead auditor"),
        ("due_date", "Planned for"),
        ("started_on", "Started"),
        ("reported_on", "Reported"),
    ]


class AuditCreateView(RecordCreateView):
    def get_initial(self):
        initial = super().get_initial()
        programme = Programme.objects.filter(status="active").order_by("-year").first()
        wanted = self.request.GET.get("programme", "")
        if wanted.isdigit() and len(wanted) < 12:
            programme = Programme.objects.filter(pk=int(wanted)).first() or programme
        if programme is not None:
            initial["programme"] = programme.pk
        initial["criteria"] = "ISO 9001:2015, the company's procedures and work instructions"
        return initial

    def create(self, form):
        return services.audit_plan(by=self.request.user, **form.record_fields())


class AuditUpdateView(RecordUpdateView):
    def update(self, form):
        data = form.cleaned_data
        return services.audit_update(
            audit=form.instance,
            by=self.request.user,
            reason=data.get("reason", ""),
            clauses=data["clauses"],
            audited_departments=data["audited_departments"],
            team=data["team"],
        )


def may_report(user, audit: Audit) -> bool:
    return access.can_change(user, audit) and audit.status == "in_progress"


class AuditDetailView(RecordDetailView):
    def extra_context_for(self, record, forms):
        items = list(record.items.order_by("position", "pk").prefetch_related("photos"))
        user = self.request.user
        # The findings the user may see, as on the report (never the bare relation).
        findings = list(
            access.restrict(record.findings.all(), user)
            .select_related("owner", "department", "item")
            .order_by("clause", "reference")
        )
        raised = selectors.raised_for(findings, user)
        answered = sum(1 for i in items if i.answer)
        return {
            "items": items,
            "answered": answered,
            "findings": [(f, raised.get(f.pk, [])) for f in findings],
            "departments": list(record.audited_departments.order_by("name")),
            "team": list(record.team.order_by("last_name", "first_name")),
            "may_answer": access.can_change(user, record)
            and record.status == "in_progress"
            and not user.is_auditor,
            "may_find": services.may_record_finding(user, record),
        }


class ItemDetailView(ChildDetailView):
    """A checklist question on its own page, sized for a tablet: answer it, add photos, record a
    finding from it. An answer refused is shown here again, beside the answer buttons."""

    edit_on_page = True

    def extra_context_for(self, row, forms):
        user = self.request.user
        audit = row.audit
        may_answer = access.can_change(user, audit) and audit.status == "in_progress" and not user.is_auditor
        siblings = list(audit.items.order_by("position", "pk").values_list("pk", flat=True))
        at = siblings.index(row.pk)
        return {
            "answer_form": forms.get(EDIT_FORM)
            or (AnswerForm(instance=row, parent=audit, user=user) if may_answer else None),
            "may_find": services.may_record_finding(user, audit),
            "previous": audit.items.get(pk=siblings[at - 1]) if at > 0 else None,
            "next": audit.items.get(pk=siblings[at + 1]) if at + 1 < len(siblings) else None,
            "findings": list(access.restrict(row.findings.all(), user)),
            "position": at + 1,
            "count": len(siblings),
            "clause_title": clauses.TITLES.get(row.clause, ""),
        }


class AuditReportPdfView(RecordScopeMixin, QMSView):
    """The audit report: scope, team, summary and the findings by clause, as the user may see them."""

    model = Audit

    def get(self, request, pk):
        audit = get_object_or_404(self.get_queryset().select_related("owner", "process", "programme"), pk=pk)
        findings = list(
            access.restrict(audit.findings.all(), request.user)
            .select_related("owner", "department")
            .order_by("clause", "reference")
        )
        raised = selectors.raised_for(findings, request.user)
        by_clause: dict[str, list] = {}
        for f in sorted(findings, key=lambda f: clauses.sort_key(f.clause or "99")):
            by_clause.setdefault(f.clause, []).append((f, raised.get(f.pk, [])))
        items = list(audit.items.order_by("position", "pk"))
        pdf = render_pdf(
            "audits/report_pdf.html",
            {
                "audit": audit,
                "departments": list(audit.audited_departments.order_by("name")),
                "team": list(audit.team.order_by("last_name")),
                "by_clause": [(clauses.label(c), rows) for c, rows in by_clause.items()],
                "items": items,
                "counts": {
                    a: sum(1 for i in items if i.answer == a) for a in ("conforming", "finding", "na", "")
                },
                "printed": timezone.now(),
                "user": request.user,
            },
        )
        return pdf_response(pdf, f"{audit.reference}-report.pdf")


class FindingFilter(RecordFilter):
    # The findings open past their response date at the end of a day: what the figure of a month
    # counted (``selectors.past_due_on``), where "overdue" is as of today.
    past_due_on = StandingOn(label="Open past due on", method="filter_past_due_on")

    class Meta:
        model = Finding
        fields = ["status", "department", "owner", "overdue"]

    def filter_past_due_on(self, queryset, name, value):
        return queryset.filter(selectors.past_due_on(value))


class FindingListView(RecordListView):
    title = "Audit findings"
    # Recorded from the audit under way (or one of its questions), by whoever runs it: a "New"
    # here offered everyone a form whose audit list was empty.
    creatable = False
    filterset_class = FindingFilter
    select_related = ("owner", "department", "audit")
    columns = [
        ("reference", "Reference"),
        ("title", "Title"),
        ("status", "Status"),
        ("get_grade_display", "Grade"),
        ("clause", "Clause"),
        ("audit__reference", "Audit"),
        ("department", "Department"),
        ("owner", "Answered by"),
        ("due_date", "Response due"),
    ]


class FindingCreateView(RecordCreateView):
    """A finding is recorded from the audit (or one of its questions): ``?audit=…&item=…``."""

    def get_initial(self):
        initial = super().get_initial()
        get = self.request.GET
        audit = item = None
        if get.get("audit", "").isdigit() and len(get["audit"]) < 12:
            audit = access.restrict(Audit.objects.filter(pk=int(get["audit"])), self.request.user).first()
        if audit is not None:
            initial["audit"] = audit.pk
            department = audit.audited_departments.order_by("name").first()
            if department is not None:
                initial["department"] = department.pk
                initial["owner"] = department.head_id or initial.get("owner")
            initial["due_date"] = timezone.localdate() + dt.timedelta(days=30)
            if get.get("item", "").isdigit() and len(get["item"]) < 12:
                item = audit.items.filter(pk=int(get["item"])).first()
        if item is not None:
            initial.update(item=item.pk, clause=item.clause, title=f"{item.clause}: {item.question}"[:200])
            if item.notes:
                initial["evidence"] = item.notes
        return initial

    def create(self, form):
        return services.finding_record(by=self.request.user, **form.record_fields())


class FindingDetailView(RecordDetailView):
    def extra_context_for(self, record, forms):
        raised = selectors.raised_for([record], self.request.user).get(record.pk, [])
        if record.item_id is not None and record.item.audit_id == record.audit_id:
            record.item.audit = record.audit  # the question's link names the audit read already
        return {"raised": raised, "audit": record.audit}


def checklist_prefetch():
    return Prefetch("items", queryset=ChecklistItem.objects.order_by("position", "pk"))
