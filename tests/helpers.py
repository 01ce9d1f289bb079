"""Small helpers shared by tests."""

import re

_ID = re.compile(r'\bid="([^"]+)"')
_DESCRIBED_BY = re.compile(r'\baria-describedby="([^"]+)"')


_INPUT = re.compile(r"<input\b[^>]*>", re.I)
_BOX = re.compile(r'\btype="(?:radio|checkbox)"', re.I)
_TEXT_BOX_CLASS = re.compile(r'\bclass="[^"]*\bform-control\b', re.I)


def boxes_drawn_as_text(html: str) -> list[str]:
    """The radio buttons and checkboxes of a page that carry Bootstrap's ``form-control``, which
    draws them as empty text boxes: whether one is chosen cannot be seen."""
    return [tag for tag in _INPUT.findall(html) if _BOX.search(tag) and _TEXT_BOX_CLASS.search(tag)]


def unnamed_descriptions(html: str) -> list[str]:
    """The ids a field names in ``aria-describedby`` (its help text, its errors) that no element of
    the page has: a screen reader would read the field without them."""
    ids = set(_ID.findall(html))
    return sorted({name for names in _DESCRIBED_BY.findall(html) for name in names.split()} - ids)


def body(response) -> str:
    """A response's text, whether it was streamed (CSV exports) or not."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()


def field_error(response, field: str) -> str:
    """The error message shown beside ``field`` (the kernel's _form.html marks it data-field)."""
    html = response.content.decode()
    marker = f'data-field="{field}"'
    assert marker in html, f"no error beside {field}"
    start = html.index(marker)
    return html[html.index(">", start) + 1 : html.index("</div>", start)]


def register_rows(client, url: str) -> dict:
    """The rows a register lists at ``url``: {pk: {column label: cell}}, as its page shows them."""
    response = client.get(url)
    assert response.status_code == 200, url
    labels = [label for _, label in response.context["columns"]]
    return {row.pk: dict(zip(labels, cells, strict=True)) for row, cells in response.context["rows"]}


def filter_error_beside(html: str, field: str) -> bool:
    """Whether a register's filter bar shows an error in the box of ``field`` (before the next
    field's label)."""
    start = html.index(f'id="id_{field}"')
    box = html[start:]
    end = box.find("<label", 1)
    return "invalid-feedback" in (box if end < 0 else box[:end])


def assert_refused_beside(client, url: str, field: str) -> None:
    """Junk in a register's filter (``url``) answers the page (not a 500) with the error in the
    box of ``field`` and lists nothing: a wrong value never widens or narrows the list silently."""
    response = client.get(url)
    assert response.status_code == 200, url
    assert filter_error_beside(response.content.decode(), field), url
    assert response.context["rows"] == [], url


_CHART = re.compile(
    r'<div class="chart-scroll"[^>]*>(<svg.*?</svg>)</div>(<details class="chart-figures.*?</details>)?', re.S
)
_MARK_TITLE = re.compile(r"<(?:rect|circle)\b[^>]*><title>([^<]*)</title>")
_HREF = re.compile(r'<a href="([^"]*)"')
_CELL = re.compile(r"<td\b[^>]*>(.*?)</td>", re.S)
_STATE = re.compile(r' <small class="cell-state">[^<]*</small>')


def _drawn(tooltip: str) -> str:
    """The figure a mark's tooltip gives: "Method: 2" → "2", "60% cumulative" → "60%",
    "Furnace, Mon 7: 1 (minimum 2)" → "1"."""
    if tooltip.endswith(" cumulative"):
        return tooltip.removesuffix(" cumulative")
    return tooltip.rsplit(": ", 1)[1].split(" (minimum ")[0]


def charts_without_their_figures(html: str) -> list[str]:
    """The charts of a page (``qms.charts``) whose figures are not in the table under them: every
    number a bar, a point or a cell draws, and no other, each linking where its mark links. A
    chart with nothing drawn ("No data in this period") needs no table."""
    problems = []
    for svg, figures in _CHART.findall(html):
        title = re.search(r"<title>([^<]*)</title>", svg)[1]
        drawn = sorted(_drawn(t) for t in _MARK_TITLE.findall(svg))
        if not drawn:
            continue
        if not figures:
            problems.append(f"{title}: no table of its figures")
            continue
        rows = figures.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
        # A cell's state in words ("1 (below minimum)", a heat map's) is said beside its figure.
        cells = (_STATE.sub("", c) for c in _CELL.findall(rows))
        shown = sorted(c for c in (re.sub(r"<[^>]*>", "", c) for c in cells) if c != "–")
        if drawn != shown:
            problems.append(f"{title}: the chart draws {drawn}, its table shows {shown}")
        if sorted(_HREF.findall(svg)) != sorted(_HREF.findall(rows)):
            problems.append(f"{title}: the table's numbers do not open what the chart's marks open")
    return problems
