"""The pages read from the due-item registry: My work, the Overview, and the list of items behind
every number on them. Counts are made in the database; lists show the most urgent items and link
to the rest, so a ten-year archive costs what a new company costs."""

from __future__ import annotations

import dataclasses
import datetime as dt
from urllib.parse import urlencode

from django.utils import timezone
from django.views.generic import TemplateView

from .. import access, ahead
from ..due import DueItem, registry
from ..models import Department, Role, User
from .base import QMSView

MY_WORK_DAYS = 30
OWN_LIMIT = 500  # one's own items listed; the rest are one click away
TEAM_LIMIT = 50  # others' overdue items shown on My work; the rest are one click away
MOST_OVERDUE = 15
PAGE = 100
MAX_PAGES = 50  # the due list goes 5,000 items deep; filters find the rest

STATES = {"overdue": "Overdue", "week": "Due in the next 7 days", "open": "Overdue or due in 30 days"}


def due_scope(user: User) -> dict:
    """Whose items a user may count and list: the quality manager, top management and auditors
    the company's; everyone else their department's; someone without a department only their
    own (never the widest scope by default)."""
    if access.sees_everything(user):
        return {}
    if user.department_id:
        return {"department_ids": [user.department_id]}
    return {"owner_ids": [user.pk]}


# The due list's ``department`` for the items of people who belong to no department.
NO_DEPARTMENT = "none"


def due_url(**params) -> str:
    """The list of items behind a number: ``due_url(department=3, module="CAPA", state="overdue")``."""
    return "/due/?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})


def with_owners(items: list[DueItem], today: dt.date, reader: User) -> list[tuple[DueItem, int, User | None]]:
    """Rows of (item, days overdue, owner) for a list of others' items; an item whose record the
    reader may not open (a colleague's training file) is listed without its link or its title
    ("qualification expired – Hannah Bauer" is the colleague's to read): counted, whose and when."""
    owners = User.objects.in_bulk({i.owner_id for i in items})
    openable = registry.openable(reader, items)
    return [
        (
            i if i.key in openable else dataclasses.replace(i, url="", title=""),
            i.days_overdue(today),
            owners.get(i.owner_id),
        )
        for i in items
    ]


class MyWorkView(QMSView, TemplateView):
    """Everything the user owns that is overdue or due within 30 days, most overdue first; heads
    also see their department's overdue items of others, the quality manager the company's."""

    template_name = "qms/my_work.html"

    def get_template_names(self):
        # An auditor owns nothing: they land on what they came for, the registers and the pack.
        return ["qms/auditor_home.html"] if self.request.user.is_auditor else [self.template_name]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        today = timezone.localdate()
        user = self.request.user
        if user.is_auditor:
            return ctx
        if user.role == Role.DEPARTMENT_HEAD and user.department_id:
            ctx["team_title"] = f"{user.department}: overdue items of others"
            scope = {"department_ids": [user.department_id]}
            ctx["team_url"] = due_url(department=user.department_id, state="overdue")
        elif user.is_quality_manager:
            ctx["team_title"] = "Whole company: overdue items of others"
            scope = {}
            ctx["team_url"] = due_url(state="overdue")
        else:
            scope = None
        own = {"days_ahead": MY_WORK_DAYS, "today": today, "limit": OWN_LIMIT}
        team = {"until": today - dt.timedelta(days=1), "limit": TEAM_LIMIT, "others_than": user.pk}
        # Three reads, none waiting for another: sent together, PostgreSQL runs the department's
        # items and total while Python builds the reader's own.
        with ahead.reading():
            registry.send_items(**registry.own(user, **own))
            if scope is not None:
                registry.send_items(**team, **scope)
                registry.send_overdue_total(today=today, **scope)
            items = registry.for_user(user, **own)
            capped = len(items) == OWN_LIMIT
            ctx.update(
                items=[(item, item.days_overdue(today)) for item in items],
                overdue_count=sum(1 for i in items if i.due_date < today),
                # Every item listed is overdue and more were left out: the count is a floor, and
                # says so; the link counts them all.
                overdue_more=capped and items[-1].due_date < today,
                overdue_url=due_url(owner=user.pk, state="overdue"),
                today=today,
                more_url=due_url(owner=user.pk, state="open") if capped else "",
            )
            if scope is not None:
                others = registry.items(**team, **scope)
                ctx["team_total"] = registry.overdue_total(today=today, **scope)
                ctx["team_items"] = with_owners(others[:TEAM_LIMIT], today, user)
        return ctx


def due_table(user: User, *, today: dt.date, days_ahead: int = 7) -> dict:
    """Overdue items and items due in the next ``days_ahead`` days (7: the due list's "week") by
    department and module, as far as ``user``'s scope reaches, counted in the database; each
    number with the URL of the items behind it. Overview and dashboards show it."""
    scope = due_scope(user)
    week = today + dt.timedelta(days=days_ahead)
    if "owner_ids" in scope:  # no department: own items, counted under "No department"
        items = registry.items(until=week, **scope)
        counts = {(i.module, None): [0, 0] for i in items}
        for i in items:
            counts[(i.module, None)][0 if i.due_date < today else 1] += 1
    else:
        counts = {
            (c.module, c.department_id): [c.overdue, c.due]
            for c in registry.counts(until=week, today=today, department_ids=scope.get("department_ids"))
        }
    modules = sorted({m for m, _ in counts})
    departments = Department.objects.in_bulk({d for _, d in counts if d})
    # Where a number leads: the department's items, or one's own without a department.
    where = {"owner": user.pk} if "owner_ids" in scope else {}
    # A table of forty departments has hundreds of numbers: each one's URL (``due_url``) is joined
    # from its row's and its column's parts, each encoded once.
    by_module = {m: urlencode({"module": m}) for m in modules}
    rows = []
    for dept_id in {d for _, d in counts}:
        place = where or {"department": dept_id or NO_DEPARTMENT}
        prefix = due_url(**place) + ("&" if any(v is not None for v in place.values()) else "")
        cells = []
        for m in modules:
            overdue, due = counts.get((m, dept_id), [0, 0])
            cells.append(
                {
                    "overdue": overdue,
                    "due": due,
                    "overdue_url": f"{prefix}{by_module[m]}&state=overdue",
                    "due_url": f"{prefix}{by_module[m]}&state=week",
                }
            )
        rows.append(
            {
                "department": departments.get(dept_id),
                "cells": cells,
                "overdue": sum(c["overdue"] for c in cells),
                "url": due_url(**place, state="overdue"),
            }
        )
    rows.sort(key=lambda r: (-r["overdue"], str(r["department"] or "")))
    totals = [
        {
            "module": m,
            "overdue": sum(v[0] for (mm, _), v in counts.items() if mm == m),
            "due": sum(v[1] for (mm, _), v in counts.items() if mm == m),
            "overdue_url": due_url(**where, module=m, state="overdue"),
            "due_url": due_url(**where, module=m, state="week"),
        }
        for m in modules
    ]
    return {
        "scope": _scope_label(user, scope),
        "modules": modules,
        "rows": rows,
        "totals": totals,
        "overdue_count": sum(t["overdue"] for t in totals),
        "overdue_url": due_url(**where, state="overdue"),
    }


class OverviewView(QMSView, TemplateView):
    """What is overdue and due this week, by department and module; every number opens the items
    behind it. The quality manager, top management and auditors see the company, everyone else
    their own department."""

    template_name = "qms/overview.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        today = timezone.localdate()
        ctx.update(due_table(user, today=today))
        most = registry.items(until=today - dt.timedelta(days=1), limit=MOST_OVERDUE, **due_scope(user))
        ctx["most_overdue"] = with_owners(most, today, user)
        return ctx


def _scope_label(user: User, scope: dict) -> str:
    if not scope:
        return "the whole company"
    if "owner_ids" in scope:
        return "your own items (you belong to no department)"
    return str(user.department)


class DueListView(QMSView, TemplateView):
    """The items behind a number: by department, module, owner and state, most overdue first, as
    far as the user's scope reaches."""

    template_name = "qms/due_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, get = self.request.user, self.request.GET
        today = timezone.localdate()
        state = get.get("state") if get.get("state") in STATES else "overdue"
        until = {"overdue": today - dt.timedelta(days=1), "week": today + dt.timedelta(days=7)}.get(
            state, today + dt.timedelta(days=MY_WORK_DAYS)
        )
        since = today if state == "week" else None
        scope = due_scope(user)
        department = _int(get.get("department"))
        owner = _int(get.get("owner"))
        filters: dict = {}
        if department is not None:
            allowed = scope.get("department_ids")
            filters["department_ids"] = [department] if allowed is None or department in allowed else []
        if owner is not None:
            filters["owner_ids"] = [owner]
        no_department = get.get("department") == NO_DEPARTMENT
        if no_department:
            # An item's department is its owner's: the items of the people who have none (the
            # quality manager, top management), within what the reader's scope reaches.
            homeless = set(User.objects.filter(department__isnull=True).values_list("pk", flat=True))
            reach = scope.get("owner_ids", homeless) if "department_ids" not in scope else ()
            asked = [owner] if owner is not None else homeless
            filters["owner_ids"] = sorted(homeless.intersection(reach, asked))
        if "department_ids" not in filters and "owner_ids" not in filters:
            filters.update(scope)
        module = get.get("module") if get.get("module") in registry.modules() else None
        page_number = min(max(_int(get.get("page")) or 1, 1), MAX_PAGES)
        items = registry.items(until=until, since=since, module=module, limit=page_number * PAGE, **filters)
        if owner is not None and scope:
            # An owner outside the user's scope shows nothing, whatever the link says.
            visible = scope.get("department_ids")
            items = [i for i in items if (visible and i.department_id in visible) or i.owner_id == user.pk]
        shown = items[(page_number - 1) * PAGE : page_number * PAGE]
        ctx.update(
            state=state,
            state_label=STATES[state],
            states=STATES,
            module=module,
            department=Department.objects.filter(pk=department).first() if department else None,
            no_department=no_department,
            owner=User.objects.filter(pk=owner).first() if owner else None,
            rows=with_owners(shown, today, user),
            page=page_number,
            next_page=page_number + 1
            if len(items) == page_number * PAGE and page_number < MAX_PAGES
            else None,
            querystring=urlencode({k: v for k, v in get.items() if k != "page"}),
        )
        return ctx


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() and len(str(value)) < 10 else None
