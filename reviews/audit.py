"""The management review (9.3) and quality objectives (6.2) sections of the audit pack: the
reviews held or planned in the period with their inputs as frozen, minutes, decisions, actions
and the chair's signature; the objectives against target. As the user may see them, in a
constant number of queries."""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q

from qms import access
from qms.auditpack import AuditScreen, AuditSection, history_of
from qms.models import Signature
from qms.services.signatures import content_hash

from .models import Objective, Review, ReviewAction
from .progress import progress_of


def reviews_section(*, user, date_from: dt.date, date_to: dt.date) -> dict:
    in_period = Q(held_on__range=(date_from, date_to)) | Q(
        held_on__isnull=True, due_date__range=(date_from, date_to)
    )
    actions = ReviewAction.objects.select_related("owner").order_by("due_date", "pk")
    reviews = list(
        access.restrict(Review.objects.filter(in_period), user)
        .select_related("owner", "chair", "department")
        .prefetch_related(
            "attendees", "inputs", "decisions", Prefetch("decisions__actions", queryset=actions)
        )
        .order_by("held_on", "due_date", "reference")
    )
    signatures: dict[int, list] = {}
    if reviews:
        kind = ContentType.objects.get_for_model(Review)
        for s in Signature.objects.filter(content_type=kind, object_id__in=[r.pk for r in reviews]).order_by(
            "signed_at"
        ):
            signatures.setdefault(s.object_id, []).append(s)
    history = history_of(reviews, user)
    rows = []
    for review in reviews:
        now = content_hash(review)
        rows.append(
            {
                "review": review,
                "inputs": sorted(review.inputs.all(), key=lambda i: i.position),
                "decisions": sorted(review.decisions.all(), key=lambda d: d.number),
                "signatures": [(s, s.is_valid_for(now)) for s in signatures.get(review.pk, [])],
                "history": [
                    h for h in history.get(review.pk, []) if date_from <= h.history_date.date() <= date_to
                ],
            }
        )
    return {"reviews": rows}


def objectives_section(*, user, date_from: dt.date, date_to: dt.date) -> dict:
    objectives = (
        access.restrict(Objective.objects.all(), user)
        .filter(Q(created_at__date__lte=date_to) & (Q(status="active") | Q(due_date__gte=date_from)))
        .select_related("owner", "department")
        .order_by("due_date", "reference")
    )
    return {"objectives": progress_of(objectives)}


SECTIONS = [
    AuditSection("reviews", "Management review", "9.3", "reviews/audit_reviews.html", reviews_section),
    AuditSection(
        "objectives",
        "Quality objectives",
        "6.2",
        "reviews/audit_objectives.html",
        objectives_section,
        models=("reviews.objective",),  # the evidence freshness of 6.2; 9.3 keeps the reviews
    ),
]

# 9.1.3 analysis and evaluation: every measure by month and department, each figure opening the
# records it counted; a screen every signed-in user reads, not a section of the pack.
SCREENS = [AuditScreen("9.1", lambda *, user: "KPI dashboard (screen), not in the pack")]
