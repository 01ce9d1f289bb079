"""Demo records of the management review module, from the story of DOMAIN.md: last quarter's
review held and signed by the managing director, its three decisions answering the gaps that lost
the customer (a backup setter, stale drawings, sampling) with their actions — one done, one open,
one overdue; this quarter's review planned with its live inputs; five quality objectives, one of
them missed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from qms.demo import DEMO_PASSWORD, backdate
from qms.models import Signature
from qms.services import transition

from . import services
from .models import Decision, Objective, ObjectiveValue, Review, ReviewAction, ReviewInput

MINUTES = {
    "previous_actions": "First review on the new system: no actions from earlier reviews were open.",
    "issues": "Kessler's new supplier quality manual applies from next quarter; two competitors certified "
    "to IATF 16949. No change to the scope.",
    "customers": "No customer complaint in the quarter; the satisfaction survey is just under target.",
    "objectives": "On-time delivery missed its target: capacity at cell 4. Customer satisfaction recovering.",
    "processes": "Cell 4 yield dropped after the bar stock change; drawing revisions are read late.",
    "nonconformities": "Internal NCRs only; the Pareto points at material and method. Small gaps, each a "
    "minor finding, but they line up at cell 4.",
    "monitoring": "Bore gauge BG-12 found a week past its calibration date at the production audit.",
    "audits": "Internal audit of production found the stale printout at cell 4: minor finding.",
    "providers": "The bar stock supplier substituted the grade without notice: change not evaluated.",
    "resources": "Only one qualified setter for the boring process; spindle maintenance postponed twice.",
    "risks": "Single-person dependency was rated low in the risk register: re-rated high.",
    "improvement": "Shop-floor suggestion: drawing revision shown on the job card by QR code.",
}


def _quarter(day: dt.date) -> tuple[dt.date, dt.date]:
    start = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return start, start + relativedelta(months=3) - dt.timedelta(days=1)


def _pretend(model, pks, *, days: int) -> None:
    """The demo's past: move the history rows of these rows ``days`` back, keeping their order."""
    if days > 0:
        for row in model.history.filter(id__in=list(pks)):
            model.history.filter(history_id=row.history_id).update(
                history_date=row.history_date - dt.timedelta(days=days)
            )


def _objectives(company) -> None:
    qm, top, today = company.quality_manager, company.top_management, company.today
    year_end = dt.date(today.year, 12, 31)
    _, last_end = _quarter(_quarter(today)[0] - dt.timedelta(days=1))
    sales, production = company.heads["SALES"], company.heads["PROD"]
    specs = [
        (
            "Customer satisfaction at least 85 % in the quarterly survey",
            dict(target=Decimal("85"), unit="%", better="higher", owner=sales, due_date=year_end),
            [81, 83, 84, 86, 85, 87],
        ),
        (
            "On-time delivery to customers at least 98 %",
            dict(target=Decimal("98"), unit="%", better="higher", owner=production, due_date=last_end),
            [97.1, 96.4, 95.5, 96.8, 94.9],
        ),
        (
            "No more than one customer complaint a month",
            dict(
                target=Decimal("1"),
                measure_key="capa.complaints",
                owner=company.heads["QC"],
                due_date=year_end,
            ),
            [],
        ),
        (
            "Revisions acknowledged within their deadline at least 95 %",
            dict(
                target=Decimal("95"),
                measure_key="documents.ack_on_time",
                owner=company.heads["ENG"],
                due_date=year_end,
            ),
            [],
        ),
        (
            "CAPAs closed by their target date at least 90 %",
            dict(target=Decimal("90"), measure_key="capa.closed_on_time", owner=qm, due_date=year_end),
            [],
        ),
    ]
    for title, fields, values in specs:
        owner = fields["owner"]
        objective = services.objective_create(
            by=top, title=title, department=owner.department or company.departments["QM"], **fields
        )
        set_on = today - relativedelta(months=9)
        Objective.objects.filter(pk=objective.pk).update(created_at=timezone.now() - (today - set_on))
        objective.refresh_from_db()
        _pretend(Objective, [objective.pk], days=(today - set_on).days)
        # The entered values: the months up to the deadline, or up to the month before last (last
        # month's survey result is still owed: a due item of its owner).
        end = min(fields["due_date"], today.replace(day=1) - relativedelta(months=2))
        months = [end.replace(day=1) - relativedelta(months=n) for n in range(len(values) - 1, -1, -1)]
        for month, value in zip(months, values, strict=True):
            services.objective_value_enter(
                objective=objective, by=owner, month=month, value=Decimal(str(value))
            )
        entered = ObjectiveValue.objects.filter(objective=objective).values_list("pk", flat=True)
        _pretend(ObjectiveValue, entered, days=15)


def _last_quarter(company) -> None:
    qm, top, today = company.quality_manager, company.top_management, company.today
    start, end = _quarter(_quarter(today)[0] - dt.timedelta(days=1))
    held = min(end + dt.timedelta(days=10), today - dt.timedelta(days=3))
    heads = company.heads
    quarter = (end.month - 1) // 3 + 1
    review = services.review_create(
        by=qm,
        title=f"Management review Q{quarter} {end.year}",
        period_start=start,
        period_end=end,
        due_date=held,
        chair=top,
        attendees=[qm, heads["PROD"], heads["QC"], heads["PROC"], heads["ENG"], heads["HR"], heads["SALES"]],
        owner=qm,
        department=company.departments["QM"],
    )
    services.review_inputs_enter(
        review=review,
        by=qm,
        entered__issues="Customer Kessler announced a new supplier quality manual; energy prices up 18 %.",
        entered__audits="Internal audit AUD-PROD (production, March): 1 minor finding (stale drawing "
        "printout at cell 4), 2 observations.",
        entered__risks="Risk register reviewed in February: 14 risks, 2 above the threshold.",
        entered__improvement="6 suggestions from the shop floor, 2 implemented.",
        entered__customers="Quarterly survey: 84 % satisfied (target 85 %), 41 answers.",
    )
    # Held, its inputs frozen, once every module's records are in (the figures count them all).
    company.afterwards.append(lambda: _last_quarter_held(company, review, held))


def _last_quarter_held(company, review: Review, held: dt.date) -> None:
    qm, top, today = company.quality_manager, company.top_management, company.today
    heads = company.heads
    services.review_hold(review=review, by=qm, held_on=held, attendees=list(review.attendees.all()))
    services.review_minutes_write(review=review, by=qm, **{f"minutes__{k}": v for k, v in MINUTES.items()})
    plans = [
        (
            Decision.Kind.RESOURCE,
            "resources",
            "Qualify a backup setter for the boring process at cell 4.",
            "Train and assess a second setter for cell 4 boring",
            heads["HR"],
            held + dt.timedelta(days=14),
            "done",
        ),
        (
            Decision.Kind.CHANGE,
            "processes",
            "Withdraw old drawing printouts whenever a revision becomes effective.",
            "Add the withdrawal of printouts to the document release procedure",
            heads["ENG"],
            today + dt.timedelta(days=30),
            "open",
        ),
        (
            Decision.Kind.IMPROVEMENT,
            "nonconformities",
            "Re-assess the sampling plan whenever a process or its material changes.",
            "Re-assess AQL sampling of H-220 after the material change",
            heads["QC"],
            today - dt.timedelta(days=2),
            "overdue",
        ),
    ]
    for kind, key, text, title, owner, due, state in plans:
        decision = services.decision_add(review=review, by=qm, kind=kind, input_key=key, text=text)
        action = services.action_add(decision=decision, by=qm, title=title, owner=owner, due_date=due)
        if state == "done":
            transition(obj=action, name="finish", by=owner, reason="Second setter assessed and released")
            backdate(action, done_on=held + dt.timedelta(days=12))
    services.review_sign(review=review, by=top, password=DEMO_PASSWORD)
    # The story's dates: the review was prepared, held and signed last quarter.
    back = (today - held).days
    backdate(review, compiled_at=timezone.now() - dt.timedelta(days=back))
    _pretend(Review, [review.pk], days=back)
    _pretend(ReviewInput, review.inputs.values_list("pk", flat=True), days=back)
    _pretend(Decision, review.decisions.values_list("pk", flat=True), days=back)
    _pretend(
        ReviewAction,
        ReviewAction.objects.filter(decision__review=review).values_list("pk", flat=True),
        days=back,
    )
    Signature.objects.filter(object_id=review.pk, meaning=services.reviews.MEANING).update(
        signed_at=timezone.now() - dt.timedelta(days=back - 1)
    )


def _this_quarter(company) -> None:
    qm, top, today = company.quality_manager, company.top_management, company.today
    start, end = _quarter(today)
    quarter = (end.month - 1) // 3 + 1
    heads = company.heads
    review = services.review_create(
        by=qm,
        title=f"Management review Q{quarter} {end.year}",
        period_start=start,
        period_end=end,
        due_date=max(end + dt.timedelta(days=5), today + dt.timedelta(days=7)),  # once it has ended
        chair=top,
        attendees=[qm, heads["PROD"], heads["QC"], heads["PROC"], heads["ENG"], heads["HR"]],
        owner=qm,
        department=company.departments["QM"],
    )
    services.review_inputs_enter(
        review=review,
        by=qm,
        entered__issues="Kessler's supplier quality manual now applies: PPAP for every drawing change.",
    )


def load(company) -> None:
    _objectives(company)
    _last_quarter(company)
    _this_quarter(company)
