"""Factories of the management review module: reviews and objectives made through its services,
by the quality manager (who may create them), so history and reference numbers are real."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from qms.models import Role, User
from tests.factories import UserFactory


def quality_manager() -> User:
    return User.objects.filter(role=Role.QUALITY_MANAGER, is_active=True).first() or UserFactory(
        role=Role.QUALITY_MANAGER, department=None
    )


def top_manager() -> User:
    return User.objects.filter(role=Role.TOP_MANAGEMENT, is_active=True).first() or UserFactory(
        role=Role.TOP_MANAGEMENT, department=None, first_name="Martin", last_name="Richter"
    )


def make_review(*, owner: User | None = None, department=None, by: User | None = None, **fields):
    from reviews.services import review_create

    by = by or quality_manager()
    owner = owner or by
    today = timezone.localdate()
    values = {
        "title": "Management review",
        "period_start": today - dt.timedelta(days=90),
        "period_end": today - dt.timedelta(days=1),
        "due_date": today + dt.timedelta(days=7),
        "chair": top_manager(),
        "owner": owner,
        "department": department or owner.department or by.department or _any_department(),
    }
    values.update(fields)
    values.setdefault("attendees", [values["chair"]])
    return review_create(by=by, **values)


def _any_department():
    from tests.factories import DepartmentFactory

    return DepartmentFactory(name="Quality Management", code="QM")


def make_objective(*, owner: User, by: User | None = None, **fields):
    from reviews.services import objective_create

    by = by or quality_manager()
    values = {
        "title": "Customer satisfaction at least 85 %",
        "target": Decimal("85"),
        "unit": "%",
        "better": "higher",
        "owner": owner,
        "department": owner.department or _any_department(),
        "due_date": timezone.localdate() + dt.timedelta(days=180),
    }
    values.update(fields)
    return objective_create(by=by, **values)


def last_month(months_back: int = 1) -> dt.date:
    """The first day of a month before this one."""
    from dateutil.relativedelta import relativedelta

    return timezone.localdate().replace(day=1) - relativedelta(months=months_back)
