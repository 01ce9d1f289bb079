"""The NCR and CAPA share of the ten-year archive: 100,000 NCRs and 100,000 CAPAs with 284,000
actions, almost all closed long ago; the open ones due around today, many overdue."""

from __future__ import annotations

import datetime as dt

from bench.archive import Archive, as_given_dates, history

NCRS, CAPAS, ACTIONS_PER_CAPA = 100_000, 100_000, 2.84
OPEN_NCR, OPEN_CAPA = 0.03, 0.05


def _due_around(archive: Archive) -> dt.date:
    """A due date of open work: overdue by up to 60 days or due within 45 (about half overdue)."""
    return archive.today + dt.timedelta(days=archive.rng.randint(-60, 45))


def populate(archive: Archive) -> dict[str, int]:
    from capa.models import Action, Capa, EffectivenessCheck, Nonconformity
    from qms.models import ReferenceCounter

    rng, made = archive.rng, {}
    sources = [c for c, _ in Nonconformity.Source.choices]
    causes = [c for c, _ in Nonconformity._meta.get_field("cause_category").choices]
    numbers: dict[tuple[str, int], int] = {}

    def reference(prefix: str, when: dt.datetime) -> str:
        key = (prefix, when.year)
        numbers[key] = numbers.get(key, 0) + 1
        return f"{prefix}-{when.year}-{numbers[key]:04d}"

    ncrs = []
    for _ in range(archive.n(NCRS)):
        opened = rng.random() < OPEN_NCR
        created = archive.moment(days_ago_max=90 if opened else None)
        owner = archive.person()
        ncrs.append(
            Nonconformity(
                title=f"Dimension out of tolerance on lot {rng.randint(10000, 99999)}",
                owner=owner,
                department_id=owner.department_id,
                due_date=_due_around(archive) if opened else (created + dt.timedelta(days=30)).date(),
                status="open" if opened else "closed",
                created_at=created,
                updated_at=created,
                created_by=owner,
                source=rng.choice(sources),
                severity=rng.choice(["minor", "minor", "major", "critical"]),
                part=f"H-{rng.randint(100, 999)}",
                lot=f"{rng.randint(20, 26)}-{rng.randint(1000, 9999)}",
                quantity_affected=rng.randint(1, 500),
                description="Bore diameter over the upper limit at final inspection.",
                cause_category=rng.choice(causes),
                disposition="" if opened else "rework",
                closed_at=None if opened else created + dt.timedelta(days=rng.randint(5, 40)),
            )
        )
    ncrs.sort(key=lambda n: n.created_at)
    for ncr in ncrs:
        ncr.reference = reference("NCR", ncr.created_at)
    with as_given_dates(Nonconformity):
        Nonconformity.objects.bulk_create(ncrs, batch_size=5000)
    made["NCRs"] = len(ncrs)
    made["history rows"] = history(
        ncrs,
        lambda n: (
            [(n.created_at, "+", "Created", {"status": "open", "disposition": "", "closed_at": None})]
            + (
                []
                if n.status == "open"
                else [
                    (
                        n.created_at + dt.timedelta(days=2),
                        "~",
                        "Disposition: Rework",
                        {"status": "dispositioned", "closed_at": None},
                    ),
                    (n.closed_at, "~", "Close", {}),
                ]
            )
        ),
        user_of=lambda n: n.owner_id,
    )

    capas = []
    for _ in range(archive.n(CAPAS)):
        opened = rng.random() < OPEN_CAPA
        created = archive.moment(days_ago_max=180 if opened else None)
        owner = archive.person()
        capas.append(
            Capa(
                title=f"Recurring deviation on {rng.choice(['bore', 'thread', 'surface', 'length'])}",
                owner=owner,
                department_id=owner.department_id,
                due_date=_due_around(archive) if opened else (created + dt.timedelta(days=90)).date(),
                status=rng.choice(["investigation", "actions"]) if opened else "closed",
                created_at=created,
                updated_at=created,
                created_by=owner,
                source=rng.choice(sources),
                severity=rng.choice(["minor", "major"]),
                description="Three lots in a row with the same deviation.",
                root_cause="" if opened else "Worn tool not replaced at its life limit.",
                cause_category="" if opened else rng.choice(causes),
                risks_change=None if opened else False,
                documents_change=None if opened else False,
                closed_by=None if opened else owner,
                closed_at=None if opened else created + dt.timedelta(days=rng.randint(30, 120)),
            )
        )
    capas.sort(key=lambda c: c.created_at)
    for capa in capas:
        capa.reference = reference("CAPA", capa.created_at)
    with as_given_dates(Capa):
        Capa.objects.bulk_create(capas, batch_size=5000)
    made["CAPAs"] = len(capas)
    made["history rows"] += history(
        capas,
        lambda c: (
            [(c.created_at, "+", "Created", {"status": "open", "closed_at": None, "closed_by_id": None})]
            + [
                (
                    c.created_at + dt.timedelta(days=d),
                    "~",
                    label,
                    {"status": s, "closed_at": None, "closed_by_id": None},
                )
                for d, s, label in (
                    (1, "investigation", "Start investigation"),
                    (10, "actions", "Root cause found"),
                )
                if c.status != s or d == 1
            ]
            + ([] if c.closed_at is None else [(c.closed_at, "~", "Close CAPA", {})])
        ),
        user_of=lambda c: c.owner_id,
    )

    actions, checks = [], []
    per_capa = ACTIONS_PER_CAPA
    for capa in capas:
        count = int(per_capa) + (1 if rng.random() < per_capa - int(per_capa) else 0)
        for number in range(1, count + 1):
            owner = archive.person()
            open_ = capa.closed_at is None and rng.random() < 0.85
            done_at = (
                None if open_ else (capa.closed_at or capa.created_at) - dt.timedelta(days=rng.randint(1, 20))
            )
            actions.append(
                Action(
                    capa=capa,
                    number=number,
                    kind=rng.choice(["correction", "corrective", "preventive"]),
                    title=f"Action {number} of {capa.reference}",
                    owner=owner,
                    due_date=_due_around(archive) if open_ else done_at.date(),
                    status=rng.choice(["open", "in_progress"]) if open_ else "done",
                    evidence="" if open_ else "Tool life limit in the CNC program; first article passed.",
                    completed_at=done_at,
                )
            )
        if capa.closed_at is not None and capa.closed_at.date() > archive.today - dt.timedelta(days=120):
            checks.append(
                EffectivenessCheck(
                    capa=capa,
                    planned_date=capa.closed_at.date() + dt.timedelta(days=rng.randint(60, 150)),
                    criteria="No repeat of the deviation in the next ten lots.",
                    planned_by=capa.owner,
                    verifier=archive.quality,
                )
            )
    Action.objects.bulk_create(actions, batch_size=5000)
    EffectivenessCheck.objects.bulk_create(checks, batch_size=5000)
    made["CAPA actions"] = len(actions)
    made["effectiveness checks"] = len(checks)
    made["history rows"] += history(
        actions,
        lambda a: (
            [
                (
                    a.capa.created_at + dt.timedelta(days=11),
                    "+",
                    f"Action A{a.number} added",
                    {"status": "open", "completed_at": None},
                )
            ]
            + ([] if a.completed_at is None else [(a.completed_at, "~", f"A{a.number}: Done", {})])
        ),
        user_of=lambda a: a.owner_id,
    )
    ReferenceCounter.objects.bulk_create(
        [ReferenceCounter(prefix=p, year=y, last=n) for (p, y), n in numbers.items()], ignore_conflicts=True
    )
    return made
