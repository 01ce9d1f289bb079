"""Reads the management review pages assemble: a review's inputs (frozen once held, live before)
with their charts, its decisions and actions, and the KPI dashboard (9.1.3). Every read takes the
user and goes through ``qms.access``; the dashboard runs a constant number of queries."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, Q
from django.utils import timezone

from qms import access, kpis
from qms.charts import bar_chart, line_chart
from qms.kpis import Period
from qms.models import User
from qms.views.due import due_table

from .inputs import compile_inputs
from .models import Decision, Objective, Review, ReviewAction
from .progress import SeriesCache, progress_of

TREND_MONTHS = 12
DASHBOARD_OBJECTIVE_CHARTS = 12


def unit_suffix(unit: str) -> str:
    """How a value's unit reads after the number: "95 %", "12", "34 days", "120 ppm"."""
    return "" if unit in ("", "count") else ("%" if unit == "%" else f" {unit}")


def with_charts(figures: dict) -> dict:
    """A measure's figures (live or frozen) with its trend and its breakdown drawn as charts."""
    suffix = unit_suffix(figures.get("unit", ""))
    trend = figures.get("trend") or []
    out = dict(figures, suffix=suffix)
    out["trend_chart"] = line_chart(
        [label for label, _ in trend],
        [(figures["label"], [v for _, v in trend])],
        title=f"{figures['label']}: last {len(trend)} months",
        unit=suffix.strip() if suffix == "%" else "",
        height=220,
    )
    rows = figures.get("breakdown") or []
    breakdown_unit = figures.get("breakdown_unit", figures.get("unit"))
    out["breakdown_chart"] = (
        bar_chart(
            [(label, value or 0, url) for label, value, url in rows],
            title=f"{figures['label']} by category",
            columns=("Category", figures["label"]),
            pareto=breakdown_unit == "count",
            unit=unit_suffix(breakdown_unit or ""),
        )
        if rows
        else None
    )
    return out


def review_inputs(review: Review, *, today: dt.date | None = None) -> list[dict]:
    """Every input of the review with its figures: as frozen when the meeting was held, or from
    live records while it is planned; whether a module feeds it, and what was entered and said."""
    rows = list(review.inputs.all())
    live = None if review.is_frozen else compile_inputs(review, today=today)
    out = []
    for row in rows:
        data = (row.data if review.is_frozen else live.get(row.key)) or {"module": False, "measures": []}
        out.append(
            {
                "row": row,
                "spec": row.spec,
                "data": data,
                "measures": [with_charts(m) for m in data.get("measures", [])],
            }
        )
    return out


def review_decisions(review: Review) -> list[Decision]:
    """The decisions of the review with their actions and owners, in two queries."""
    actions = ReviewAction.objects.select_related("owner").order_by("due_date", "pk")
    return list(review.decisions.prefetch_related(Prefetch("actions", queryset=actions)))


def open_from_earlier(review: Review) -> int:
    """How many decisions of earlier reviews are still open: where this one starts from."""
    return (
        Decision.objects.filter(review__status__in=("held", "signed"))
        .exclude(review=review)
        .filter(Q(actions__status="open") | Q(actions__isnull=True))
        .distinct()
        .count()
    )


# --- the KPI dashboard (9.1.3) -------------------------------------------------------------------


@kpis.reading()  # the measures share what they read in common (training's history) for the page
def dashboard(user: User, *, today: dt.date | None = None) -> dict:
    """The KPI dashboard as ``user`` sees it: the company's for top management, the quality
    manager and auditors; their department's for everyone else (heads see theirs). Objectives
    against target, due and overdue items by department and module, and the trend of every
    registered measure over twelve months, each number linked to the records behind it."""
    today = today or timezone.localdate()
    company = access.sees_everything(user)
    department = None if company else user.department_id
    objectives = Objective.objects.filter(status="active").select_related("owner", "department")
    if not company:
        mine = Q(owner=user) | Q(department_id=department) if department else Q(owner=user)
        objectives = objectives.filter(mine)
    # Each measure read once for the trends and the objectives together: thirteen months, the
    # trends' twelve to this month and the objectives' twelve complete ones.
    cache = SeriesCache()
    months = Period.months_to(today, TREND_MONTHS)
    span = Period.months_to(today, TREND_MONTHS + 1)
    # A department's measures read for the company by someone of no department who does not see
    # the company would open registers they may not read: such a reader gets the others only.
    shown = [m for m in kpis.measures() if company or department or m.subject != "department"]
    for measure in shown:
        subject = department if department and measure.subject == "department" else None
        cache.series(measure, span, subject)
    progress = progress_of(objectives.order_by("due_date", "reference"), today=today, cache=cache)
    order = {"missed": 0, "at_risk": 1, "no_data": 2, "on_track": 3, "met": 4}
    charted = sorted(progress, key=lambda p: order[p.status])[:DASHBOARD_OBJECTIVE_CHARTS]
    objective_charts = [
        (
            p,
            line_chart(
                p.labels,
                [(p.objective.title, p.values)],
                title=f"{p.objective.reference}: {p.objective.title}",
                target=p.target,
                urls=p.urls,
                unit=unit_suffix(p.objective.unit_label).strip() if p.objective.unit_label == "%" else "",
                height=220,
            ),
        )
        for p in charted
    ]
    due = due_table(user, today=today)
    overdue_chart = bar_chart(
        [(t["module"], t["overdue"], t["overdue_url"]) for t in due["totals"]],
        title="Overdue items by module",
        columns=("Module", "Overdue items"),
        width=420,  # drawn in a third of the page: its labels at the size they are written
    )
    trends = []
    for measure in shown:
        subject = department if department and measure.subject == "department" else None
        series = cache.series(measure, months, subject)
        urls = [measure.url(p, subject=subject) if measure.url else "" for p in months]
        suffix = unit_suffix(measure.unit)
        trends.append(
            {
                "measure": measure,
                "scope": "your department" if subject else "company",
                "latest": series[-1] if series else None,
                "suffix": suffix,
                "chart": line_chart(
                    [p.label for p in months],
                    [(measure.label, series)],
                    title=f"{measure.label}, last {TREND_MONTHS} months",
                    urls=urls,
                    unit="%" if measure.unit == "%" else "",
                    height=220,
                ),
            }
        )
    counts = {s: sum(1 for p in progress if p.status == s) for s in order}
    return {
        "company": company,
        "objectives": progress,
        "objective_charts": objective_charts,
        "objective_counts": counts,
        "due": due,
        "overdue_chart": overdue_chart,
        "trends": trends,
        "today": today,
    }
