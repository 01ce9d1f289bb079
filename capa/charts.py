"""Charts drawn on the server as inline SVG: no JavaScript library, nothing fetched from a CDN, and
they print and go into PDFs as they are."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BAR = "#0d6efd"
LINE = "#dc3545"
AXIS = "#6c757d"
SMALL = 'font-size="11"'


def _short(label: str, limit: int = 14) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _frame(width: int, height: int, title: str, body: list[str]) -> SafeString:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}" class="capa-chart" style="max-width:{width}px">',
        f"<title>{escape(title)}</title>",
        *body,
        "</svg>",
    ]
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def bar_chart(
    data: list[tuple[str, int]], *, title: str, pareto: bool = False, width: int = 640, height: int = 300
) -> SafeString:
    """Bars with their counts; with ``pareto`` the bars are sorted largest first and the
    cumulative percentage is drawn as a line against a 0–100 % axis on the right."""
    if pareto:
        data = sorted(data, key=lambda d: (-d[1], d[0]))
    left, right, top, bottom = 40, 44 if pareto else 12, 16, 56
    plot_w, plot_h = width - left - right, height - top - bottom
    body = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="{AXIS}"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="{AXIS}"/>',
    ]
    total = sum(c for _, c in data)
    if not data or total == 0:
        body.append(
            f'<text x="{width / 2:.0f}" y="{height / 2:.0f}" text-anchor="middle" fill="{AXIS}" '
            'font-size="14">No data in this period</text>'
        )
        return _frame(width, height, title, body)
    top_value = max(c for _, c in data)
    step = plot_w / len(data)
    bar_w = step * 0.6
    body.append(
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" {SMALL} fill="{AXIS}">{top_value}</text>'
        f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" {SMALL} fill="{AXIS}">0</text>'
    )
    points = []
    running = 0
    for i, (label, count) in enumerate(data):
        x = left + i * step + (step - bar_w) / 2
        h = plot_h * count / top_value
        y = top + plot_h - h
        cx = x + bar_w / 2
        body.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{BAR}">'
            f"<title>{escape(label)}: {count}</title></rect>"
            f'<text x="{cx:.1f}" y="{y - 3:.1f}" text-anchor="middle" {SMALL}>{count}</text>'
            f'<text x="{cx:.1f}" y="{top + plot_h + 14}" text-anchor="middle" {SMALL}>'
            f"{escape(_short(label))}</text>"
        )
        running += count
        points.append((cx, top + plot_h - plot_h * running / total, round(100 * running / total)))
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
    body.append(
        f'<text x="{left + plot_w / 2:.0f}" y="{height - 8}" text-anchor="middle" font-size="12" '
        f'fill="{AXIS}">Total {total}</text>'
    )
    return _frame(width, height, title, body)
