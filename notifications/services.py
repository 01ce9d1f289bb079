"""What the product owes people by email, worked out from the due-item registry: due-date alerts,
the escalation ladder for overdue items, and the weekly digest. Each builds drafts, claims them
(see ``delivery.py``) and sends what was claimed; running any of them twice sends nothing new.

Every module's due items come through ``qms.due.registry``; a module added later appears in
alerts, escalations and digests without a change here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from qms.due import DueItem, registry
from qms.models import Department, Role, User

from . import conf
from .delivery import Draft, RunReport, deliveries_claim, deliveries_send, existing_keys, next_wakeup
from .models import Delivery

_USER_FIELDS = ("id", "username", "first_name", "last_name", "email", "department_id", "manager_id")


# --- shared helpers -----------------------------------------------------------------------------


def local_today(now: dt.datetime | None = None) -> dt.date:
    """The company's calendar date (TIME_ZONE) at ``now``: weeks and due days are local."""
    return timezone.localdate(now) if now is not None else timezone.localdate()


def week_key(day: dt.date) -> str:
    """ISO week of a *local* date, e.g. "2026-W14". Taken from the local date, not from UTC, so a
    run just after midnight, or a week with a daylight-saving change, never makes two weeks."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def digest_key(user_id: int, week: str) -> str:
    return f"digest:{user_id}:{week}"


def item_topic(item: DueItem) -> str:
    """One obligation: the item at its due date. A new due date starts new alerts and a new ladder."""
    return f"{item.key}:{item.due_date.isoformat()}"


def alert_key(item: DueItem, lead: int) -> str:
    return f"alert:{item_topic(item)}:{lead}"


def escalation_key(item: DueItem, step: str, recipient_id: int) -> str:
    return f"escalation:{item_topic(item)}:{step}:{recipient_id}"


def display_name(user: dict) -> str:
    full = f"{user.get('first_name', '')} {user.get('last_name', '')}".strip()
    return full or user.get("username", "")


def when_label(days_overdue: int) -> str:
    if days_overdue > 0:
        return f"{days_overdue} day{'s' if days_overdue != 1 else ''} overdue"
    if days_overdue == 0:
        return "due today"
    ahead = -days_overdue
    return f"due in {ahead} day{'s' if ahead != 1 else ''}"


def day_label(day: dt.date) -> str:
    """ "13 Apr 2026", formatted once per line in Python: a digest has thousands of lines and the
    template ``date`` filter is the slowest part of rendering them."""
    return f"{day.day} {day:%b %Y}"


def line_for(item: DueItem, today: dt.date, owner: str = "") -> dict:
    """One due item as an email shows it (a plain dict: the fastest lookup in templates)."""
    days = item.days_overdue(today)
    return {
        "module": item.module,
        "kind": item.kind,
        "reference": item.reference,
        "title": item.title,
        "due_date": item.due_date,
        "due": day_label(item.due_date),
        "days_overdue": days,
        "overdue": days > 0,
        "when": when_label(days),
        # What is owed ("Read and acknowledge", "Periodic review"), unless the reference already
        # says it (an NCR-… is an NCR): subjects name the obligation, not only the record.
        "subject_kind": "" if item.reference.upper().startswith(item.kind.upper() + "-") else item.kind,
        "url": conf.base_url() + item.url,
        "owner": owner,
    }


def by_module(lines: Iterable[dict]) -> list[tuple[str, list[dict]]]:
    """Lines grouped by module (alphabetically), each group in due-date order."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for line in lines:
        groups[line["module"]].append(line)
    return [(m, sorted(g, key=lambda x: (x["due_date"], x["reference"]))) for m, g in sorted(groups.items())]


def render(kind: str, context: dict) -> tuple[str, str, str]:
    """Subject, plain text and HTML from templates/notifications/<kind>_subject.txt / _body.txt /
    _body.html."""
    context = {"base_url": conf.base_url(), "profile_url": conf.base_url() + "/account/profile/", **context}
    subject = render_to_string(f"notifications/{kind}_subject.txt", context)
    subject = re.sub(r"\s+", " ", subject).strip()
    text = render_to_string(f"notifications/{kind}_body.txt", context)
    html = render_to_string(f"notifications/{kind}_body.html", context)
    return subject, text, html


def chunks(seq: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(seq), size):
        yield seq[start : start + size]


def mailable_users() -> Q:
    """People who can be emailed at all: active, a real person, with an address, access valid."""
    today = timezone.localdate()
    return (
        Q(is_active=True, is_system=False)
        & ~Q(email="")
        & ~Q(role=Role.AUDITOR)
        & (Q(access_expires_on__isnull=True) | Q(access_expires_on__gte=today))
    )


def _finish(report: RunReport) -> RunReport:
    # Rows left over by an earlier interrupted run of any job are owed too: send them now.
    report.add(deliveries_send())
    report.next_wakeup = next_wakeup()
    return report


# --- due-date alerts ----------------------------------------------------------------------------


def lead_for(days_ahead: int, leads: Sequence[int]) -> int | None:
    """The alert an item is at: the tightest lead time not shorter than the days left. A missed
    day is caught up the next day, and an item created 3 days before its due date gets the
    7-day alert at once rather than the 14-day one as well."""
    fitting = [lead for lead in leads if lead >= days_ahead]
    return min(fitting) if fitting else None


def alerts_send_due(*, now: dt.datetime | None = None) -> RunReport:
    """Daily: email each owner about each of their items at the configured lead times before its
    due date and on the due day. Owners who switched alerts off get none."""
    today = local_today(now)
    leads = conf.lead_days()
    report = RunReport()
    if not leads:
        return _finish(report)
    upcoming = [i for i in registry.items(until=today + dt.timedelta(days=max(leads))) if i.due_date >= today]
    for chunk in chunks(upcoming, conf.batch_size()):
        wanted: dict[str, tuple[DueItem, int]] = {}
        for item in chunk:
            lead = lead_for((item.due_date - today).days, leads)
            if lead is not None:
                wanted[alert_key(item, lead)] = (item, lead)
        done = existing_keys(wanted)
        todo = {k: v for k, v in wanted.items() if k not in done}
        owners = {
            u["id"]: u
            for u in User.objects.filter(mailable_users(), receive_alerts=True)
            .filter(pk__in={item.owner_id for item, _ in todo.values()})
            .values(*_USER_FIELDS)
        }
        drafts = []
        for key, (item, lead) in todo.items():
            owner = owners.get(item.owner_id)
            if owner is None:
                continue
            line = line_for(item, today)
            subject, text, html = render(
                "alert", {"user": owner, "name": display_name(owner), "line": line, "lead": lead}
            )
            drafts.append(
                Draft(
                    Delivery.Kind.ALERT,
                    key,
                    item_topic(item),
                    owner["id"],
                    owner["email"],
                    subject,
                    text,
                    html,
                )
            )
        report.claimed += deliveries_claim(drafts=drafts)
        report.add(deliveries_send(keys=list(wanted)))
    return _finish(report)


# --- escalations --------------------------------------------------------------------------------

OWNER, HEAD, QUALITY = "owner", "head", "quality"
STEP_LABELS = {OWNER: "owner", HEAD: "department head", QUALITY: "quality manager"}


def ladder() -> list[tuple[str, int]]:
    """(step, days overdue from which it applies), in order."""
    return [(OWNER, 1), (HEAD, conf.escalate_to_head_after()), (QUALITY, conf.escalate_to_quality_after())]


def escalations_send(*, now: dt.datetime | None = None) -> RunReport:
    """Daily: walk the ladder for every overdue item: the owner first, then the head of the owner's
    department (or the owner's manager when the department has no head or the owner heads it),
    then the quality manager(s). Each email says how long the item has been overdue and who has
    already been told. The owner's alert setting only silences the owner's own email; the steps
    above the owner cannot be switched off by the owner."""
    today = local_today(now)
    steps = ladder()
    report = RunReport()
    overdue = registry.items(until=today - dt.timedelta(days=1))
    quality = list(
        User.objects.filter(mailable_users(), role=Role.QUALITY_MANAGER).order_by("pk").values(*_USER_FIELDS)
    )
    if not quality:  # a company without a named quality manager: the administrators stand in
        quality = list(
            User.objects.filter(mailable_users(), role=Role.ADMINISTRATOR)
            .order_by("pk")
            .values(*_USER_FIELDS)
        )
    for chunk in chunks(overdue, conf.batch_size()):
        owners = {
            u["id"]: u
            for u in User.objects.filter(pk__in={i.owner_id for i in chunk}).values(
                *_USER_FIELDS, "is_active", "receive_alerts", "is_system", "role", "access_expires_on"
            )
        }
        heads = dict(
            Department.objects.filter(
                pk__in={u["department_id"] for u in owners.values() if u["department_id"]}
            ).values_list("pk", "head_id")
        )
        bosses = {
            u["id"]: u
            for u in User.objects.filter(mailable_users())
            .filter(pk__in={*heads.values(), *(u["manager_id"] for u in owners.values())} - {None})
            .values(*_USER_FIELDS)
        }
        # Who has been told about these items already (earlier days' steps): one query.
        told_before: dict[str, list[dict]] = defaultdict(list)
        claimed: set[str] = set()
        earlier = Delivery.objects.filter(
            kind=Delivery.Kind.ESCALATION, topic__in=[item_topic(i) for i in chunk]
        ).select_related("recipient")
        for row in earlier.order_by("created_at", "id"):
            claimed.add(row.key)
            step = row.key.rsplit(":", 2)[1]
            who = str(row.recipient) if row.recipient else row.to_email
            told_before[row.topic].append(
                {"step": step, "recipient_id": row.recipient_id, "who": who, "on": row.created_at}
            )
        drafts = []
        for item in chunk:
            owner = owners.get(item.owner_id)
            if owner is None:
                continue
            days = item.days_overdue(today)
            topic = item_topic(item)
            told = [
                {**t, "step": step_label(t["step"], t["recipient_id"], owner, heads)}
                for t in told_before[topic]
            ]
            notes = []
            owner_mailable = bool(
                owner["is_active"]
                and owner["email"]
                and not owner["is_system"]
                and owner["role"] != Role.AUDITOR
                and not (owner["access_expires_on"] and owner["access_expires_on"] < today)
            )
            if not owner_mailable:
                notes.append(f"{display_name(owner)} (owner) cannot be emailed (inactive or no address).")
            elif not owner["receive_alerts"]:
                notes.append(
                    f"{display_name(owner)} (owner) has email alerts switched off and was not emailed."
                )
            for number, (step, threshold) in enumerate(steps, start=1):
                if days < threshold:
                    break
                for person in _step_recipients(step, owner, owner_mailable, heads, bosses, quality):
                    key = escalation_key(item, step, person["id"])
                    if key in claimed:
                        continue
                    line = line_for(item, today, owner=display_name(owner))
                    label = step_label(step, person["id"], owner, heads)
                    subject, text, html = render(
                        "escalation",
                        {
                            "user": person,
                            "name": display_name(person),
                            "line": line,
                            "step": label,
                            "step_number": number,
                            "step_count": len(steps),
                            "is_owner": step == OWNER,
                            "told": list(told),
                            "notes": notes,
                        },
                    )
                    drafts.append(
                        Draft(
                            Delivery.Kind.ESCALATION,
                            key,
                            topic,
                            person["id"],
                            person["email"],
                            subject,
                            text,
                            html,
                        )
                    )
                    claimed.add(key)
                    told.append({"step": label, "who": display_name(person), "on": None})
        report.claimed += deliveries_claim(drafts=drafts)
        report.add(deliveries_send(keys=[d.key for d in drafts]))
    return _finish(report)


def step_label(step: str, recipient_id: int | None, owner: dict, heads: dict[int, int | None]) -> str:
    """How a recipient stands on the ladder, as the email says it. The second step goes to the head
    of the owner's department, or to the owner's manager when the owner is that head (or the
    department has none): the email must not call the manager a department head."""
    if step == HEAD and recipient_id is not None and recipient_id != heads.get(owner["department_id"]):
        return "owner's manager"
    return STEP_LABELS.get(step, step)


def _step_recipients(step, owner, owner_mailable, heads, bosses, quality) -> list[dict]:
    if step == OWNER:
        return [owner] if owner_mailable and owner["receive_alerts"] else []
    if step == HEAD:
        for candidate in (heads.get(owner["department_id"]), owner["manager_id"]):
            if candidate and candidate != owner["id"] and candidate in bosses:
                return [bosses[candidate]]
        return []
    return [q for q in quality if q["id"] != owner["id"]]


# --- weekly digest ------------------------------------------------------------------------------


def digest_recipients() -> Q:
    return mailable_users() & Q(receive_digest=True)


def digest_send_weekly(*, now: dt.datetime | None = None, batch_size: int | None = None) -> RunReport:
    """One email per person per (local) ISO week: what they own that is overdue or due within the
    horizon, grouped by module; department heads also get their department's overdue items.
    Nobody gets an empty digest. Users are taken in batches; each batch costs a constant number
    of queries, whatever its size (plus one take and one record per message sent)."""
    today = local_today(now)
    week = week_key(today)
    size = batch_size or conf.batch_size()
    report = RunReport(details={"week": week, "batches": 0})
    last_pk = 0
    while True:
        users = list(
            User.objects.filter(digest_recipients(), pk__gt=last_pk)
            .order_by("pk")
            .values(*_USER_FIELDS)[:size]
        )
        if not users:
            break
        last_pk = users[-1]["id"]
        drafts = digest_drafts(users, today=today, week=week)
        report.claimed += deliveries_claim(drafts=drafts)
        report.add(deliveries_send(keys=[digest_key(u["id"], week) for u in users]))
        report.details["batches"] += 1
    return _finish(report)


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
    for user in todo:
        mine = [line_for(i, today) for i in own.get(user["id"], ())]
        sections = []
        for dept_id, dept_name in headed.get(user["id"], ()):
            # The head's own items are already in the first part.
            lines = [
                line_for(i, today, owner=owner_names.get(i.owner_id, ""))
                for i in in_dept.get(dept_id, ())
                if i.owner_id != user["id"]
            ]
            if lines:
                sections.append({"department": dept_name, "groups": by_module(lines), "count": len(lines)})
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
                "groups": by_module(mine),
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
