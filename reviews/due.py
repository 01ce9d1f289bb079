"""Due items of the management review module for the kernel's registry (My work, alerts, digest,
escalation, the dashboards): the actions decided at reviews, the reviews planned (owed by whoever
organises them on the planned date) and the monthly values objective owners enter."""

from qms.due_providers import ChildDueProvider, QuerysetDueProvider

from .models import Objective, Review, ReviewAction

MODULE = "Management review"

PROVIDERS = [
    ChildDueProvider(ReviewAction, module=MODULE, kind="Review action", title_field="title"),
    QuerysetDueProvider(
        module=MODULE,
        kind="Management review",
        queryset=lambda: Review.objects.filter(status="planned", due_date__isnull=False),
        url_name="reviews:review_detail",
        key_prefix="reviews.review",
    ),
    QuerysetDueProvider(
        module=MODULE,
        kind="Objective value",
        queryset=lambda: Objective.objects.filter(status="active", value_due_on__isnull=False),
        url_name="reviews:objective_detail",
        key_prefix="reviews.objective_value",
        due_field="value_due_on",
    ),
]
