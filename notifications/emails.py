"""What every email of the product shares: the keys that make each one owed once, the lines that
show a due item, rendering, and who may be emailed at all."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from qms.due import DueItem
from qms.models import Role

from . import conf
from .delivery import RunReport, deliveries_send, next_wakeup

USER_FIELDS = ("id", "username", "first_name", "last_name", "email", "department_id", "manager_id")


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


def line_for(item: DueItem, today: dt.date, owner: str = "", base_url: str | None = None) -> dict:
    """One due item as an email shows it (a plain dict: the fastest lookup in templates).
    ``base_url``: BASE_URL, read once by a caller that makes thousands of lines."""
    days = (today - item.due_date).days
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
        "url": (base_url or conf.base_url()) + item.url,
        "owner": owner,
    }


def by_module(lines: Iterable[dict]) -> list[tuple[str, list[dict]]]:
    """Lines grouped by module, each group in due-date order, the group with the most overdue
    item first (then by name): what is late is read first, as on My work."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for line in lines:
        groups[line["module"]].append(line)
    ordered = [(m, sorted(g, key=lambda x: (x["due_date"], x["reference"]))) for m, g in groups.items()]
    return sorted(ordered, key=lambda group: (group[1][0]["due_date"], group[0]))


def _row_html(line: dict, show_owner: bool) -> str:
    e = html.escape
    owner = f", owner {e(line['owner'])}" if show_owner else ""
    overdue = " o" if line["overdue"] else ""
    return (
        f'\n<tr><td class="n"><a href="{e(line["url"])}">{e(line["reference"])}</a></td>'
        f'<td>{e(line["title"])} <span class="m">({e(line["kind"])}{owner})</span></td>'
        f'<td class="n">{line["due"]}</td><td class="n{overdue}">{line["when"]}</td></tr>'
    )


def _row_text(line: dict, show_owner: bool) -> str:
    owner = f", owner {line['owner']}" if show_owner else ""
    return (
        f"  - {line['reference']} {line['title']} ({line['kind']}){owner}\n"
        f"    due {line['due']}, {line['when']}\n"
        f"    {line['url']}\n"
    )


def line_groups(lines: Iterable[dict], *, show_owner: bool = False) -> list[dict]:
    """Lines grouped by module, each group's rows formatted once, as HTML table rows and as plain
    text, for templates/notifications/_lines.html and digest_body.txt. A weekly digest has tens
    of thousands of lines; formatting each in the template engine was most of the digest's time."""
    return [
        {
            "module": module,
            "lines": group,
            "html": mark_safe("".join(_row_html(line, show_owner) for line in group)),  # noqa: S308 - escaped above
            "text": "".join(_row_text(line, show_owner) for line in group),
        }
        for module, group in by_module(lines)
    ]


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


def finish(report: RunReport) -> RunReport:
    """Rows left over by an earlier interrupted run of any job are owed too: send them now, and
    say when to come back for what is still unfinished."""
    report.add(deliveries_send())
    report.next_wakeup = next_wakeup(report)
    return report
