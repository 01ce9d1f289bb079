"""Route-walk builders of the management review module: a held review with one decision and its
action, and an objective measured by hand with one monthly value."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from tests.walker import builder


@builder("reviews.review")
def build_review(owner, department) -> dict:
    from reviews import services
    from tests.reviews.factories import make_review, quality_manager

    qm = quality_manager()
    review = make_review(owner=owner, department=department, by=qm)
    services.review_hold(review=review, by=qm, held_on=timezone.localdate())
    decision = services.decision_add(
        review=review, by=qm, kind="improvement", text="Add a second setter at cell 4"
    )
    action = services.action_add(
        decision=decision,
        by=qm,
        title="Train a second setter",
        owner=owner,
        due_date=timezone.localdate() + dt.timedelta(days=14),
    )
    return {"pk": review.pk, "decision_pk": decision.pk, "action_pk": action.pk, "_record": review}


@builder("reviews.objective")
def build_objective(owner, department) -> dict:
    from reviews import services
    from tests.reviews.factories import last_month, make_objective

    objective = make_objective(owner=owner, department=department)
    value = services.objective_value_enter(
        objective=objective, by=owner, month=last_month(), value=Decimal("88")
    )
    return {"pk": objective.pk, "value_pk": value.pk, "_record": objective}


@builder("reviews.reviewaction")
def build_action(owner, department) -> dict:
    """The register of review actions lists the actions of the reviews built: one each."""
    return build_review(owner, department)
