"""The weekly digest: one email per person per (local) ISO week, made and sent in batches of
people, as a run that records how far it got so that a run whose worker died is finished by the
sweep within minutes."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone

from qms.due import DueItem, registry
from qms.models import Department, User

from . import conf
from .delivery import Draft, RunReport, deliveries_claim, deliveries_send, existing_keys
from .emails import (
    USER_FIELDS,
    digest_key,
    display_name,
    finish,
    line_for,
    line_groups,
    local_today,
    mailable_users,
    render,
    week_key,
)
from .models import Delivery, DigestRun

log = logging.getLogger(__name__)


def digest_recipients() -> Q:
    return mailable_users() & Q(receive_digest=True)


def _lease() -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=conf.lease_seconds())


def digest_send_weekly(*, now: dt.datetime | None = None, batch_size: int | None = None) -> RunReport:
    """One email per person per (local) ISO week: what they own that is overdue or due within the
    horizon, grouped by module; department heads also get their department's overdue items.
    Nobody gets an empty digest. People are taken in batches; each batch costs a constant number
    of queries, whatever its size (plus one statement per message sent). A second run in the same
    week goes over everyone again and sends only what is still owed (nothing, usually)."""
    today = local_today(now)
    week = week_key(today)
    run, _ = DigestRun.objects.get_or_create(week=week, defaults={"day": today, "lease_until": _lease()})
    report = _run_batches(run, today=today, after=0, size=batch_size or conf.batch_size())
    return finish(report)


def digest_runs_finish(*, now: dt.datetime | None = None) -> RunReport:
    """Finish this week's digest if its run stopped half-way: its lease ran out (the worker died)
    before every batch of people was claimed. Taken with a conditional UPDATE, so two sweeps never
    both finish it. Picks up after the last batch the run claimed, with the run's own date."""
    now = now or timezone.now()
    week = week_key(local_today(now))
    report = RunReport()
    taken = DigestRun.objects.filter(week=week, finished_at__isnull=True, lease_until__lt=now).update(
        lease_until=_lease(), resumed=F("resumed") + 1
    )
    if taken:
        run = DigestRun.objects.get(week=week)
        log.warning(
            "Weekly digest %s stopped after person #%s (its worker died?); finishing it", week, run.done_up_to
        )
        report = _run_batches(run, today=run.day, after=run.done_up_to, size=conf.batch_size())
    return report


def _run_batches(run: DigestRun, *, today: dt.date, after: int, size: int) -> RunReport:
    report = RunReport(details={"week": run.week, "batches": 0})
    last_pk = after
    while True:
        users = list(
            User.objects.filter(digest_recipients(), pk__gt=last_pk)
            .order_by("pk")
            .values(*USER_FIELDS)[:size]
        )
        if not users:
            break
        last_pk = users[-1]["id"]
        outgoing = deliveries_claim(drafts=digest_drafts(users, today=today, week=run.week))
        # Claimed rows are owed whatever happens next (the sweep sends them); mark the batch done
        # and hold the run a while longer.
        DigestRun.objects.filter(pk=run.pk).update(
            done_up_to=Greatest(F("done_up_to"), last_pk), lease_until=_lease()
        )
        report.claimed += len(outgoing)
        report.add(deliveries_send(outgoing=outgoing))
        report.details["batches"] += 1
    DigestRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), lease_until=None)
    return report


def digest_drafts(users: list[dict], *, today: dt.date, week: str) -> list[Draft]:
    """Render the digests of a batch of users not yet claimed for ``week``. A constant number of
    queries: keys already claimed, departments headed, the batch's own items (one registry call),
    their departments' overdue items (one registry call), the names of those items' owners."""
    keys = {u["id"]: digest_key(u["id"], week) for u in users}
    done = existing_keys(keys.values())
    todo = [u for u in users if keys[u["id"]] not in done]
    if not todo:
        return []
    ids = [u["id"] for u in todo]
    headed: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for dept_id, name, head_id in Department.objects.filter(head_id__in=ids).values_list(
        "pk", "name", "head_id"
    ):
        headed[head_id].append((dept_id, name))
    horizon = today + dt.timedelta(days=conf.digest_horizon())
    own: dict[int, list[DueItem]] = defaultdict(list)
    for item in registry.items(until=horizon, owner_ids=ids):
        own[item.owner_id].append(item)
    dept_ids = [d for depts in headed.values() for d, _ in depts]
    in_dept: dict[int, list[DueItem]] = defaultdict(list)
    if dept_ids:
        for item in registry.items(until=today - dt.timedelta(days=1), department_ids=dept_ids):
            in_dept[item.department_id].append(item)
    owner_ids = {i.owner_id for items in in_dept.values() for i in items}
    owner_names = {
        u["id"]: display_name(u)
        for u in User.objects.filter(pk__in=owner_ids).values("id", "username", "first_name", "last_name")
    }
    drafts = []
    base = conf.base_url()
    for user in todo:
        mine = [line_for(i, today, base_url=base) for i in own.get(user["id"], ())]
        sections = []
        for dept_id, dept_name in headed.get(user["id"], ()):
            # The head's own items are already in the first part.
            lines = [
                line_for(i, today, owner=owner_names.get(i.owner_id, ""), base_url=base)
                for i in in_dept.get(dept_id, ())
                if i.owner_id != user["id"]
            ]
            if lines:
                sections.append(
                    {
                        "department": dept_name,
                        "groups": line_groups(lines, show_owner=True),
                        "count": len(lines),
                    }
                )
        if not mine and not sections:
            continue  # nobody gets an empty digest
        overdue = sum(1 for line in mine if line["overdue"])
        subject, text, html = render(
            "digest",
            {
                "user": user,
                "name": display_name(user),
                "week": week,
                "today": today,
                "horizon": conf.digest_horizon(),
                "groups": line_groups(mine),
                "overdue": overdue,
                "due_soon": len(mine) - overdue,
                "sections": sections,
            },
        )
        drafts.append(
            Draft(
                Delivery.Kind.DIGEST, keys[user["id"]], week, user["id"], user["email"], subject, text, html
            )
        )
    return drafts
