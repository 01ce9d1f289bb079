"""The management review module's share of the ten-year archive of a 500-person company (called by
bench/archive.py): four reviews a year, held with every 9.3.2 input frozen and minuted, three
decisions each with two actions (all done but the last year's), and five quality objectives a
year, half measured by hand with a value every month. Bulk-inserted (the archive is about size,
not about history rows), with reference numbers from the kernel's counters so none collides."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta


def populate(archive) -> dict[str, int]:
    from qms import kpis
    from qms.models import Department, Role, User, next_reference
    from reviews.models import Decision, Objective, ObjectiveValue, Review, ReviewAction, ReviewInput

    rng, today, quality = archive.rng, archive.today, archive.quality
    chair = User.objects.filter(role=Role.TOP_MANAGEMENT, is_active=True).first() or quality
    heads = list(archive.heads.values()) or archive.people[:10]
    department = quality.department or (
        archive.departments[0] if archive.departments else Department.objects.first()
    )
    first_year = today.year - archive.years + 1
    reviews, objectives = [], []
    for year in range(first_year, today.year + 1):
        for quarter in range(4):
            start = dt.date(year, 3 * quarter + 1, 1)
            end = start + relativedelta(months=3) - dt.timedelta(days=1)
            held = end + dt.timedelta(days=10)
            if held >= today:
                break
            reviews.append(
                Review(
                    reference=next_reference("MR", year),
                    title=f"Management review Q{quarter + 1} {year}",
                    owner=quality,
                    department=department,
                    created_by=quality,
                    due_date=held,
                    status="closed" if year < today.year else "signed",
                    period_start=start,
                    period_end=end,
                    chair=chair,
                    held_on=held,
                )
            )
        for n in range(5):
            head = rng.choice(heads)
            objectives.append(
                Objective(
                    reference=next_reference("OBJ", year),
                    title=f"Objective {n + 1} of {year}",
                    owner=head,
                    department_id=head.department_id or department.pk,
                    created_by=chair,
                    due_date=dt.date(year, 12, 31),
                    status="closed" if year < today.year else "active",
                    measure_key="" if n % 2 == 0 else "capa.ncrs",
                    target=Decimal(rng.choice([2, 85, 95])),
                    unit="%",
                )
            )
    reviews = Review.objects.bulk_create(reviews, batch_size=500)
    objectives = Objective.objects.bulk_create(objectives, batch_size=500)
    inputs = [
        ReviewInput(
            review=review,
            key=spec.key,
            position=i,
            minutes=f"Discussed {spec.title.lower()}.",
            data={"module": False, "measures": []},
        )
        for review in reviews
        for i, spec in enumerate(kpis.REVIEW_INPUTS)
    ]
    ReviewInput.objects.bulk_create(inputs, batch_size=2000)
    decisions = Decision.objects.bulk_create(
        [
            Decision(
                review=review,
                number=k + 1,
                kind=rng.choice(["improvement", "change", "resource"]),
                text="Decision",
            )
            for review in reviews
            for k in range(3)
        ],
        batch_size=2000,
    )
    actions = []
    for decision in decisions:
        for a in range(2):
            due = decision.review.held_on + dt.timedelta(days=rng.randrange(14, 120))
            done = due < today - dt.timedelta(days=365) or rng.random() < 0.6
            actions.append(
                ReviewAction(
                    decision=decision,
                    title=f"Action {a + 1}",
                    owner=rng.choice(heads),
                    due_date=due,
                    status="done" if done else "open",
                    done_on=min(due, today) if done else None,
                )
            )
    ReviewAction.objects.bulk_create(actions, batch_size=2000)
    values = [
        ObjectiveValue(
            objective=o,
            month=dt.date(o.due_date.year, m, 1),
            value=Decimal(rng.randrange(70, 100)),
            entered_by=o.owner,
        )
        for o in objectives
        if not o.measure_key
        for m in range(1, 13)
        if dt.date(o.due_date.year, m, 1) < today.replace(day=1)
    ]
    ObjectiveValue.objects.bulk_create(values, batch_size=2000)
    return {
        "management reviews": len(reviews),
        "review inputs": len(inputs),
        "review decisions": len(decisions),
        "review actions": len(actions),
        "quality objectives": len(objectives),
        "objective values": len(values),
    }
