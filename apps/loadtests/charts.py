"""Inline SVG charts for the admin's run page: no JavaScript, nothing fetched from elsewhere.

`line_chart` draws one or more series over the run's seconds; `bar_chart` draws a histogram.
Values are escaped; the SVG is built from numbers and labels only.
"""

from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT, PAD = 640, 200, 40
COLOURS = ("#2f6fb0", "#d9822b", "#3a9d5d", "#b03a3a")


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)


def _frame(title: str, top: float, unit: str, body: str, x_label: str) -> str:
    grid = []
    for index in range(5):
        y = PAD + (HEIGHT - 2 * PAD) * index / 4
        value = top * (4 - index) / 4
        grid.append(
            f'<line x1="{PAD}" y1="{y:.1f}" x2="{WIDTH - PAD}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{PAD - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end">'
            f"{value:g}</text>"
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-label="{escape(title)}">'
        f'<text x="{PAD}" y="16" font-size="12" font-weight="bold">{escape(title)}'
        f" ({escape(unit)})</text>{''.join(grid)}{body}"
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" font-size="10" text-anchor="end">'
        f"{escape(x_label)}</text></svg>"
    )


def line_chart(title: str, unit: str, series: dict[str, Sequence[float]]) -> str:
    """Each named series, one value per second."""
    length = max((len(values) for values in series.values()), default=0)
    top = _nice_max(max((max(values, default=0) for values in series.values()), default=0))
    span = max(length - 1, 1)
    lines, legend = [], []
    for index, (name, values) in enumerate(series.items()):
        colour = COLOURS[index % len(COLOURS)]
        points = " ".join(
            f"{PAD + (WIDTH - 2 * PAD) * second / span:.1f},"
            f"{HEIGHT - PAD - (HEIGHT - 2 * PAD) * value / top:.1f}"
            for second, value in enumerate(values)
        )
        lines.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{points}"/>'
        )
        legend.append(
            f'<text x="{WIDTH - PAD - 120 * (index + 1) + 120}" y="16" font-size="11" '
            f'fill="{colour}" text-anchor="end">{escape(name)}</text>'
        )
    return _frame(title, top, unit, "".join(lines + legend), f"{length} s")


def bar_chart(title: str, unit: str, bars: Sequence[tuple[str, float]]) -> str:
    """A histogram: (label, count) per bucket."""
    top = _nice_max(max((count for _, count in bars), default=0))
    width = (WIDTH - 2 * PAD) / max(len(bars), 1)
    body = []
    for index, (label, count) in enumerate(bars):
        height = (HEIGHT - 2 * PAD) * count / top
        x = PAD + index * width
        body.append(
            f'<rect x="{x + 1:.1f}" y="{HEIGHT - PAD - height:.1f}" width="{width - 2:.1f}" '
            f'height="{height:.1f}" fill="{COLOURS[0]}"><title>{escape(label)}: {count:g}'
            f"</title></rect>"
        )
        if index % max(len(bars) // 8, 1) == 0:
            body.append(
                f'<text x="{x + width / 2:.1f}" y="{HEIGHT - PAD + 12}" font-size="9" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    return _frame(title, top, unit, "".join(body), "http_req_duration (ms)")
