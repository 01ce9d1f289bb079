"""The competence catalogue and the job roles: the kernel's record views, declared, with the
module's own services behind create and edit."""

from __future__ import annotations

import django_filters
from django.db.models import Subquery

from qms.compiled import count_of, once
from qms.filters import RecordFilter
from qms.models import Process
from qms.views import RecordCreateView, RecordDetailView, RecordListView, RecordUpdateView

from .. import selectors, services
from ..models import Authorises, Competence, JobRole, RoleAssignment, RoleRequirement


class CompetenceFilter(RecordFilter):
    process = django_filters.ModelChoiceFilter(queryset=Process.objects.all(), empty_label="Any process")
    authorises = django_filters.ChoiceFilter(
        label="Also authorises", choices=Authorises.choices[1:], empty_label="Anything"
    )

    class Meta:
        model = Competence
        fields: list[str] = []


class CompetenceListView(RecordListView):
    filterset_class = CompetenceFilter
    title = "Competence catalogue"
    columns = [
        ("reference", "Reference"),
        ("title", "Competence"),
        ("process", "Process"),
        ("department", "Department"),
        ("min_coverage", "Minimum coverage"),
        ("requalify_months", "Requalify after (months)"),
        ("status", "Status"),
    ]
    select_related = ("process", "department")
    search_fields = ("reference", "title", "workstation", "process__name")


class CompetenceCreateView(RecordCreateView):
    def create(self, form):
        return services.competence_create(by=self.request.user, **form.record_fields())


class CompetenceUpdateView(RecordUpdateView):
    def update(self, form):
        fields = {name: form.cleaned_data[name] for name in form.record_fields()}
        competence = type(form.instance).objects.get(pk=form.instance.pk)
        return services.competence_update(
            competence=competence, by=self.request.user, reason=form.cleaned_data.get("reason", ""), **fields
        )


class CompetenceDetailView(RecordDetailView):
    def extra_context_for(self, record, forms) -> dict:
        return selectors.competence_page(record)


class JobRoleFilter(RecordFilter):
    class Meta:
        model = JobRole
        fields: list[str] = []


class JobRoleListView(RecordListView):
    filterset_class = JobRoleFilter
    title = "Job roles"
    columns = [
        ("reference", "Reference"),
        ("title", "Job role"),
        ("department", "Department"),
        ("competences", "Competences needed"),
        ("holders", "People holding it"),
        ("status", "Status"),
    ]
    select_related = ("department",)

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(competences=once(JobRole, competences_needed), holders=once(JobRole, people_holding))
        )


# Each role's competences and holders, counted for the rows shown (``qms.compiled.count_of``).
# Counted over the joins of both, every role was multiplied by its requirements times its
# holders and grouped before the first page could be chosen (120 roles of the archive: 8,958 rows,
# 10 ms, and as much again to count the register).
def competences_needed() -> Subquery:
    return count_of(RoleRequirement.objects.all(), "job_role")


def people_holding() -> Subquery:
    return count_of(RoleAssignment.objects.filter(status="held"), "job_role")


class JobRoleCreateView(RecordCreateView):
    def create(self, form):
        return services.job_role_create(by=self.request.user, **form.record_fields())


class JobRoleUpdateView(RecordUpdateView):
    def update(self, form):
        fields = {name: form.cleaned_data[name] for name in form.record_fields()}
        job_role = type(form.instance).objects.get(pk=form.instance.pk)
        return services.job_role_update(
            job_role=job_role, by=self.request.user, reason=form.cleaned_data.get("reason", ""), **fields
        )


class JobRoleDetailView(RecordDetailView):
    def extra_context_for(self, record, forms) -> dict:
        return {"holders": selectors.holders(record)}
