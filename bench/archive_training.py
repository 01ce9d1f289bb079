"""The training module's share of a ten-year archive of a 500-person company (bench/archive.py
calls ``populate``): two processes per department with their competences, three job roles per
department, a training file for everyone who worked there, the job roles they held, their training
records over the years (with the requalifications the competences ask for), the effectiveness
evaluations and training needs that came with them, absences, and a few coverage alarms of the past.

Written with bulk_create for speed; reference numbers are allocated so that records created later
through the services continue after them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from dateutil.relativedelta import relativedelta


def populate(archive) -> dict[str, int]:
    from qms.models import Process, ReferenceCounter
    from training.models import (
        Absence,
        Competence,
        CoverageAlarm,
        Evaluation,
        JobRole,
        RoleAssignment,
        RoleRequirement,
        TrainingFile,
        TrainingNeed,
        TrainingRecord,
    )

    rng, today, years = archive.rng, archive.today, archive.years
    start = today - relativedelta(years=years)
    numbers: Counter = Counter()

    def reference(prefix: str, year: int) -> str:
        if (prefix, year) not in numbers:  # after any number already handed out
            found = ReferenceCounter.objects.filter(prefix=prefix, year=year).first()
            numbers[(prefix, year)] = found.last if found else 0
        numbers[(prefix, year)] += 1
        return f"{prefix}-{year}-{numbers[(prefix, year)]:04d}"

    def head_of(department):
        return archive.heads.get(department.pk) or archive.quality

    processes = Process.objects.bulk_create(
        [
            Process(name=f"Archive process {d.code}-{k}", department=d)
            for d in archive.departments
            for k in range(2)
            if not Process.objects.filter(name=f"Archive process {d.code}-{k}").exists()
        ]
    )
    competences = Competence.objects.bulk_create(
        [
            Competence(
                reference=reference("COMP", start.year),
                title=f"{p.name}: competence {k + 1}",
                owner=head_of(p.department),
                department=p.department,
                created_by=archive.quality,
                status="retired" if rng.random() < 0.05 else "active",
                process=p,
                requalify_months=rng.choice([None, None, 12, 24, 36]),
                min_coverage=rng.choice([1, 2, 2, 3]),
                authorises=rng.choice(["", "", "", "inspection_signoff"]),
            )
            for p in processes
            for k in range(2)
        ]
    )
    by_department: dict[int, list] = {}
    for c in competences:
        by_department.setdefault(c.department_id, []).append(c)
    roles = JobRole.objects.bulk_create(
        [
            JobRole(
                reference=reference("ROLE", start.year),
                title=f"Archive role {d.code}-{k}",
                owner=head_of(d),
                department=d,
                created_by=archive.quality,
                status="active",
            )
            for d in archive.departments
            for k in range(3)
        ]
    )
    roles_of: dict[int, list] = {}
    requirements = []
    for role in roles:
        roles_of.setdefault(role.department_id, []).append(role)
        own = by_department.get(role.department_id, [])
        for c in rng.sample(own, min(3, len(own))):
            requirements.append(RoleRequirement(job_role=role, competence=c, level=rng.choice([1, 2, 2, 3])))
    RoleRequirement.objects.bulk_create(requirements)

    taken = set(TrainingFile.objects.values_list("owner_id", flat=True))
    people = [
        p
        for p in archive.people
        if p.department_id and p.pk not in taken and p.role != "auditor" and not p.is_system
    ]
    files = TrainingFile.objects.bulk_create(
        [
            TrainingFile(
                reference=reference("TF", start.year + (i % years)),
                title=f"Training file: {p.get_full_name() or p.username}",
                owner=p,
                department_id=p.department_id,
                created_by=archive.quality,
                status="open" if p.is_active else "closed",
            )
            for i, p in enumerate(people)
        ],
        batch_size=2000,
    )
    assignments, records, evaluations, needs, absences = [], [], [], [], []
    for f in files:
        joined = start + dt.timedelta(days=rng.randint(0, 365 * years - 30))
        left = today if f.status == "open" else min(today, joined + dt.timedelta(days=rng.randint(90, 2000)))
        for role in rng.sample(
            roles_of.get(f.department_id, []), min(rng.choice([1, 2]), len(roles_of.get(f.department_id, [])))
        ):
            ended = f.status == "closed"
            assignments.append(
                RoleAssignment(
                    file=f,
                    job_role=role,
                    since=joined,
                    until=left if ended else None,
                    status="ended" if ended else "held",
                )
            )
        own = by_department.get(f.department_id, [])
        for competence in rng.sample(own, min(len(own), rng.randint(1, 4))):
            day = joined + dt.timedelta(days=rng.randint(0, 60))
            level = rng.choice([1, 2, 2, 3])
            while day < left:
                expires = (
                    day + relativedelta(months=competence.requalify_months)
                    if competence.requalify_months
                    else None
                )
                records.append(
                    TrainingRecord(
                        file=f,
                        competence=competence,
                        trained_on=day,
                        method=rng.choice(["on_the_job", "classroom", "external"]),
                        provider="Archive training centre",
                        result="passed",
                        level=level,
                        expires_on=expires,
                        recorded_by=head_of(competence.department),
                    )
                )
                if expires is None:
                    break
                day = expires - dt.timedelta(days=rng.randint(0, 30))
                level = min(3, level + rng.choice([0, 0, 1]))
        for _ in range(rng.randint(0, 2) * max(1, (left - joined).days // 365)):
            first = joined + dt.timedelta(days=rng.randint(0, max(1, (left - joined).days)))
            absences.append(
                Absence(file=f, starts_on=first, ends_on=first + dt.timedelta(days=rng.randint(0, 10)))
            )
    RoleAssignment.objects.bulk_create(assignments, batch_size=5000)
    TrainingRecord.objects.bulk_create(records, batch_size=5000)
    Absence.objects.bulk_create(absences, batch_size=5000)
    owners = {f.pk: f.owner_id for f in files}
    for record in records:
        due = record.trained_on + dt.timedelta(days=90)
        done = due < today - dt.timedelta(days=14) or rng.random() < 0.5
        evaluator = head_of(record.competence.department)
        if evaluator.pk == owners[record.file_id]:
            evaluator = archive.quality
        evaluations.append(
            Evaluation(
                record=record,
                title=f"Was the training effective? {record.competence.title}"[:200],
                evaluator=evaluator,
                due_date=due,
                status=("effective" if rng.random() < 0.95 else "not_effective") if done else "pending",
                evaluated_on=min(today, due + dt.timedelta(days=rng.randint(-10, 20))) if done else None,
                evaluated_by=evaluator if done else None,
            )
        )
        if rng.random() < 0.3:
            needs.append(
                TrainingNeed(
                    file_id=record.file_id,
                    person_id=owners[record.file_id],
                    kind=rng.choice(["role", "requalification"]),
                    title=f"{record.competence.title}: to level {record.level}"[:200],
                    competence=record.competence,
                    level=record.level,
                    due_date=record.trained_on + dt.timedelta(days=rng.randint(-30, 10)),
                    status="closed",
                    closed_by=record,
                )
            )
    Evaluation.objects.bulk_create(evaluations, batch_size=5000)
    TrainingNeed.objects.bulk_create(needs, batch_size=5000)
    alarms = CoverageAlarm.objects.bulk_create(
        [
            CoverageAlarm(
                competence=c,
                owner=head_of(c.department),
                title=f"{c.title}: only one person is qualified ({c.min_coverage} needed)"[:200],
                since=start + dt.timedelta(days=rng.randint(0, 365 * years - 60)),
                lowest=1,
                required=c.min_coverage,
                status="cleared",
            )
            for c in rng.sample(competences, min(20, len(competences)))
        ]
    )
    for alarm in alarms:
        CoverageAlarm.objects.filter(pk=alarm.pk).update(
            raised_at=dt.datetime.combine(alarm.since, dt.time(6), tzinfo=dt.UTC),
            cleared_at=dt.datetime.combine(
                alarm.since + dt.timedelta(days=rng.randint(3, 40)), dt.time(6), tzinfo=dt.UTC
            ),
        )
    # Later records created through the services continue after the archive's numbers.
    for (prefix, year), last in numbers.items():
        counter, _ = ReferenceCounter.objects.get_or_create(prefix=prefix, year=year)
        if counter.last < last:
            counter.last = last
            counter.save(update_fields=["last"])
    return {
        "training competences": len(competences),
        "training job roles": len(roles),
        "training files": len(files),
        "training job roles held": len(assignments),
        "training records": len(records),
        "training evaluations": len(evaluations),
        "training needs": len(needs),
        "training absences": len(absences),
        "training coverage alarms": len(alarms),
    }
