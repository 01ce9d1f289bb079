"""One of each rule every module applies to what people type: how long a reason may be, which
dates are plausible, which periods make sense. Forms and services call these, so a rule reads
and behaves the same on every page."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

# The longest reason the history keeps whole; the forms allow exactly this much.
REASON_MAX = 1000
# A date further back or ahead than this is a mistyped year (2062 for 2026), not a plan.
YEARS_BACK, YEARS_AHEAD = 5, 10
# The longest period a report or an analysis may cover.
PERIOD_MAX_DAYS = 3 * 366
# A day as the browser's date box sends it, the only form a date is read in (forms, filters, imports).
DAY_FORMAT = "%Y-%m-%d"
NOT_A_DAY = "Enter a real date as YYYY-MM-DD, for example 2026-05-31."
# A day as a spreadsheet an importer reads may write it: ISO, or day first (10.02.2026, 10/02/2026).
SHEET_DAY_FORMATS = [DAY_FORMAT, "%d.%m.%Y", "%d/%m/%Y", "%d.%m.%y"]


def reason_text(text: str) -> str:
    """A reason as the history keeps it: whitespace collapsed, cut to ``REASON_MAX``."""
    text = " ".join((text or "").split())
    return text if len(text) <= REASON_MAX else text[: REASON_MAX - 1] + "…"


def check_reason(reason: str, *, field: str = "reason", required: bool = False) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise ValidationError({field: "Say why; the reason goes into the history."})
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {field: f"Keep the reason to {REASON_MAX} characters; it goes into the history."}
        )
    return reason


def check_date(
    value: dt.date | None,
    *,
    what: str = "The due date",
    not_past: bool = False,
    today: dt.date | None = None,
    years_back: int = YEARS_BACK,
) -> dt.date | None:
    """A date must be plausible (within −5 / +10 years: anything else is a mistyped year that
    would make an item overdue by centuries in every alert); ``not_past`` where the module means
    it (a new action cannot be due yesterday). Raises a plain ValidationError: forms show it beside
    the field, services wrap it in a field dict."""
    if value is None:
        return None
    today = today or timezone.localdate()
    if value.year < today.year - years_back or value.year > today.year + YEARS_AHEAD:
        raise ValidationError(
            f"Check the year: {what.lower()} must lie between {today.year - years_back} and "
            f"{today.year + YEARS_AHEAD}."
        )
    if not_past and value < today:
        raise ValidationError(f"{what} is in the past; choose today or a later date.")
    return value


def period_years(max_days: int) -> int:
    """The longest period of ``max_days`` in whole years, as people say it (3 × 366 days: 3)."""
    return max_days // 366 or 1


def period_length(max_days: int) -> str:
    """The longest period of ``max_days`` as a page says it beside the form: "3 years", "1 year"
    (the number the refusal names: ``check_period``)."""
    years = period_years(max_days)
    return f"{years} year{'s' if years != 1 else ''}"


def check_happened(value: dt.date | None, *, today: dt.date | None = None) -> dt.date | None:
    """A date that records what has happened (production started, goods received, measured,
    evaluated) is never a day still to come. Raises a plain ValidationError, as ``check_date``."""
    if value is not None and value > (today or timezone.localdate()):
        raise ValidationError(f"{value:%-d %b %Y} is still to come: record what has happened.")
    return value


def check_period(start: dt.date | None, end: dt.date | None, *, max_days: int = PERIOD_MAX_DAYS) -> None:
    """A period must end after it starts and not run for longer than ``max_days``; it may start
    as far back as its longest length reaches (a ten-year analysis of the archive)."""
    errors: dict[str, str] = {}
    years_back = max(YEARS_BACK, -(-max_days // 365))
    for field, value in (("date_from", start), ("date_to", end)):
        try:
            check_date(value, what="The date", years_back=years_back)
        except ValidationError as exc:
            errors[field] = exc.messages[0]
    if not errors and start and end:
        if start > end:
            errors["date_to"] = "The period must end after it starts."
        elif (end - start).days > max_days:
            errors["date_from"] = f"Choose a period of at most {period_years(max_days)} year(s)."
    if errors:
        raise ValidationError(errors)


def check_single_line(value: str, *, what: str = "This field") -> str:
    """Names and other one-line fields refuse control characters (a newline in a name must never
    reach a PDF's stylesheet or an email header)."""
    if any(ord(c) < 32 or ord(c) == 127 for c in value or ""):
        raise ValidationError(
            f"{what} must be one line of plain text (no line breaks or control characters)."
        )
    return value
