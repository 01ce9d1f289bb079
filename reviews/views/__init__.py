"""The management review pages: the KPI dashboard, the review input registry, reviews with their
inputs, minutes, decisions and actions, the register of review actions, the minutes PDF, and the
quality objectives."""

from .actions import ReviewActionListView
from .dashboard import DashboardView, InputRegistryView
from .objectives import ObjectiveCreateView, ObjectiveDetailView, ObjectiveListView, ObjectiveUpdateView
from .reviews import (
    HoldView,
    InputsPageView,
    MinutesPageView,
    MinutesPdfView,
    ReviewCreateView,
    ReviewDetailView,
    ReviewListView,
    ReviewUpdateView,
    SignView,
    may_decide,
    may_hold,
    may_prepare,
    may_sign,
    may_write_minutes,
)

__all__ = [
    "DashboardView",
    "HoldView",
    "InputRegistryView",
    "InputsPageView",
    "MinutesPageView",
    "MinutesPdfView",
    "ObjectiveCreateView",
    "ObjectiveDetailView",
    "ObjectiveListView",
    "ObjectiveUpdateView",
    "ReviewActionListView",
    "ReviewCreateView",
    "ReviewDetailView",
    "ReviewListView",
    "ReviewUpdateView",
    "SignView",
    "may_decide",
    "may_hold",
    "may_prepare",
    "may_sign",
    "may_write_minutes",
]
