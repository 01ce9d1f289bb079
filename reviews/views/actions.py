"""The register of review actions across reviews: what each review decided to do, whose it is,
when it is due, whether it was done on time. What the figure "management review actions done on
time" counted for a month and a department; each row opens the action's own page."""

from __future__ import annotations

import django_filters
from django.db.models import Case, CharField, Q, Value, When
from django.utils import timezone

from qms import kpis
from qms.compiled import once
from qms.filters import RowFilter, StatusFilter, date_range
from qms.forms import people
from qms.models import Department
from qms.views import RecordListView

from ..kpis import DONE_ON_TIME, JUDGED
from ..models import ReviewAction

# How the "On time" column reads an action: done by its due date, or not done by it (late); an
# action not yet due and not done, or cancelled, is not judged and shows nothing.
ON_TIME = {"yes": "On time", "no": "Late", "": ""}


def judged(queryset):
    """The review actions "done on time" judges: not cancelled, and done by their due date already
    or due before today (``qms.kpis.decided``: one due later can still be done on time)."""
    return kpis.decided(queryset.exclude(status="cancelled"), "due_date", DONE_ON_TIME)


class ReviewActionFilter(RowFilter):
    status = StatusFilter(ReviewAction)
    department = django_filters.ModelChoiceFilter(
        label="Owner's department",
        field_name="owner__department",
        queryset=Department.objects.all(),
        empty_label="Any department",
    )
    owner = django_filters.ModelChoiceFilter(queryset=people(), empty_label="Anyone")
    due_from, due_to = date_range("due_date", "Due")
    on_time = django_filters.ChoiceFilter(
        label="Done on time",
        choices=[(JUDGED, "Done, or its due date passed"), ("yes", "Done on time"), ("no", "Late")],
        method="filter_on_time",
        empty_label="Any",
    )

    class Meta:
        model = ReviewAction
        fields: list[str] = []

    def filter_on_time(self, queryset, name, value):
        """The actions the figure judged, or of them those done on time ("yes") or late ("no")."""
        found = judged(queryset)
        if value == "yes":
            return found.filter(DONE_ON_TIME)
        if value == "no":
            return found.exclude(DONE_ON_TIME)
        return found


class ReviewActionListView(RecordListView):
    """Every review action the user may see, across reviews: the register a quality manager
    follows the decisions of management review through (9.3.3), and an auditor samples."""

    model = ReviewAction
    creatable = False  # an action is decided at its review, on the review's page
    title = "Review actions"
    filterset_class = ReviewActionFilter
    columns = [
        ("title", "Action"),
        ("decision__review__reference", "Review"),
        ("owner", "Owner"),
        ("owner__department", "Owner's department"),
        ("due_date", "Due"),
        ("status", "Status"),
        ("done_on", "Done on"),
        ("on_time", "On time"),
    ]
    labels = {"on_time": ON_TIME}
    select_related = ("owner", "owner__department", "decision__review")
    search_fields = ("title", "decision__review__reference", "owner__last_name", "owner__username")
    ordering = ("due_date", "pk")

    def get_queryset(self):
        return super().get_queryset().annotate(on_time=once(ReviewAction, on_time_case, timezone.localdate()))


def on_time_case(today) -> Case:
    """An action's "On time" on ``today``: done by its due date, late (done after it, or open past
    it), or nothing yet (cancelled, or open and not yet due)."""
    return Case(
        When(status="cancelled", then=Value("")),
        When(DONE_ON_TIME, then=Value("yes")),
        When(Q(due_date__lt=today), then=Value("no")),
        default=Value(""),
        output_field=CharField(),
    )
