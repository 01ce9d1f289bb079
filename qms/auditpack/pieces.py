"""A long section's HTML cut into pieces laid out one at a time, so the renderer's memory follows
the piece, not the section (a year of a busy register is hundreds of pages in one section)."""

from __future__ import annotations

import itertools
import re
from html.parser import HTMLParser

# A section's HTML is laid out in pieces of about this many characters, cut between its top-level
# blocks (a heading, a table, a paragraph), so the renderer's memory follows the piece, not the
# section: a year of a busy register is hundreds of pages in one section. A piece starts a new page.
# 150,000 (~30 pages) rather than 250,000: two renderers share the pieces more evenly (a bench pack
# of 280 pages in 32-35 s instead of 40-55 s at a load of 2.5-3.5) for two pages more.
CHUNK_CHARS = 150_000
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
_CUTS = frozenset({"h1", "h2", "h3", "h4", "table", "p", "div", "section", "ul", "ol", "dl"})
_HEADING = re.compile(r"\s*<h[1-6][\s>]", re.IGNORECASE)
_BETWEEN_TAGS = re.compile(r"(<pre\b.*?</pre)|>\s+(?=<)", re.DOTALL | re.IGNORECASE)


def compact(body: str) -> str:
    """``body`` without the whitespace between two tags (the templates' line breaks and
    indentation), except inside ``<pre>``. WeasyPrint makes a box of every such run (between two
    blocks, an anonymous block with a line of its own to lay out); about 1 % of the work of laying
    out the bench pack. A template that needs a space between two inline elements writes it as
    text (``&#32;``)."""
    return _BETWEEN_TAGS.sub(lambda m: m.group(1) or ">", body)


class _TopLevel(HTMLParser):
    """Finds where the top-level blocks of an HTML fragment start (character offsets), and the rows
    of its top-level tables. Unclosed tags only make it find fewer places to cut."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=False)
        self.depth, self.starts, self.tables = 0, [], {}
        self._table: dict | None = None
        # HTMLParser counts lines by "\n" alone (not by every separator str.splitlines knows).
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        if self.depth == 0 and tag in _CUTS:
            self.starts.append(self._offset())
            if tag == "table":
                self._table = {"open": self.get_starttag_text(), "start": self.starts[-1], "rows": []}
                self.tables[self.starts[-1]] = self._table
        elif tag == "tr" and self._table is not None and self.depth in (1, 2):
            self._table["rows"].append(self._offset())
        if tag not in _VOID:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag not in _VOID:
            self.depth = max(0, self.depth - 1)
        if tag == "table" and self.depth == 0 and self._table is not None:
            self._table["end"] = self._offset()
            self._table = None


def _table_pieces(body: str, table: dict, size: int) -> list[str]:
    """A top-level table longer than ``size`` as several tables of whole rows, each with what
    comes before its first row (its column widths) and its heading row again."""
    rows = [r for r in table["rows"] if body.startswith("<", r)]
    if "end" not in table or len(rows) < 3:
        return []
    bounds = [*rows, table["end"]]
    header = body[table["start"] + len(table["open"]) : rows[0]]  # <colgroup>, <caption>
    header += body[rows[0] : rows[1]] if "<th" in body[rows[0] : rows[1]] else ""
    pieces, first = [], 1 if "<th" in body[rows[0] : rows[1]] else 0
    for i in range(first, len(rows)):
        if i > first and bounds[i] - bounds[first] >= size:
            pieces.append(table["open"] + header + body[bounds[first] : bounds[i]] + "</table>")
            first = i
    pieces.append(table["open"] + header + body[bounds[first] : table["end"]] + "</table>")
    return pieces


def chunks(body: str, size: int | None = None) -> list[str]:
    """``body`` cut between top-level blocks into pieces of about ``size`` (``CHUNK_CHARS``)
    characters; a longer top-level table is cut between its rows."""
    size = size or CHUNK_CHARS
    if len(body) <= size:
        return [body]
    finder = _TopLevel(body)
    finder.feed(body)
    finder.close()
    cuts = [c for c in finder.starts if body.startswith("<", c)]  # never inside a tag
    bounds = [0, *[c for c in cuts if c > 0], len(body)]
    blocks: list[str] = []
    for start, end in itertools.pairwise(bounds):
        table = finder.tables.get(start)
        split = _table_pieces(body, table, size) if table and end - start > size else []
        if split:
            blocks.extend(split)  # each closes itself: what follows starts past the table's end tag
            blocks.append(body[body.index(">", table["end"]) + 1 : end])
        else:
            blocks.append(body[start:end])
    pieces, current, length = [], [], 0
    for block in blocks:
        if current and length + len(block) > size:
            # A heading goes with what follows it: a piece starts a new page, and a heading at
            # the foot of one (or alone on one) would leave its table on the next.
            carried = []
            while current and _HEADING.match(current[-1]):
                carried.insert(0, current.pop())
            if current:
                pieces.append("".join(current))
            current, length = carried, sum(map(len, carried))
        current.append(block)
        length += len(block)
    pieces.append("".join(current))
    return [p for p in pieces if p.strip()]
