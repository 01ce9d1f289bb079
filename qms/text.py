"""Text shortened for a label: a child row named in a record's history, a comment in a list."""

from __future__ import annotations


def shorten(text: str, width: int) -> str:
    """``text`` on one line in at most ``width`` characters: whole when it fits, else cut after
    the last whole word that fits and ended with "…" (a word cut in half reads as a typo, and a
    text cut with no mark reads as the whole text). A single word longer than half the room is
    cut inside, still with "…"."""
    text = " ".join((text or "").split())
    if len(text) <= width:
        return text
    cut = text[: width - 1]  # room for the "…"
    if text[width - 1] != " ":  # the cut falls inside a word: drop that word
        space = cut.rfind(" ")
        if space > width // 2:
            cut = cut[:space]
    return cut.rstrip(" ,;:.–—-") + "…"
