"""Charts rendered on the server as inline SVG: no script, no CDN, and CSP-clean.

Colours come from classes in static/reports/reports.css (series-0, series-1, ...);
the SVG carries only geometry.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 760, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 8, 12, 28


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | int | None]


def nice_ceiling(value: float) -> float:
    """A round axis maximum at or above value: 1, 2, 2.5 or 5 times a power of ten."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def number(value: float) -> str:
    return f"{value:g}" if value < 10_000 else f"{value:,.0f}"


def chart(
    title: str, keys: Sequence[str], series: Sequence[Series], *, kind: str = "bars", unit: str = ""
) -> SafeString:
    """Stacked bars (kind="bars") or a line (kind="line") over the periods in keys."""
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    if kind == "bars":
        totals = [sum(s.values[i] or 0 for s in series) for i in range(len(keys))]
    else:
        totals = [max((s.values[i] or 0 for s in series), default=0) for i in range(len(keys))]
    top = nice_ceiling(max(totals, default=0))
    slot = plot_width / max(len(keys), 1)

    def y(value: float) -> float:
        return TOP + plot_height - plot_height * value / top

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'preserveAspectRatio="none" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for fraction in (0, 0.5, 1):
        level = top * fraction
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
            f'y1="{y(level):.1f}" y2="{y(level):.1f}"/>'
            f'<text class="axis" x="{LEFT - 6}" y="{y(level) + 4:.1f}" '
            f'text-anchor="end">{number(level)}</text>'
        )
    if kind == "bars":
        width = max(slot * 0.8, 0.5)
        for i, key in enumerate(keys):
            base = 0.0
            for j, item in enumerate(series):
                value = item.values[i] or 0
                if value:
                    x = LEFT + i * slot + (slot - width) / 2
                    parts.append(
                        f'<rect class="series-{j}" x="{x:.2f}" y="{y(base + value):.2f}" '
                        f'width="{width:.2f}" height="{y(base) - y(base + value):.2f}">'
                        f"<title>{escape(key)}: {escape(item.name)} {number(value)}{unit}</title>"
                        "</rect>"
                    )
                    base += value
    else:
        parts.extend(_lines(keys, series, slot, y, unit))
    for i in sorted({0, len(keys) // 2, len(keys) - 1}):
        if 0 <= i < len(keys):
            anchor = "start" if i == 0 else "end" if i == len(keys) - 1 else "middle"
            x = LEFT + (i + 0.5) * slot if anchor == "middle" else LEFT + i * slot
            if anchor == "end":
                x = LEFT + (i + 1) * slot
            parts.append(
                f'<text class="axis" x="{x:.1f}" y="{HEIGHT - 8}" text-anchor="{anchor}">'
                f"{escape(keys[i])}</text>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)


def _lines(
    keys: Sequence[str],
    series: Sequence[Series],
    slot: float,
    y: Callable[[float], float],
    unit: str,
) -> list[str]:
    """A line per series through its known values."""
    parts = []
    for j, item in enumerate(series):
        points = " ".join(
            f"{LEFT + (i + 0.5) * slot:.2f},{y(value):.2f}"
            for i, value in enumerate(item.values)
            if value is not None
        )
        parts.append(f'<polyline class="line series-{j}" points="{points}"/>')
        known = [(i, value) for i, value in enumerate(item.values) if value is not None]
        if len(known) == 1:
            # A line through one point draws nothing: a dot shows the only value.
            ((i, value),) = known
            parts.append(
                f'<circle class="series-{j}" cx="{LEFT + (i + 0.5) * slot:.2f}" '
                f'cy="{y(value):.2f}" r="3"><title>{escape(keys[i])}: '
                f"{escape(item.name)} {number(value)}{unit}</title></circle>"
            )
    return parts
