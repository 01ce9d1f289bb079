"""Management reviews: planned with a period, a chair from top management and attendees; the
inputs prepared (text where no module measures them); held — every input frozen as it stood, so
the minutes never change when the data does; minutes written per input; signed by the chair."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from qms import access, history, kpis
from qms.models import Role, User
from qms.rules import check_date, check_period
from qms.services import record_create, record_update, signature_sign, transition
from qms.workflow import TransitionError

from ..inputs import compile_inputs
from ..models import Review, ReviewInput

MEANING = "Minutes approved by the chair"
ENTERED, MINUTES = "entered__", "minutes__"


def _day(value: dt.date) -> str:
    return f"{value:%-d %b %Y}"


def _check(fields: dict) -> None:
    """The chair is top management; the period ends after it starts."""
    errors: dict[str, Any] = {}
    chair = fields.get("chair")
    if "chair" in fields and (chair is None or chair.role != Role.TOP_MANAGEMENT or not chair.is_active):
        errors["chair"] = "The chair is a member of top management; they sign the minutes."
    try:
        check_period(fields.get("period_start"), fields.get("period_end"))
    except ValidationError as exc:
        names = {"date_from": "period_start", "date_to": "period_end"}
        for field, messages in exc.message_dict.items():
            errors[names.get(field, field)] = messages
    due, end = fields.get("due_date"), fields.get("period_end")
    if due is not None and end is not None and "period_end" not in errors and due < end:
        errors["due_date"] = f"The review looks back on its period: plan it on {_day(end)} or later."
    if errors:
        raise ValidationError(errors)


def _frozen(review: Review) -> str:
    if review.status == "cancelled":
        return f"{review.reference} is cancelled."
    return (
        f"{review.reference} was held on {_day(review.held_on)}: its inputs stand as they were then. "
        "Write what was said in the minutes."
    )


def _ensure_inputs(review: Review, *, by: User) -> None:
    """One input row per 9.3.2 input, in the order of the clause."""
    have = set(review.inputs.values_list("key", flat=True))
    missing = [
        ReviewInput(review=review, key=spec.key, position=i)
        for i, spec in enumerate(kpis.REVIEW_INPUTS)
        if spec.key not in have
    ]
    if missing:
        history.bulk_create(ReviewInput, missing, by=by, reason="Agenda: the inputs of ISO 9001 9.3.2")


@transaction.atomic
def review_create(*, by: User, attendees=(), **fields: Any) -> Review:
    """Plan a management review: its agenda is every input 9.3.2 requires."""
    _check(fields)
    review = record_create(model=Review, by=by, **fields)
    review.attendees.set(attendees)
    _ensure_inputs(review, by=by)
    return review


@transaction.atomic
def review_update(*, review: Review, by: User, reason: str = "", attendees=None, **fields: Any) -> Review:
    """Change a planned review (its period, date, chair, attendees); a held one stands as held."""
    access.require_change(by, review)
    if review.is_frozen:
        changed = [name for name, value in fields.items() if getattr(review, name) != value]
        raise ValidationError({changed[0]: _frozen(review)} if changed else _frozen(review))
    dates = {name: getattr(review, name) for name in ("period_start", "period_end", "due_date")}
    _check({**dates, **fields})
    record_update(record=review, by=by, reason=reason, **fields)
    if attendees is not None:
        review.attendees.set(attendees)
    return review


def _write(review: Review, *, by: User, prefix: str, field: str, texts: dict, what: str) -> None:
    for row in review.inputs.all():
        name = prefix + row.key
        if name in texts and (texts[name] or "") != getattr(row, field):
            setattr(row, field, texts[name] or "")
            history.save(row, by=by, reason=f"{what}: {row.title}")


@transaction.atomic
def review_inputs_enter(*, review: Review, by: User, **texts: str) -> Review:
    """Enter what no module measures (external and internal issues, survey results …) while the
    review is planned; once it is held its inputs stand as they were."""
    access.require_change(by, review)
    if review.is_frozen:
        rows = {ENTERED + r.key: r.entered for r in review.inputs.all()}
        changed = [name for name, text in texts.items() if (text or "") != rows.get(name, "")]
        if changed:
            raise ValidationError({changed[0]: _frozen(review)})
        return review
    _write(review, by=by, prefix=ENTERED, field="entered", texts=texts, what="Input entered")
    return review


@transaction.atomic
def review_minutes_write(*, review: Review, by: User, **texts: str) -> Review:
    """Write the minutes of each input, until the chair signs them."""
    access.require_change(by, review)
    if review.is_signed or review.is_closed:
        rows = {MINUTES + r.key: r.minutes for r in review.inputs.all()}
        changed = [name for name, text in texts.items() if (text or "") != rows.get(name, "")]
        if changed:
            raise ValidationError({changed[0]: "The minutes are signed: they stand as signed."})
        return review
    _write(review, by=by, prefix=MINUTES, field="minutes", texts=texts, what="Minutes written")
    return review


@transaction.atomic
def review_hold(*, review: Review, by: User, held_on: dt.date, attendees=None, reason: str = "") -> Review:
    """Record the meeting as held: on which day, who attended; every input is frozen as it stands
    now, for the period, so the minutes never change when the data does. Held once. Without
    ``attendees`` those planned attended."""
    if review.status == "cancelled":
        raise ValidationError(f"{review.reference} is cancelled: it is not held.")
    if review.is_frozen:
        raise ValidationError(
            f"{review.reference} was held on {_day(review.held_on)}: a meeting is held once."
        )
    today = timezone.localdate()
    try:
        check_date(held_on, what="The meeting date")
    except ValidationError as exc:
        raise ValidationError({"held_on": exc.messages}) from None
    if held_on > today:
        raise ValidationError({"held_on": "Record the meeting as held on the day it was held, not ahead."})
    if held_on < review.period_end:
        raise ValidationError(
            {
                "held_on": "The meeting looks back on its period: it is held once the period has ended, "
                f"on {_day(review.period_end)} or later."
            }
        )
    present = list(attendees) if attendees is not None else list(review.attendees.all())
    if not present:
        raise ValidationError(
            {"attendees": "Name who attended: minutes without attendees are no record of a review (9.3)."}
        )
    transition(
        obj=review, name="hold", by=by, reason=reason or "Meeting held", held_on=held_on, attendees=attendees
    )
    review.refresh_from_db()
    return review


@Review.workflow.on("hold")
def _held(review: Review, *, by: User, held_on: dt.date | None = None, attendees=None, **kwargs) -> None:
    """Holding stamps the day and the attendees and freezes every input as it stands."""
    if held_on is None:
        raise TransitionError("Hold the meeting with its form: the day it was held and who attended.")
    review.held_on = held_on
    review.compiled_at = timezone.now()
    if attendees is not None:
        review.attendees.set(attendees)
    _ensure_inputs(review, by=by)
    compiled = compile_inputs(review)
    for row in review.inputs.all():
        row.data = compiled.get(row.key, {"module": False, "measures": []})
        history.save(row, by=by, reason=f"Frozen as held: {row.title}")


def minutes_missing(review: Review) -> list[str]:
    """The inputs without minutes yet: every input is considered, and the minutes say how."""
    return [row.title for row in review.inputs.all() if not row.minutes.strip()]


@transaction.atomic
def review_sign(*, review: Review, by: User, password: str) -> Review:
    """The chair signs the minutes with their password: signed once, void if they change."""
    if review.is_signed:
        raise ValidationError("The minutes are signed already; they are signed once.")
    if review.status != "held":
        raise ValidationError("Hold the meeting first: the minutes are signed once it was held.")
    if by.pk != review.chair_id:
        raise PermissionDenied(f"Only the chair, {review.chair}, signs the minutes.")
    missing = minutes_missing(review)
    if missing:
        raise ValidationError(
            f"Write the minutes of every input before signing; missing: {'; '.join(missing)}."
        )
    signature_sign(obj=review, by=by, password=password, meaning=MEANING)
    transition(obj=review, name="sign", by=by, reason=MEANING, signed=True)
    review.refresh_from_db()
    return review


@Review.workflow.on("sign")
def _signed(review: Review, *, signed: bool = False, **kwargs) -> None:
    """The minutes are signed through the chair's signature form, never by a bare button."""
    if not signed:
        raise TransitionError("The chair signs the minutes with their password.")
