from django import template
from django.utils import timezone

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
    """``modules|index:forloop.counter0``: the item at a position (a column's name)."""
    try:
        return sequence[position]
    except (IndexError, TypeError):
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
