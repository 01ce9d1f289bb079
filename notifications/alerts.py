"""The daily emails about due items: an alert to the owner at each lead time before the due date,
and the escalation ladder for overdue items.

Both run over every open due item in the company every day (tens of thousands in a ten-year-old
installation) and usually find little new. So each batch of items costs a constant number of
queries: the date window is filtered by the registry in SQL, the emails already owed are looked up
as keys (values, not objects), and people, history and rendering are read and done only for the
emails that are new today.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from qms.due import DueItem, registry
from qms.models import Department, Role, User

from . import conf
from .delivery import Draft, RunReport, deliveries_claim, deliveries_send, unclaimed_keys
from .emails import (
    USER_FIELDS,
    alert_key,
    chunks,
    display_name,
    finish,
    item_topic,
    line_for,
    local_today,
    mailable_users,
    render,
)
from .models import Delivery

# --- due-date alerts ----------------------------------------------------------------------------


def schedule_text(leads: Sequence[int]) -> str:
    """When alerts are sent, as the email's footer says it: "14, 7 and 1 days ahead of each due
    date and on the day" (an item first seen inside a lead time is alerted at once)."""
    ahead = sorted({lead for lead in leads if lead > 0}, reverse=True)
    parts = []
    if ahead:
        days = ", ".join(str(n) for n in ahead[:-1]) + (" and " if len(ahead) > 1 else "") + str(ahead[-1])
        parts.append(f"{days} day{'s' if ahead != [1] else ''} ahead of each due date")
    if 0 in leads:
        parts.append("on the day" if ahead else "on each due date")
    return " and ".join(parts)


def lead_for(days_ahead: int, leads: Sequence[int]) -> int | None:
    """The alert an item is at: the tightest lead time not shorter than the days left. A missed
    day is caught up the next day, and an item created 3 days before its due date gets the
    7-day alert at once rather than the 14-day one as well."""
    fitting = [lead for lead in leads if lead >= days_ahead]
    return min(fitting) if fitting else None


def alerts_send_due(*, now: dt.datetime | None = None) -> RunReport:
    """Daily: email each owner about each of their items at the configured lead times before its
    due date and on the due day. Owners who switched alerts off get none.

    Queries per batch of items: one for the keys not claimed yet; and only when some alert is
    new: one for the owners, the claim, and the sending (one per email)."""
    today = local_today(now)
    leads = conf.lead_days()
    report = RunReport()
    if not leads:
        return finish(report)
    schedule = schedule_text(leads)
    upcoming = registry.items(since=today, until=today + dt.timedelta(days=max(leads)))
    for chunk in chunks(upcoming, conf.item_batch_size()):
        wanted: dict[str, tuple[DueItem, int]] = {}
        for item in chunk:
            lead = lead_for((item.due_date - today).days, leads)
            if lead is not None:
                wanted[alert_key(item, lead)] = (item, lead)
        new = unclaimed_keys(wanted)
        todo = {k: v for k, v in wanted.items() if k in new}
        if not todo:
            continue
        owners = {
            u["id"]: u
            for u in User.objects.filter(mailable_users(), receive_alerts=True)
            .filter(pk__in={item.owner_id for item, _ in todo.values()})
            .values(*USER_FIELDS)
        }
        drafts = []
        for key, (item, _lead) in todo.items():
            owner = owners.get(item.owner_id)
            if owner is None:
                continue
            subject, text, html = render(
                "alert",
                {
                    "user": owner,
                    "name": display_name(owner),
                    "line": line_for(item, today),
                    "schedule": schedule,
                },
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
        outgoing = deliveries_claim(drafts=drafts)
        report.claimed += len(outgoing)
        report.add(deliveries_send(outgoing=outgoing))
    return finish(report)


# --- escalations --------------------------------------------------------------------------------

OWNER, HEAD, QUALITY = "owner", "head", "quality"
STEP_LABELS = {OWNER: "owner", HEAD: "department head", QUALITY: "quality manager"}
_OWNER_FIELDS = (*USER_FIELDS, "is_active", "receive_alerts", "is_system", "role", "access_expires_on")


def ladder() -> list[tuple[str, int]]:
    """(step, days overdue from which it applies), in order."""
    return [(OWNER, 1), (HEAD, conf.escalate_to_head_after()), (QUALITY, conf.escalate_to_quality_after())]


def _quality_people() -> list[dict]:
    quality = list(
        User.objects.filter(mailable_users(), role=Role.QUALITY_MANAGER).order_by("pk").values(*USER_FIELDS)
    )
    if not quality:  # a company without a named quality manager: the administrators stand in
        quality = list(
            User.objects.filter(mailable_users(), role=Role.ADMINISTRATOR).order_by("pk").values(*USER_FIELDS)
        )
    return quality


def _mailable(owner: dict, today: dt.date) -> bool:
    return bool(
        owner["is_active"]
        and owner["email"]
        and not owner["is_system"]
        and owner["role"] != Role.AUDITOR
        and not (owner["access_expires_on"] and owner["access_expires_on"] < today)
    )


def escalations_send(*, now: dt.datetime | None = None) -> RunReport:
    """Daily: walk the ladder for every overdue item: the owner first, then the head of the owner's
    department (or the owner's manager when the department has no head or the owner heads it),
    then the quality manager(s). Each email says how long the item has been overdue and who has
    already been told. The owner's alert setting only silences the owner's own email; the steps
    above the owner cannot be switched off by the owner.

    Queries per batch of items: the owners, their departments' heads, the heads and managers who
    can be emailed, the keys not claimed yet; and only when some step is new: who was told
    before, the claim, and the sending (one per email)."""
    today = local_today(now)
    steps = ladder()
    report = RunReport()
    overdue = registry.items(until=today - dt.timedelta(days=1))
    quality = _quality_people() if overdue else []
    for chunk in chunks(overdue, conf.item_batch_size()):
        owners = {
            u["id"]: u for u in User.objects.filter(pk__in={i.owner_id for i in chunk}).values(*_OWNER_FIELDS)
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
            .values(*USER_FIELDS)
        }
        mailable = {pk: _mailable(owner, today) for pk, owner in owners.items()}
        # Who each step goes to depends on the owner only: worked out once per owner.
        rungs = {
            pk: _rungs(steps, owner, mailable[pk], heads, bosses, quality) for pk, owner in owners.items()
        }
        # Every step each item has reached today, and whom it goes to: keys only, no rendering.
        owed: dict[str, tuple[DueItem, int, dict]] = {}
        for item in chunk:
            if item.owner_id not in rungs:
                continue
            days = (today - item.due_date).days
            prefix = f"escalation:{item_topic(item)}:"  # escalation_key(), once per item
            for number, step, threshold, people in rungs[item.owner_id]:
                if days < threshold:
                    break
                for person in people:
                    owed[f"{prefix}{step}:{person['id']}"] = (item, number, person)
        unclaimed = unclaimed_keys(owed)
        new = {key: value for key, value in owed.items() if key in unclaimed}
        if not new:
            continue
        drafts = _escalation_drafts(
            new, today=today, steps=steps, owners=owners, heads=heads, mailable=mailable
        )
        outgoing = deliveries_claim(drafts=drafts)
        report.claimed += len(outgoing)
        report.add(deliveries_send(outgoing=outgoing))
    return finish(report)


def _told_before(topics: set[str]) -> dict[str, list[dict]]:
    """Who has been told about these items already, on earlier days: one query, values only."""
    told: dict[str, list[dict]] = defaultdict(list)
    rows = (
        Delivery.objects.filter(kind=Delivery.Kind.ESCALATION, topic__in=topics)
        .order_by("created_at", "id")
        .values_list(
            "topic",
            "key",
            "recipient_id",
            "to_email",
            "created_at",
            "recipient__username",
            "recipient__first_name",
            "recipient__last_name",
        )
    )
    for topic, key, recipient_id, to_email, created_at, username, first, last in rows:
        who = (
            display_name({"username": username, "first_name": first, "last_name": last})
            if recipient_id
            else ""
        )
        told[topic].append(
            {
                "step": key.rsplit(":", 2)[1],
                "recipient_id": recipient_id,
                "who": who or to_email,
                "on": created_at,
            }
        )
    return told


def _escalation_drafts(new: dict, *, today, steps, owners, heads, mailable) -> list[Draft]:
    """Render the new steps, item by item, each later step listing the earlier ones."""
    told_before = _told_before({item_topic(item) for item, _, _ in new.values()})
    told_now: dict[str, list[dict]] = {}
    drafts = []
    for key, (item, number, person) in new.items():
        owner = owners[item.owner_id]
        topic = item_topic(item)
        if topic not in told_now:
            told_now[topic] = [
                {**t, "step": step_label(t["step"], t["recipient_id"], owner, heads)}
                for t in told_before[topic]
            ]
        told = told_now[topic]
        notes = []
        if not mailable[owner["id"]]:
            notes.append(f"{display_name(owner)} (owner) cannot be emailed (inactive or no address).")
        elif not owner["receive_alerts"]:
            notes.append(f"{display_name(owner)} (owner) has email alerts switched off and was not emailed.")
        step = steps[number - 1][0]
        label = step_label(step, person["id"], owner, heads)
        subject, text, html = render(
            "escalation",
            {
                "user": person,
                "name": display_name(person),
                "line": line_for(item, today, owner=display_name(owner)),
                "step": label,
                "step_number": number,
                "step_count": len(steps),
                "is_owner": step == OWNER,
                "told": list(told),
                "notes": notes,
            },
        )
        drafts.append(
            Draft(Delivery.Kind.ESCALATION, key, topic, person["id"], person["email"], subject, text, html)
        )
        told.append({"step": label, "who": display_name(person), "on": None})
    return drafts


def step_label(step: str, recipient_id: int | None, owner: dict, heads: dict[int, int | None]) -> str:
    """How a recipient stands on the ladder, as the email says it. The second step goes to the head
    of the owner's department, or to the owner's manager when the owner is that head (or the
    department has none): the email must not call the manager a department head."""
    if step == HEAD and recipient_id is not None and recipient_id != heads.get(owner["department_id"]):
        return "owner's manager"
    return STEP_LABELS.get(step, step)


def _rungs(steps, owner, owner_mailable, heads, bosses, quality) -> list[tuple]:
    """(number, step, threshold, recipients) of each step for ``owner``'s items: nobody twice (the
    quality manager who is the owner's manager is told once, as their manager)."""
    out, told = [], set()
    for number, (step, threshold) in enumerate(steps, start=1):
        people = [
            p
            for p in _step_recipients(step, owner, owner_mailable, heads, bosses, quality)
            if p["id"] not in told
        ]
        told |= {p["id"] for p in people}
        out.append((number, step, threshold, people))
    return out


def _step_recipients(step, owner, owner_mailable, heads, bosses, quality) -> list[dict]:
    if step == OWNER:
        return [owner] if owner_mailable and owner["receive_alerts"] else []
    if step == HEAD:
        for candidate in (heads.get(owner["department_id"]), owner["manager_id"]):
            if candidate and candidate != owner["id"] and candidate in bosses:
                return [bosses[candidate]]
        return []
    return [q for q in quality if q["id"] != owner["id"]]
