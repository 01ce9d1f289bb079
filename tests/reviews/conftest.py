"""Fixtures for the management review tests: top management (the chair), a review planned for the
last quarter, and the same review held."""

import datetime as dt

import pytest
from django.utils import timezone

from qms.models import Role
from reviews import services
from tests.factories import UserFactory
from tests.reviews.factories import make_review

MINUTES = {
    "minutes__" + key: f"Discussed {key}."
    for key in (
        "previous_actions",
        "issues",
        "customers",
        "objectives",
        "processes",
        "nonconformities",
        "monitoring",
        "audits",
        "providers",
        "resources",
        "risks",
        "improvement",
    )
}


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


@pytest.fixture
def chair(db):
    return UserFactory(
        username="mdirector",
        role=Role.TOP_MANAGEMENT,
        department=None,
        first_name="Martin",
        last_name="Richter",
    )


@pytest.fixture
def review(quality_manager, chair, dept, head):
    """A review planned in a week, looking back on the last 90 days, chaired by top management."""
    return make_review(
        by=quality_manager,
        owner=quality_manager,
        department=dept,
        chair=chair,
        attendees=[head],
        period_start=days(-90),
        period_end=days(-1),
        due_date=days(7),
    )


@pytest.fixture
def held(review, quality_manager):
    services.review_hold(review=review, by=quality_manager, held_on=timezone.localdate())  # as planned
    review.refresh_from_db()
    return review


@pytest.fixture
def with_minutes(held, quality_manager):
    services.review_minutes_write(review=held, by=quality_manager, **MINUTES)
    return held
