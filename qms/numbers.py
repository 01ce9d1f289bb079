"""Numbers as people typed them: a decimal column of six places holds 100.050000 for the 100.05
that was entered, and every page, register and label shows it as entered."""

from __future__ import annotations

from decimal import Decimal


def decimal_text(value: Decimal) -> str:
    """A decimal as typed: "100.05" for 100.050000, "100" for 100.000000, never an exponent."""
    if not value.is_finite():
        return str(value)
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
