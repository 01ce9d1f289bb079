"""Charts drawn on the server as inline SVG, for every module: no JavaScript library, nothing
fetched from a CDN, and they print and go into PDFs as they are. A bar or a point may carry the
URL of the records behind it, so a number on a chart opens them.

Data: ``bar_chart([(label, value), …])`` or ``[(label, value, url), …]``; ``heat_map(columns,
[(label, values, minimum, url), …])``;
``line_chart(labels, [(name, [value or None, …]), …], target=…)``.

Under every chart that has figures its figures are a table (``_figures``), folded: what a screen
reader, a keyboard or a phone reads instead of the drawing, each number a link to the records its
mark links to. The columns are named by the caller (``columns=``, ``over=``, ``rows_name=``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BAR = "#0d6efd"
LINE = "#dc3545"
SERIES = ("#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#20c997", "#d63384")
AXIS = "#6c757d"
SMALL = 'font-size="11"'
# Words drawn without a colour of their own take the page's (currentColor): in a contrast theme
# (forced colours) that is the theme's text colour; SVG's default black vanished on a dark one.
INK = 'fill="currentColor"'


def _frame(width: int, height: int, title: str, body: list[str], figures: str = "") -> SafeString:
    """The chart as SVG, as wide as its container up to its drawn width: 640 px, or 1000 px for a
    wide one (``chart-wide``: a heat map of four weeks of days). Shrunk to a phone's 390 px its
    labels would be 4–6 px high: on a phone it is drawn at its own width inside a region that
    scrolls sideways on its own (``chart-scroll``, app.css), so the page itself never does.

    The region is a tab stop so that a keyboard can scroll it; app.js takes it out of the Tab
    order where the chart fits and nothing scrolls. The SVG is a group, not an image: its bars and
    points may be links, which an image's contents are not (each link is named by its value)."""
    wide = width > 640
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="group" aria-label="{escape(title)}" class="{"chart chart-wide" if wide else "chart"}">',
        f"<title>{escape(title)}</title>",
        *body,
        "</svg>",
    ]
    region = f'<div class="chart-scroll" tabindex="0" role="region" aria-label="{escape(title)}">'
    return mark_safe("".join([region, *parts, "</div>", figures]))  # noqa: S308 - every text above is escaped


# What a cell shows and the URL it links to ("" for none); a heat map's cell adds its state in
# words and the state's table class, so that the table says what the drawing says in colour.
Cell = tuple[str, str] | tuple[str, str, str, str]


def _cell(tag: str, cell: Cell, head: str, extra: str = "") -> str:
    text, url, *state = cell
    shown = f'<a href="{escape(url)}">{escape(text)}</a>' if url else escape(text)
    if state and state[0]:
        words, css = state
        shown += f' <small class="cell-state">({escape(words)})</small>'
        extra += f' class="{css}"'
    # A row's heading is its card's title on a phone: labelled by no column.
    label = "" if tag == "th" else f' data-label="{escape(head)}"'
    return f"<{tag}{extra}{label}>{shown}</{tag}>"


def _figures(
    title: str,
    heads: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    *,
    total: Sequence[Cell] = (),
    note: str = "",
    unfolded: bool = False,
) -> str:
    """The chart's figures as a table under it, folded (``<details>``), from the same rows the
    chart draws: a row per bar, month or grid row, its first cell naming it, each number a link
    to the same records as its mark. On a phone its rows stack as cards (``table-stack``, every
    cell labelled by its column), so it never makes the page scroll sideways.
    A page whose reader comes for the figures (the CAPA analysis) shows it ``unfolded``."""
    if not rows:
        return ""  # the drawing says "No data" in words already
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in heads)
    lines = [
        "<tr>"
        + _cell("th", row[0], heads[0], ' scope="row"')
        + "".join(_cell("td", c, h) for c, h in zip(row[1:], heads[1:], strict=False))
        + "</tr>"
        for row in rows
    ]
    foot = ""
    if total:
        foot = (
            "<tfoot><tr>"
            + _cell("th", total[0], heads[0], ' scope="row"')
            + "".join(_cell("td", c, h) for c, h in zip(total[1:], heads[1:], strict=False))
            + "</tr></tfoot>"
        )
    said = f'<p class="small mb-1">{escape(note)}</p>' if note else ""
    return (
        f'<details class="chart-figures mt-1"{" open" if unfolded else ""}>'
        '<summary class="small">The figures as a table</summary>'
        # Between a phone's stacked cards and a desktop, a table of four weeks of days is wider
        # than a tablet: it scrolls in its own box there, never the page.
        f'{said}<div class="table-responsive"><table class="table table-sm table-stack small mb-2">'
        f'<caption class="visually-hidden">{escape(title)}</caption><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(lines)}</tbody>{foot}</table></div></details>"
    )


NO_FIGURE = "–"  # a month a line has no value for: a cell, so that the columns stay in line


def _linked(svg: str, url: str, name: str) -> str:
    """``svg`` as a link to ``url``, named by what it shows ("Oct 2026: 3"): a screen reader reads
    a link's name, not the tooltip (``<title>``) of the shape inside it."""
    return f'<a href="{escape(url)}" aria-label="{escape(name)}">{svg}</a>' if url else svg


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _axis_labels(labels: Sequence[str], xs: Sequence[float], y: float) -> list[str]:
    """Labels under the axis, whole (never cut): turned when there are many."""
    turned = len(labels) > 6 or any(len(label) > 12 for label in labels)
    out = []
    for label, x in zip(labels, xs, strict=True):
        if turned:
            out.append(
                f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="end" {SMALL} '
                f'{INK} transform="rotate(-35 {x:.1f} {y:.1f})">{escape(label)}</text>'
            )
        else:
            out.append(
                f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" {SMALL} {INK}>{escape(label)}</text>'
            )
    return out


def _bottom_margin(labels: Sequence[str]) -> int:
    longest = max((len(label) for label in labels), default=0)
    return 56 if len(labels) <= 6 and longest <= 12 else min(150, 30 + int(longest * 4.2))


def bar_chart(
    data: Sequence[tuple],
    *,
    title: str,
    pareto: bool = False,
    unit: str = "",
    columns: tuple[str, str] = ("Category", "Count"),
    unfolded: bool = False,
    width: int = 640,
    height: int = 300,
) -> SafeString:
    """Bars with their values (each a link when a URL is given); with ``pareto`` the bars are
    sorted largest first and the cumulative percentage is drawn as a line against a 0–100 % axis
    on the right. Bars of counts (no ``unit``) are totalled under the chart; bars of a rate or a
    mean (``unit`` "%", " days" …) carry their unit and no total, since their sum means nothing.
    ``columns`` names what the bars are and what they count, the headings of the chart's table."""
    rows = [(row[0], row[1], row[2] if len(row) > 2 else "") for row in data]
    if pareto:
        rows.sort(key=lambda d: (-d[1], d[0]))
    labels = [label for label, _, _ in rows]
    bottom = _bottom_margin(labels)
    height = max(height, 160 + bottom)
    left, right, top = 40, 44 if pareto else 12, 16
    plot_w, plot_h = width - left - right, height - top - bottom
    body = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="{AXIS}"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="{AXIS}"/>',
    ]
    total = sum(v for _, v, _ in rows)
    if not rows or total == 0:
        body.append(
            f'<text x="{width / 2:.0f}" y="{height / 2:.0f}" text-anchor="middle" fill="{AXIS}" '
            'font-size="14">No data in this period</text>'
        )
        return _frame(width, height, title, body)
    top_value = max(v for _, v, _ in rows) or 1
    step = plot_w / len(rows)
    bar_w = step * 0.6
    scale = f'text-anchor="end" {SMALL} fill="{AXIS}"'
    body.append(
        f'<text x="{left - 6}" y="{top + 4}" {scale}>{_number(top_value)}{escape(unit.strip())}</text>'
        f'<text x="{left - 6}" y="{top + plot_h}" {scale}>0</text>'
    )
    points, centres, running, table = [], [], 0, []
    for i, (label, value, url) in enumerate(rows):
        x = left + i * step + (step - bar_w) / 2
        h = plot_h * value / top_value
        y = top + plot_h - h
        cx = x + bar_w / 2
        centres.append(cx)
        bar = (
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{BAR}">'
            f"<title>{escape(label)}: {_number(value)}{escape(unit)}</title></rect>"
        )
        body.append(_linked(bar, url, f"{label}: {_number(value)}{unit}"))
        body.append(
            f'<text x="{cx:.1f}" y="{y - 3:.1f}" text-anchor="middle" {SMALL} {INK}>'
            f"{_number(value)}{escape(unit)}</text>"
        )
        running += value
        points.append((cx, top + plot_h - plot_h * running / total, round(100 * running / total)))
        table.append([(label, ""), (f"{_number(value)}{unit}", url)])
        if pareto:
            table[-1].append((f"{points[-1][2]}%", ""))
    body += _axis_labels(labels, centres, top + plot_h + 14)
    if pareto:
        body.append(
            f'<line x1="{left + plot_w}" y1="{top}" x2="{left + plot_w}" y2="{top + plot_h}" '
            f'stroke="{AXIS}"/>'
            f'<text x="{left + plot_w + 4}" y="{top + 4}" {SMALL} fill="{AXIS}">100%</text>'
            f'<text x="{left + plot_w + 4}" y="{top + plot_h}" {SMALL} fill="{AXIS}">0%</text>'
        )
        line = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points)
        body.append(f'<polyline points="{line}" fill="none" stroke="{LINE}" stroke-width="2"/>')
        for x, y, pct in points:
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{LINE}">'
                f"<title>{pct}% cumulative</title></circle>"
            )
    if not unit:
        body.append(
            f'<text x="{left + plot_w / 2:.0f}" y="{height - 6}" text-anchor="middle" font-size="12" '
            f'fill="{AXIS}">Total {_number(total)}</text>'
        )
    heads = [*columns, "Cumulative"] if pareto else columns
    total_row = () if unit else [("Total", ""), (_number(total), "")]
    figures = _figures(title, heads, table, total=total_row, unfolded=unfolded)
    return _frame(width, height, title, body, figures)


def line_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    title: str,
    target: float | None = None,
    urls: Sequence[str] | None = None,
    unit: str = "",
    over: str = "Month",
    width: int = 640,
    height: int = 280,
) -> SafeString:
    """One line per series over ``labels`` (months), a gap where a value is None, and the target
    as a dashed line; each point links to ``urls[i]`` when given. ``over`` names what the labels
    are, the first heading of the chart's table (a column per series)."""
    bottom = _bottom_margin(labels)
    height = max(height, 160 + bottom)
    left, right, top = 48, 12, 16
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, vs in series for v in vs if v is not None] + ([target] if target is not None else [])
    body = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="{AXIS}"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="{AXIS}"/>',
    ]
    if not values or not labels:
        body.append(
            f'<text x="{width / 2:.0f}" y="{height / 2:.0f}" text-anchor="middle" fill="{AXIS}" '
            'font-size="14">No data yet</text>'
        )
        return _frame(width, height, title, body)
    # A percentage at nothing but 0 is drawn against 0–100 %, not against a "1%" of no meaning.
    low, high = min(0.0, *values), max(values) or (100.0 if unit == "%" else 1.0)
    span = (high - low) or 1.0
    step = plot_w / max(1, len(labels) - 1) if len(labels) > 1 else 0
    xs = [left + (i * step if len(labels) > 1 else plot_w / 2) for i in range(len(labels))]

    def y_of(value: float) -> float:
        return top + plot_h - plot_h * (value - low) / span

    scale = f'text-anchor="end" {SMALL} fill="{AXIS}"'
    body.append(
        f'<text x="{left - 6}" y="{top + 4}" {scale}>{_number(high)}{unit}</text>'
        f'<text x="{left - 6}" y="{top + plot_h}" {scale}>{_number(low)}{unit}</text>'
    )
    if target is not None:
        y = y_of(target)
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{LINE}" '
            f'stroke-dasharray="6 4"><title>Target {_number(target)}{unit}</title></line>'
            # The target named on its line, not only in a tooltip a phone never shows; at its start,
            # where the latest months (on the right) are not.
            f'<text x="{left + 4}" y="{y - 4:.1f}" {SMALL} fill="{LINE}">'
            f"target {_number(target)}{unit}</text>"
        )
    for n, (name, vs) in enumerate(series):
        colour = SERIES[n % len(SERIES)]
        run: list[str] = []
        for i, value in enumerate(vs):
            if value is None:
                if len(run) > 1:
                    body.append(
                        f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" stroke-width="2"/>'
                    )
                run = []
                continue
            x, y = xs[i], y_of(value)
            run.append(f"{x:.1f},{y:.1f}")
            dot = (
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}">'
                f"<title>{escape(name)}, {escape(labels[i])}: {_number(value)}{unit}</title></circle>"
            )
            body.append(_linked(dot, urls[i] if urls else "", f"{name}, {labels[i]}: {_number(value)}{unit}"))
        if len(run) > 1:
            body.append(
                f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
    body += _axis_labels(labels, xs, top + plot_h + 14)
    table = [
        [
            (label, ""),
            *(
                (NO_FIGURE, "") if vs[i] is None else (f"{_number(vs[i])}{unit}", urls[i] if urls else "")
                for _, vs in series
            ),
        ]
        for i, label in enumerate(labels)
    ]
    note = f"Target {_number(target)}{unit}" if target is not None else ""
    figures = _figures(title, [over, *(name for name, _ in series)], table, note=note)
    if len(series) > 1:
        for n, (name, _) in enumerate(series):
            body.append(
                # The key's square in the line's colour, its name in the text's (a pale line's
                # colour is no colour for words).
                f'<text x="{left + 8 + n * 150}" y="{height - 6}" font-size="12" {INK}>'
                f'<tspan fill="{SERIES[n % len(SERIES)]}">■</tspan> {escape(name)}</text>'
            )
    return _frame(width, height, title, body, figures)


HEAT = {"below": ("#f8d7da", "#842029"), "at": ("#fff3cd", "#664d03"), "above": ("#d1e7dd", "#0f5132")}
HEAT_CLASS = {"below": "table-danger", "at": "table-warning", "above": ""}
HEAT_LEGEND = (("below", "below minimum"), ("at", "at minimum"), ("above", "above"))
HEAT_LABEL_CHARS = 34


def heat_map(
    columns: Sequence[str],
    rows: Sequence[tuple],
    *,
    title: str,
    width: int = 640,
    shade: Callable[[int, int, float], str] | None = None,
    legend: Sequence[tuple[str, str]] | None = None,
    rows_name: str = "",
) -> SafeString:
    """A grid of numbers: one row per thing, one column per day (how many qualified people are
    available for each competence on each day of the next four weeks). A cell is red below its
    row's minimum, amber at it and green above it, and shows its number. ``rows`` are
    ``(label, values, minimum)`` or ``(label, values, minimum, url)``; a label with a URL links to
    the records behind the row. A long label is shortened; its full text is the row's tooltip.

    A grid judged otherwise (likelihood × severity) gives ``shade(row, column, value)`` returning
    ``"below"`` (red), ``"at"`` (amber) or ``"above"`` (green) and its own ``legend`` of
    ``(state, words)``; a row may then carry a fifth element, the URL of each cell's records.
    ``rows_name`` names what the rows are, the first heading of the chart's table; a row's
    minimum is said beside its name there."""
    longest = max((min(len(str(r[0])), HEAT_LABEL_CHARS) for r in rows), default=10)
    # Room above for the day labels (turned), and on the right for the last ones.
    left, top, row_h, right = min(240, 12 + int(longest * 6.2)), 58, 18, 34
    # Cells wide enough for their number: four weeks of days draw wider than a chart's 640 px.
    width = max(width, min(1000, left + right + 26 * len(columns)))
    cell_w = (width - left - right) / max(1, len(columns))
    height = top + row_h * max(1, len(rows)) + 24
    body, table = [], []
    for i, label in enumerate(columns):
        x = left + i * cell_w + cell_w / 2
        body.append(
            f'<text x="{x:.1f}" y="{top - 6}" text-anchor="start" font-size="10" fill="{AXIS}" '
            f'transform="rotate(-60 {x:.1f} {top - 6})">{escape(label)}</text>'
        )
    if not rows:
        body.append(
            f'<text x="{width / 2:.0f}" y="{top + 14}" text-anchor="middle" fill="{AXIS}" '
            'font-size="14">Nothing to show</text>'
        )
    keys = legend or HEAT_LEGEND
    said = {**dict(HEAT_LEGEND), **dict(keys)}  # each state in the legend's words
    for n, row in enumerate(rows):
        label, values, minimum = row[0], row[1], row[2]
        url = row[3] if len(row) > 3 else ""
        y = top + n * row_h
        short = (
            str(label) if len(str(label)) <= HEAT_LABEL_CHARS else str(label)[: HEAT_LABEL_CHARS - 1] + "…"
        )
        text = (
            f'<text x="{left - 6}" y="{y + 13}" text-anchor="end" {SMALL} {INK}>'
            f"<title>{escape(label)}</title>{escape(short)}</text>"
        )
        body.append(_linked(text, url, str(label)))
        cell_urls = row[4] if len(row) > 4 else ()
        named = str(label) if shade is not None else f"{label} (minimum {_number(minimum)})"
        table.append([(named, url)])
        for i, value in enumerate(values):
            if shade is not None:
                state = shade(n, i, value)
            else:
                state = "below" if value < minimum else "at" if value == minimum else "above"
            fill, ink = HEAT[state]
            x = left + i * cell_w
            column = columns[i] if i < len(columns) else ""
            tip = "" if shade is not None else f" (minimum {_number(minimum)})"
            cell = (
                f'<rect x="{x:.1f}" y="{y + 1}" width="{max(cell_w - 1, 1):.1f}" height="{row_h - 2}" '
                f'fill="{fill}"><title>{escape(label)}, {escape(column)}: {_number(value)}{tip}'
                "</title></rect>"
                f'<text x="{x + cell_w / 2:.1f}" y="{y + 13}" text-anchor="middle" font-size="10" '
                f'fill="{ink}">{_number(value)}</text>'
            )
            cell_url = cell_urls[i] if i < len(cell_urls) else ""
            if cell_url:
                cell = _linked(cell, cell_url, f"{label}, {column}: {_number(value)}")
            body.append(cell)
            # A cell short of its minimum (or in a grid's worst zones) says so in the table too;
            # the drawing says it in colour alone. "Above" is the good state: left unsaid.
            words = "" if state == "above" else said[state]
            table[-1].append((_number(value), cell_url, words, HEAT_CLASS[state]))
    legend_y = top + row_h * max(1, len(rows)) + 16
    for i, (state, words) in enumerate(keys):
        x = left + i * 130
        body.append(
            f'<rect x="{x}" y="{legend_y - 10}" width="12" height="12" fill="{HEAT[state][0]}"/>'
            f'<text x="{x + 16}" y="{legend_y}" {SMALL} fill="{AXIS}">{escape(words)}</text>'
        )
    return _frame(width, height, title, body, _figures(title, [rows_name, *columns], table))
