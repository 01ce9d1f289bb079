"""The CAPA page's tables written in Python: a CAPA of fifty actions spent more than half of its
page's template in the engine's loop over them (8 of 14 ms on the ten-year archive)."""

from __future__ import annotations

from django import template
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.safestring import SafeString, mark_safe

from qms.html import escape

register = template.Library()

_BADGES = {"done": "success", "cancelled": "secondary", "in_progress": "info"}


@register.filter
def action_rows(actions, record) -> SafeString:
    """The rows of the actions table (``capa/capa_detail.html``), each action's number, type,
    title, owner, due date (red, "overdue", when late), status, evidence with the day it was done,
    and "Update" where ``action.editable`` (``capa.selectors.capa_page``)."""
    # Each row's edit link from one reversed URL: ``{% url %}`` per row was a fifth of the loop.
    before, after = reverse("capa:action_edit", args=[record.pk, 0]).rsplit("/0/", 1)
    out = []
    for a in actions:
        late = a.is_overdue
        due = date_format(a.due_date, "j M Y") if a.due_date else ""
        done = (
            f'<div class="text-muted">done {date_format(timezone.localtime(a.completed_at), "j M Y")}</div>'
            if a.completed_at
            else ""
        )
        update = (
            f'<a class="btn btn-sm btn-outline-primary" href="{before}/{a.pk}/{after}">Update</a>'
            if a.editable
            else ""
        )
        out.append(
            f'<tr data-testid="action-A{a.number}"><td>A{a.number}</td>'
            f"<td>{escape(a.get_kind_display())}</td><td>{escape(a.title)}</td><td>{escape(a.owner)}</td>\n"
            f'    <td class="{"text-danger fw-semibold" if late else ""}">'
            f"{due}{' (overdue)' if late else ''}</td>\n"
            f'    <td><span class="badge text-bg-{_BADGES.get(a.status, "primary")}">'
            f"{escape(a.get_status_display())}</span></td>\n"
            f'    <td class="small">{linebreaksbr(a.evidence, autoescape=True)}{done}</td>\n'
            f"    <td>{update}</td></tr>"
        )
    return mark_safe("\n".join(out))  # noqa: S308 - every value above is escaped
