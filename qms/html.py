"""HTML escaping for markup the kernel writes itself (a register's rows, the filter bar's
selects): exactly what ``django.utils.html.escape`` writes, in one ``str.translate``. A register
page escapes hundreds of values, and Django's escape (lazy-aware, returning a SafeString) costs
several calls each."""

from __future__ import annotations

from typing import Any

ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"})


def escape(value: Any) -> str:
    """``str(value)`` escaped as ``django.utils.html.escape`` escapes it (a plain str, not safe)."""
    return (value if type(value) is str else str(value)).translate(ESCAPES)
