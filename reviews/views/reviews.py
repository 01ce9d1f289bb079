"""A management review's pages: the register, the page (inputs as live or frozen figures,
decisions and actions, holding and signing), preparing the inputs, writing the minutes, and the
minutes as PDF."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from qms import access
from qms.filters import RecordFilter
from qms.models import Role, User
from qms.pdf import pdf_response, render_pdf
from qms.services import signature_rows
from qms.views import (
    FormActionView,
    FormPageView,
    QMSView,
    RecordCreateView,
    RecordDetailView,
    RecordListView,
    RecordScopeMixin,
    RecordUpdateView,
)

from .. import selectors, services
from ..models import Review
from ..services.reviews import minutes_missing


def may_prepare(user, review: Review) -> bool:
    return access.can_change(user, review) and review.status == "planned"


def may_write_minutes(user, review: Review) -> bool:
    return access.can_change(user, review) and review.status in ("planned", "held")


def may_hold(user, review: Review) -> bool:
    """Held once its period has ended (its figures whole): no form before, that would refuse."""
    return (
        access.can_change(user, review)
        and review.status == "planned"
        and review.period_end <= timezone.localdate()
    )


def may_decide(user, review: Review) -> bool:
    return access.can_change(user, review) and review.status == "held"


def may_sign(user, review: Review) -> bool:
    """The chair signs once the minutes of every input are written (the page says which are
    missing): no password form before, that would refuse."""
    return review.status == "held" and user.pk == review.chair_id and not minutes_missing(review)


class _Runner:
    """Whoever may change the review reaches the service, which says plainly why a step is not
    possible now (held already, signed already) beside the form, rather than a bare 403."""

    def check(self, obj) -> None:
        user = self.request.user
        if user.is_auditor or not access.can_change(user, obj):
            raise PermissionDenied("You may not change this review.")


class HoldView(_Runner, FormActionView):
    def success_message(self, obj, result) -> str:
        return (
            f"{obj.reference} held: its inputs are frozen as they stood on {timezone.localdate():%-d %b %Y}."
        )


class SignView(FormActionView):
    def check(self, obj) -> None:
        user = self.request.user
        if user.is_auditor or (user.pk != obj.chair_id and not access.can_change(user, obj)):
            raise PermissionDenied(f"Only the chair, {obj.chair}, signs the minutes.")

    def success_message(self, obj, result) -> str:
        return "Minutes signed."


class InputsPageView(_Runner, FormPageView):
    template_name = "reviews/form_page.html"
    submit_label = "Save inputs"

    def title(self, obj) -> str:
        return f"Prepare the inputs: {obj.reference} {obj.title}"

    def extra_context(self, obj) -> dict:
        return {
            "intro": "Enter what no module measures (external and internal issues, survey results …) and "
            "anything the figures need said. Once the meeting is held the inputs stand as they were."
        }


class MinutesPageView(_Runner, FormPageView):
    template_name = "reviews/form_page.html"
    submit_label = "Save minutes"

    def title(self, obj) -> str:
        return f"Minutes: {obj.reference} {obj.title}"

    def extra_context(self, obj) -> dict:
        return {
            "intro": "What was said and concluded on each input. The chair signs the minutes once every "
            "input has them."
        }


class ReviewFilter(RecordFilter):
    class Meta:
        model = Review
        fields = ["status", "department", "owner", "overdue"]


class ReviewListView(RecordListView):
    title = "Management reviews"
    filterset_class = ReviewFilter
    select_related = ("owner", "department", "chair")
    columns = [
        ("reference", "Reference"),
        ("title", "Title"),
        ("status", "Status"),
        ("period_start", "Period from"),
        ("period_end", "Period to"),
        ("due_date", "Planned for"),
        ("held_on", "Held on"),
        ("chair", "Chair"),
        ("owner", "Organised by"),
    ]


def _quarter(day: dt.date) -> tuple[dt.date, dt.date]:
    start = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 10
        else start.replace(month=start.month + 3)
    )
    return start, end - dt.timedelta(days=1)


class ReviewCreateView(RecordCreateView):
    """A new review: it looks back from where the last one ended, chaired by top management."""

    def get_initial(self):
        initial = super().get_initial()
        today = timezone.localdate()
        start, end = _quarter(today)
        last = (
            Review.objects.exclude(status="cancelled")
            .order_by("-period_end")
            .values_list("period_end", flat=True)
            .first()
        )
        if last and last < end:
            start = last + dt.timedelta(days=1)
        chair = User.objects.filter(role=Role.TOP_MANAGEMENT, is_active=True).order_by("pk").first()
        quarter = (end.month - 1) // 3 + 1
        initial.update(
            title=f"Management review Q{quarter} {end.year}",
            period_start=start,
            period_end=end,
            due_date=end,
            chair=chair.pk if chair else None,
        )
        return initial

    def create(self, form) -> Review:
        fields = form.record_fields()
        attendees = fields.pop("attendees", [])
        return services.review_create(by=self.request.user, attendees=attendees, **fields)


class ReviewUpdateView(RecordUpdateView):
    def update(self, form) -> Review:
        fields = form.record_fields()
        attendees = fields.pop("attendees", None)
        review = Review.objects.get(pk=form.instance.pk)
        return services.review_update(
            review=review,
            by=self.request.user,
            reason=form.cleaned_data.get("reason", ""),
            attendees=attendees,
            **fields,
        )


# What a review's signed content reads (``Review.signed_content``), prefetched by its pages.
SIGNED = ("inputs", "decisions", "attendees")


def _readable_reviews(inputs: list[dict], user) -> set[str]:
    """The earlier reviews whose decisions this review lists that the reader may open: the others
    are named, not linked (their pages would be a 404)."""
    named = {d["review"] for i in inputs for d in i["data"].get("decisions", ())}
    if not named:
        return set()
    return set(
        access.restrict(Review.objects.filter(reference__in=named), user).values_list("reference", flat=True)
    )


def _page(request, review: Review) -> dict:
    user = request.user
    inputs = selectors.review_inputs(review)
    return {
        "inputs": inputs,
        "readable_reviews": _readable_reviews(inputs, user),
        "decisions": selectors.review_decisions(review),
        "open_earlier": selectors.open_from_earlier(review),
        "attendees": list(review.attendees.all()),
        "minutes_missing": minutes_missing(review) if review.status == "held" else [],
        "may_prepare": may_prepare(user, review),
        "may_write_minutes": may_write_minutes(user, review),
        "pdf_url": reverse("reviews:review_minutes_pdf", args=[review.pk]),
        "inputs_url": reverse("reviews:review_inputs", args=[review.pk]),
        "minutes_url": reverse("reviews:review_minutes", args=[review.pk]),
        "today": timezone.localdate(),
    }


class ReviewDetailView(RecordDetailView):
    template_name = "reviews/review_page.html"

    def get_queryset(self):
        # The inputs, decisions and attendees are what the signature's content hash reads, and
        # the page shows the inputs and attendees: read once for both.
        return super().get_queryset().select_related("chair", "owner", "department").prefetch_related(*SIGNED)

    def extra_context_for(self, record, forms: dict) -> dict:
        ctx = _page(self.request, record)
        # A held review stands as held: no edit of its period, chair or attendees.
        ctx["can_edit"] = record.status == "planned" and access.can_change(self.request.user, record)
        return ctx


class MinutesPdfView(RecordScopeMixin, QMSView):
    """The minutes as PDF: every input as frozen with its minutes, the decisions and actions, and
    the chair's signature (void if the minutes changed since)."""

    model = Review

    def get(self, request, pk):
        found = self.get_queryset().select_related("chair", "owner", "department").prefetch_related(*SIGNED)
        review = get_object_or_404(found, pk=pk)
        context = _page(request, review)
        context.update(
            review=review,
            signatures=signature_rows(review),
            generated_at=timezone.localtime(),
            generated_by=request.user,
        )
        return pdf_response(render_pdf("reviews/minutes_pdf.html", context), f"{review.reference}-minutes")
