"""The line chart (qms.charts.line_chart): its scale and its target read without hovering."""

import re

from qms.charts import line_chart

MONTHS = ["Oct 2026", "Nov 2026", "Dec 2026"]


def scale(svg: str) -> list[str]:
    """The two labels of the value axis, top first."""
    return re.findall(r'<text x="42" y="\d+" text-anchor="end"[^>]*>([^<]+)</text>', svg)


def test_a_percentage_at_zero_is_drawn_against_a_hundred_percent():
    svg = str(line_chart(MONTHS, [("On time", [0.0, 0.0, 0.0])], title="Supplier on-time delivery", unit="%"))
    assert scale(svg) == ["100%", "0%"]
    counts = str(line_chart(MONTHS, [("Overdue", [0, 0, 0])], title="Instruments overdue"))
    assert scale(counts) == ["1", "0"]
    rising = str(line_chart(MONTHS, [("Yield", [80.0, 87.0, 85.0])], title="First-pass yield", unit="%"))
    assert scale(rising) == ["87%", "0%"]


def test_the_target_is_named_on_its_line():
    svg = str(line_chart(MONTHS, [("Yield", [80.0, 87.0, 85.0])], title="Yield", unit="%", target=95))
    assert ">target 95%</text>" in svg
    assert scale(svg) == ["95%", "0%"]
