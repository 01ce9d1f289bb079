"""HTML escaping for markup the kernel writes itself (a register's rows, the filter bar's
selects): exactly what ``django.utils.html.escape`` writes (``html.escape``: five ``str.replace``),
without its lazy-aware wrapping in a SafeString. A register page escapes hundreds of values. Five
replaces, each a scan for one character, cost a sixth of one ``str.translate`` through a table,
which looks up every character: 0.39 µs against 2.35 µs for a register row of 157 characters."""

from __future__ import annotations

from typing import Any


def escape(value: Any) -> str:
    """``str(value)`` escaped as ``django.utils.html.escape`` escapes it (a plain str, not safe)."""
    text = value if type(value) is str else str(value)
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
    )


def escape_all(texts: list[str]) -> list[str]:
    """Each text escaped as ``escape`` escapes it, all in one: joined by NUL, which no text from
    PostgreSQL holds (one that does is escaped on its own). A register's row, a select's options:
    hundreds of texts on every page."""
    escaped = escape("\x00".join(texts)).split("\x00")
    return escaped if len(escaped) == len(texts) else [escape(text) for text in texts]
