from decimal import Decimal

from django import template
from django.utils import timezone

from qms.numbers import decimal_text

register = template.Library()

_STATUS_COLOURS = {
    "draft": "secondary",
    "open": "primary",
    "closed": "success",
    "cancelled": "dark",
    "effective": "success",
    "approved": "info",
    "superseded": "dark",
    "obsolete": "dark",
    "in_review": "warning",
    "verification": "info",
    "planned": "primary",
    "held": "info",
    "signed": "success",
    "active": "primary",
}


@register.filter
def decimal(value) -> str:
    """``{{ point.as_found|decimal }}``: a decimal as typed (``qms.numbers.decimal_text``), "" for None."""
    if value is None or value == "":
        return ""
    return decimal_text(value if isinstance(value, Decimal) else Decimal(str(value)))


@register.filter
def status_badge(record) -> str:
    return _STATUS_COLOURS.get(getattr(record, "status", ""), "primary")


@register.filter
def due_class(due_date) -> str:
    if not due_date:
        return ""
    today = timezone.localdate()
    if due_date < today:
        return "text-danger fw-semibold"
    if (due_date - today).days <= 7:
        return "text-warning-emphasis"
    return ""


@register.filter
def days_label(days_overdue: int) -> str:
    if days_overdue > 0:
        return f"{days_overdue} day{'s' if days_overdue != 1 else ''} overdue"
    if days_overdue == 0:
        return "due today"
    return f"due in {-days_overdue} day{'s' if days_overdue != -1 else ''}"


@register.filter
def raise_url(action, record) -> str:
    """The create page of a "raise from here" action, prefilled from ``record``."""
    return action.url_for(record)


@register.filter
def index(sequence, position: int):
    """``modules|index:forloop.counter0``: the item at a position (a column's name), or a
    mapping's value at a key (``held_lots|index:c.row.lot_id``); "" when there is none."""
    try:
        return sequence[position]
    except (IndexError, KeyError, TypeError):
        return ""


@register.filter
def imports_for(view, user) -> list:
    """The imports of the register ``view`` shows that ``user`` may run: (label, URL)."""
    from django.urls import reverse

    from qms import access, imports

    model = getattr(view, "model", None)
    if model is None or not access.can_create(user, model):
        return []
    return [
        (i.label, reverse("import", args=[i.key])) for i in imports.importers().values() if i.model is model
    ]


def _row_class(days: int) -> str:
    return "table-danger" if days > 0 else "table-warning" if days >= -7 else ""


@register.filter
def due_rows(rows) -> str:
    """The rows of a due-items table, (item, days overdue, owner) each, written in Python: My
    work and the Overview show fifty of them, and the template engine's loop costs more than the
    queries that found them."""
    from django.utils.safestring import mark_safe

    from ..html import escape

    out = []
    for item, days, owner in rows:
        # An item whose record the reader may not open has no URL: its reference without a link.
        reference = (
            f'<a href="{escape(item.url)}">{escape(item.reference)}</a>'
            if item.url
            else f'<span title="Not yours to open">{escape(item.reference)}</span>'
        )
        # Its title is the record's to tell: an empty cell read as a fault, so it says why.
        title = escape(item.title) if item.url else '<span class="text-muted">outside your view</span>'

        out.append(
            f'<tr class="{_row_class(days)}"><td class="text-nowrap">{reference}</td>'
            f'<td class="my-work-title">{title}</td>'
            f'<td class="text-nowrap" data-label="Due">{item.due_date.day} {item.due_date:%b %Y}</td>'
            f'<td class="text-nowrap" data-label="When">{days_label(days)}</td>'
            f'<td data-label="Owner">{escape(owner) if owner else "—"}</td>'
            f'<td data-label="What">{escape(item.module)} · {escape(item.kind)}</td></tr>'
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


@register.filter
def own_rows(items) -> str:
    """My work's own items, (item, days overdue) each, written in Python like ``due_rows``."""
    from django.utils.safestring import mark_safe

    from ..html import escape

    out = []
    for item, days in items:
        out.append(
            f'<tr class="{_row_class(days)}"><td class="text-nowrap"><a href="{escape(item.url)}">'
            f'{escape(item.reference)}</a></td><td class="my-work-title">{escape(item.title)}</td>'
            f'<td class="text-nowrap" data-label="Due">{item.due_date.day} {item.due_date:%b %Y}</td>'
            f'<td class="text-nowrap" data-label="When">{days_label(days)}</td>'
            f'<td data-label="What">{escape(item.module)} · {escape(item.kind)}</td></tr>'
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


# On a phone the table's columns are lines of a card and its two-line heading is gone: each count
# says what it counts (hidden from the small breakpoint up, where the heading says it).
_OVERDUE = '<span class="d-sm-none"> overdue</span>'
_THIS_WEEK = '<span class="d-sm-none"> this week</span>'


@register.filter
def count_rows(rows, modules) -> str:
    """The rows of a table of departments by module (the Overview's, the KPI dashboard's), each
    number a link to the items behind it (``qms.views.due.due_table``), written in Python: forty
    departments of a dozen modules are 500 cells, and the template engine's loop over them cost
    more than counting them."""
    from django.utils.safestring import mark_safe

    from ..html import escape

    labels = [escape(m) for m in modules]
    out = []
    for row in rows:
        cells = "".join(
            f'<td class="text-md-center" data-label="{label}">'
            f'<a class="overview-count {"text-danger fw-bold" if cell["overdue"] else "text-muted"}" '
            f'href="{escape(cell["overdue_url"])}" title="Overdue">{cell["overdue"]}{_OVERDUE}</a> · '
            f'<a class="overview-count" href="{escape(cell["due_url"])}" title="Due this week">'
            f"{cell['due']}{_THIS_WEEK}</a></td>"
            for label, cell in zip(labels, row["cells"], strict=True)
        )
        department = escape(row["department"]) if row["department"] else "No department"
        out.append(f'<tr><th scope="row"><a href="{escape(row["url"])}">{department}</a></th>{cells}</tr>')
    return mark_safe("\n".join(out))  # noqa: S308 - every value above is escaped


@register.filter
def destructive_last(transitions) -> list:
    """Workflow steps in their order, those that ask for confirmation or are styled as dangerous
    (make obsolete, cancel, withdraw) last, away from the everyday ones."""
    return sorted(transitions, key=lambda t: bool(t.confirm) or "danger" in t.style)


@register.simple_tag
def form_fields(form) -> str:
    """``{% form_fields form %}``: the form's errors and fields (``qms.formhtml.form_html``), what
    ``qms/_form.html`` writes for every form of the product."""
    from ..formhtml import form_html

    return form_html(form)


@register.simple_tag
def field_notes(field) -> str:
    """``{% field_notes field %}``: a bound field's errors and help (``qms.formhtml.field_notes``)."""
    from ..formhtml import field_notes as notes

    return notes(field)


@register.simple_tag
def pager(page, querystring="") -> str:
    """A register's pages (``qms.paging.KeysetPage``) under its table: First, Previous, "N in all"
    and Next, each keeping the filter's ``querystring``; "N in all." alone for a register of one
    page. Written here rather than by an included template: every register page shows it."""
    from django.utils.html import conditional_escape
    from django.utils.safestring import mark_safe

    if not (page.next_token or page.previous_token):
        count = int(page.count)
        return mark_safe(f'<p class="small text-muted">{count} in all.</p>') if count else ""  # noqa: S308 - a number
    query = conditional_escape(querystring)
    join = f"?{query}&amp;" if query else "?"
    items = []
    if not page.first:
        items.append(f'<li class="page-item"><a class="page-link" href="?{query}">First</a></li>')
    if page.previous_token:
        token = conditional_escape(page.previous_token)
        link = f'<a class="page-link" href="{join}before={token}" rel="prev">Previous</a>'
        items.append(f'<li class="page-item">{link}</li>')
    count = f'<span class="page-link">{int(page.count)} in all</span>'
    items.append(f'<li class="page-item disabled">{count}</li>')
    if page.next_token:
        token = conditional_escape(page.next_token)
        link = f'<a class="page-link" href="{join}after={token}" rel="next">Next</a>'
        items.append(f'<li class="page-item">{link}</li>')
    return mark_safe(  # noqa: S308 - the query and the tokens escaped, the rest ours
        '<nav aria-label="Pages"><ul class="pagination flex-wrap">\n  ' + "\n  ".join(items) + "\n</ul></nav>"
    )
