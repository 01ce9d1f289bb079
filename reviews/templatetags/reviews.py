"""How the management review pages write a figure: "95.5%", "12", "34 days", "—" for none."""

from django import template

register = template.Library()


@register.filter
def figure(value, unit: str = "") -> str:
    """A number with its unit, as few decimals as it needs; a dash when there is nothing to measure."""
    if value is None or value == "":
        return "—"
    number = float(value)
    text = f"{number:.0f}" if number.is_integer() else f"{number:.1f}"
    if unit in ("", "count"):
        return text
    return f"{text}%" if unit == "%" else f"{text} {unit}"
