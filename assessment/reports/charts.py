"""Accessible SVG charts drawn on the server: no JavaScript, the numbers are always in a table beside."""
from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Sequence
from html import escape

SIZE = 420
CENTRE = SIZE / 2
RADIUS = 140
LABEL_ROOM = 150  # left and right of the circle, so side labels are never cut
LINE_HEIGHT = 16
FONT_SIZE = 15  # of a 720-unit wide drawing: read on a phone scaled to less than half


def _point(index: int, count: int, fraction: float) -> tuple[float, float]:
    angle = -math.pi / 2 + 2 * math.pi * index / count
    return CENTRE + RADIUS * fraction * math.cos(angle), CENTRE + RADIUS * fraction * math.sin(angle)


def _polygon(values: Sequence[float], count: int) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in
                    (_point(i, count, max(0.0, min(v, 100.0)) / 100) for i, v in enumerate(values)))


def radar_svg(labels: Sequence[str], values: Sequence[float], title: str, description: str,
              previous: Sequence[float] | None = None,
              number: Callable[[float], str] = lambda value: f"{value:.1f}") -> str:
    """A radar of 0–100 scores; `previous` draws an earlier assessment dashed, to show progress (the page names
    the two lines under the chart: inside it the legend met the labels); `number` writes a score as the page
    does (31,2 in Italian)."""
    count = len(labels)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{-LABEL_ROOM} 0 {SIZE + 2 * LABEL_ROOM} {SIZE}" '
        f'class="chart" role="img" aria-labelledby="radar-title radar-desc">',
        f'<title id="radar-title">{escape(title)}</title><desc id="radar-desc">{escape(description)}</desc>',
    ]
    for ring in (0.25, 0.5, 0.75, 1.0):
        parts.append(f'<polygon points="{_polygon([ring * 100] * count, count)}" fill="none" '
                     f'stroke="#c7d0da" stroke-width="1"/>')
    for i in range(count):
        x, y = _point(i, count, 1)
        parts.append(f'<line x1="{CENTRE}" y1="{CENTRE}" x2="{x:.1f}" y2="{y:.1f}" stroke="#c7d0da"/>')
    if previous:
        parts.append(f'<polygon points="{_polygon(previous, count)}" fill="none" stroke="#8a5300" '
                     f'stroke-width="2" stroke-dasharray="6 4"/>')
    parts.append(f'<polygon points="{_polygon(values, count)}" fill="#0b4f6c" fill-opacity="0.25" '
                 f'stroke="#0b4f6c" stroke-width="2.5"/>')
    for i, (label, value) in enumerate(zip(labels, values)):
        x, y = _point(i, count, 1.18)
        anchor = "middle" if abs(x - CENTRE) < 20 else ("start" if x > CENTRE else "end")
        lines = _label_lines(label)
        # Labels above the centre grow upwards, away from the chart; the others grow downwards.
        first_dy = -LINE_HEIGHT * (len(lines) - 1) if y < CENTRE - 1 else 0
        spans = "".join(f'<tspan x="{x:.1f}" dy="{first_dy if n == 0 else LINE_HEIGHT}">{escape(line)}</tspan>'
                        for n, line in enumerate(lines))
        parts.append(f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{FONT_SIZE}" '
                     f'fill="#1b2430">{spans}<tspan x="{x:.1f}" dy="{LINE_HEIGHT}" font-weight="700">'
                     f'{escape(number(value))}</tspan></text>')
    parts.append("</svg>")
    return "".join(parts)


def bar_svg(labels: Sequence[str], values: Sequence[float], title: str, maximum: float | None = None,
            number: Callable[[float], str] = lambda value: f"{value:g}") -> str:
    """Horizontal bars, for distributions and dashboards."""
    top = maximum or max([*values, 1])
    height = 28 * len(labels) + 10
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 480 {height}" class="chart" role="img" '
             f'aria-label="{escape(title)}"><title>{escape(title)}</title>']
    for i, (label, value) in enumerate(zip(labels, values)):
        y = 5 + 28 * i
        width = 0 if top <= 0 else 250 * value / top
        parts.append(f'<text x="170" y="{y + 17}" text-anchor="end" font-size="12" fill="#1b2430">'
                     f'{escape(_short(label, 26))}</text>'
                     f'<rect x="178" y="{y + 4}" width="{width:.1f}" height="18" fill="#0b4f6c"/>'
                     f'<text x="{184 + width:.1f}" y="{y + 17}" font-size="12" fill="#1b2430">'
                     f'{escape(number(value))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _label_lines(label: str, width: int = 20, most: int = 3) -> list[str]:
    """A dimension's name on up to three lines of about 20 characters, cut only if longer than that."""
    lines = textwrap.wrap(label, width, break_on_hyphens=False) or [""]
    if len(lines) > most:
        lines = [*lines[:most - 1], _short(" ".join(lines[most - 1:]), width)]
    return lines


def _short(label: str, limit: int = 22) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
