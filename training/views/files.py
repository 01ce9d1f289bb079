"""The training files, a person's training records and the registers across files (training
records, training needs): the kernel's record, child-row and register views, declared."""

from __future__ import annotations

import django_filters
from django.contrib.postgres.aggregates import StringAgg
from django.db.models import Exists, OuterRef, Subquery, TextField, Value
from django.db.models.functions import Coalesce

from qms import access
from qms.compiled import count_of, once
from qms.filters import RecordFilter, RowFilter, StatusFilter, date_range
from qms.forms import people
from qms.models import Department, Process
from qms.views import (
    ChildDetailView,
    FormPageView,
    RecordCreateView,
    RecordDetailView,
    RecordListView,
    RecordUpdateView,
)

from .. import selectors, services
from ..forms import TrainingFileEditForm, TrainingRecordForm
from ..models import (
    Competence,
    Method,
    NeedKind,
    RoleAssignment,
    TrainingFile,
    TrainingNeed,
    TrainingRecord,
)


class TrainingFileFilter(RecordFilter):
    class Meta:
        model = TrainingFile
        fields: list[str] = []


class TrainingFileListView(RecordListView):
    filterset_class = TrainingFileFilter
    title = "Training files"
    columns = [
        ("reference", "Reference"),
        ("owner", "Person"),
        ("department", "Department"),
        ("job_roles", "Job roles held"),
        ("open_needs", "Open training needs"),
        ("status", "Status"),
    ]
    search_fields = ("reference", "title", "owner__username", "owner__last_name")

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(job_roles=once(TrainingFile, roles_held), open_needs=once(TrainingFile, open_needs))
        )


# Each file's roles and open needs, counted for the rows shown by subqueries on the file's own rows
# (a GROUP BY over the joins aggregated every file of the archive before the first 50 could be
# chosen). Compiled once (``qms.compiled.once``): building, resolving and compiling the two cost a
# register page 0.4 ms.
def roles_held() -> Coalesce:
    return Coalesce(
        Subquery(
            RoleAssignment.objects.filter(file=OuterRef("pk"), status="held")
            .order_by()
            .values("file")
            .annotate(titles=StringAgg("job_role__title", ", ", distinct=True))
            .values("titles")
        ),
        Value(""),
        output_field=TextField(),
    )


def open_needs() -> Subquery:
    return count_of(TrainingNeed.objects.filter(status="open"), "file")


class TrainingFileCreateView(RecordCreateView):
    def create(self, form):
        return services.training_file_open(by=self.request.user, **form.record_fields())

    def get_initial(self):
        return {}


class TrainingFileUpdateView(RecordUpdateView):
    """A file's own fields: what the person brought with them. Whose file it is never changes."""

    def get_form_class(self):
        return TrainingFileEditForm


class TrainingFileDetailView(RecordDetailView):
    """The person's training file: their competences as the matrix sees them, job roles, training
    records with their evaluations, needs and absences."""

    def extra_context_for(self, record, forms) -> dict:
        return selectors.file_page(record, self.request.user)

    def get_context_data(self, forms=None, **kwargs):
        ctx = super().get_context_data(forms=forms, **kwargs)
        need = self.request.GET.get("need", "")
        if forms and "record_form" in forms:
            ctx["record_form_open"] = True
        elif ctx.get("record_form") is not None and need.isdigit() and len(need) < 12:
            # "Record the training" on a need: the form comes filled with what the need asks for.
            found = self.object.needs.filter(pk=int(need), status="open").first()
            if found is not None:
                initial = {
                    "competence": found.competence_id,
                    "revision": found.revision_id,
                    "level": found.level,
                }
                ctx["record_form"] = TrainingRecordForm(
                    parent=self.object, user=self.request.user, initial=initial
                )
                ctx["record_form_open"] = True
        return ctx


class TrainingRecordDetailView(ChildDetailView):
    def extra_context_for(self, row, forms) -> dict:
        return selectors.record_page(row, self.request.user)


class EvaluatePage(FormPageView):
    """The effectiveness evaluation: the head's judgement and signature, on a page of its own."""

    submit_label = "Sign the evaluation"

    def title(self, obj) -> str:
        record = obj.record
        return f"Effectiveness of training: {record.subject}, {record.file.owner}"

    def extra_context(self, obj) -> dict:
        return {"cancel_url": obj.record.get_absolute_url()}

    def next_url(self, obj, result) -> str:
        return obj.record.get_absolute_url()

    def success_message(self, obj, result) -> str:
        if self.cleaned_data.get("result") == "not_effective":
            return "Evaluation signed: not effective. A training need was opened to train again."
        return "Evaluation signed: the training was effective."


# --- registers across files ---------------------------------------------------------------------


class _RowFilter(RowFilter):
    department = django_filters.ModelChoiceFilter(
        field_name="file__department", queryset=Department.objects.all(), empty_label="Any department"
    )
    person = django_filters.ModelChoiceFilter(
        field_name="file__owner", queryset=people(), empty_label="Anyone"
    )
    # The options need a name and an id: a competence is a record of twenty columns, built 160 times
    # per page for its title (half of the filter bar's time).
    competence = django_filters.ModelChoiceFilter(
        queryset=Competence.objects.only("pk", "title"), empty_label="Any competence"
    )
    process = django_filters.ModelChoiceFilter(
        field_name="competence__process",
        queryset=Process.objects.only("pk", "name"),
        empty_label="Any process",
    )


class TrainingRecordFilter(_RowFilter):
    method = django_filters.ChoiceFilter(choices=Method.choices, empty_label="Any method")
    date_from, date_to = date_range("trained_on", "Trained")
    expires = django_filters.CharFilter(label="Expires (YYYY-MM)", method="filter_expires")

    class Meta:
        model = TrainingRecord
        fields: list[str] = []

    def filter_expires(self, queryset, name, value):
        """The current qualifications (a person's latest record in a competence) expiring in a
        month, or already expired: the requalifications due."""
        from django.utils import timezone

        newer = TrainingRecord.objects.filter(
            file=OuterRef("file"),
            competence=OuterRef("competence"),
            status="recorded",
            trained_on__gt=OuterRef("trained_on"),
        )
        current = queryset.filter(status="recorded").exclude(Exists(newer))
        value = (value or "").strip()
        if value == "expired":
            return current.filter(expires_on__lt=timezone.localdate())
        year, _, month = value.partition("-")
        if year.isdigit() and month.isdigit() and len(year) == 4 and 1 <= int(month) <= 12:
            return current.filter(expires_on__year=int(year), expires_on__month=int(month))
        return queryset.none()


class TrainingRecordListView(RecordListView):
    """Every training record the user may see, across files: the register an auditor samples."""

    model = TrainingRecord
    creatable = False
    template_name = "training/record_register.html"
    filterset_class = TrainingRecordFilter
    title = "Training records"
    columns = [
        ("trained_on", "Date"),
        ("file__owner", "Person"),
        ("file__department", "Department"),
        ("competence", "Competence"),
        ("revision__document__number", "Document"),
        ("revision__label", "Revision"),
        ("get_method_display", "Method"),
        ("trainer", "Trainer"),
        ("provider", "Provider"),
        ("get_result_display", "Result"),
        ("get_level_display", "Level"),
        ("expires_on", "Expires"),
        ("status", "Status"),
    ]
    # The page's statement joins only the file, its person and department: planning a join of all
    # eight tables took longer than running it (15 ms of a 17 ms statement on the archive). The rest
    # is read for the rows shown, one query per relation (none when no row has one): as values
    # (``late_names``), or prefetched when the page is read as records.
    select_related = ("file__owner", "file__department")
    prefetch_related = ("competence", "revision__document", "trainer")
    late_names = ("competence", "revision", "trainer")
    search_fields = ("file__owner__last_name", "file__owner__username", "competence__title", "provider")
    ordering = ("-trained_on", "-pk")

    def paginate_queryset(self, queryset, page_size):
        return super().paginate_queryset(queryset.prefetch_related(*self.prefetch_related), page_size)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["may_import"] = access.can_create(self.request.user, TrainingFile)
        return ctx


class NeedFilter(_RowFilter):
    status = StatusFilter(TrainingNeed)
    kind = django_filters.ChoiceFilter(label="Why", choices=NeedKind.choices, empty_label="Any reason")
    overdue = django_filters.ChoiceFilter(
        label="Overdue",
        choices=[("yes", "Overdue only")],
        method="filter_overdue",
        empty_label="Any due date",
    )

    class Meta:
        model = TrainingNeed
        fields: list[str] = []

    def filter_overdue(self, queryset, name, value):
        from django.utils import timezone

        return (
            queryset.filter(status="open", due_date__lt=timezone.localdate()) if value == "yes" else queryset
        )


class NeedListView(RecordListView):
    """Training needs across files: what training is owed, by whom, by when and why."""

    model = TrainingNeed
    creatable = False
    filterset_class = NeedFilter
    title = "Training needs"
    columns = [
        ("title", "Training need"),
        ("person", "Person"),
        ("file__department", "Department"),
        ("get_kind_display", "Why"),
        ("due_date", "Due"),
        ("status", "Status"),
    ]
    select_related = ("person", "file__department", "file")
    search_fields = ("title", "person__last_name", "person__username")
    ordering = ("due_date", "pk")
