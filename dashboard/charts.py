"""Small server-side SVG charts (bar, line, pie) used on the dashboard pages and in the PDF report.

Each helper takes a list of (label, value) pairs and returns a SafeString holding one <svg>
element with a <title> for screen readers; labels are escaped. The numbers are always shown as
a table next to the chart by the templates, so the charts carry no interactivity.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

PALETTE = ("#b3261e", "#1f6feb", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#795548", "#5d6d7e")
FONT = 'font-family="Noto Sans CJK SC, sans-serif"'

Pairs = Sequence[tuple[str, int | float | Decimal]]


def _fmt(value) -> str:
    if isinstance(value, Decimal | float):
        text = f"{value:,.1f}"
        return text[:-2] if text.endswith(".0") else text
    return f"{value:,}"


def _short(label: str, n: int = 8) -> str:
    label = str(label)
    return label if len(label) <= n else label[: n - 1] + "…"


def _empty(title: str, width: int, height: int) -> SafeString:
    return mark_safe(  # nosec B308 B703 # labels and titles are escaped, numbers formatted
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img"><title>{escape(title)}</title>'
        f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" font-size="13" fill="#666" '
        f"{FONT}>{escape(_('暂无数据'))}</text></svg>"
    )


def bar_chart(pairs: Pairs, *, title: str, width: int = 360, bar: int = 22) -> SafeString:
    """Horizontal bars: one row per pair, label on the left, value at the bar's end."""
    pairs = [(str(k), v or 0) for k, v in pairs]
    if not pairs or not any(v for _k, v in pairs):
        return _empty(title, width, 60)
    gap, left, right = 8, 116, 64
    height = len(pairs) * (bar + gap) + gap
    top = max(float(v) for _k, v in pairs) or 1.0
    span = width - left - right
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img"><title>{escape(title)}</title>'
    ]
    for i, (label, value) in enumerate(pairs):
        y = gap + i * (bar + gap)
        w = max(1.0, span * float(value) / top) if value else 0
        parts.append(
            f'<text x="{left - 6}" y="{y + bar * 0.7:.1f}" text-anchor="end" font-size="12" '
            f'fill="#333" {FONT}>{escape(_short(label))}</text>'
            f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar}" '
            f'fill="{PALETTE[i % len(PALETTE)]}"/>'
            f'<text x="{left + w + 4:.1f}" y="{y + bar * 0.7:.1f}" font-size="12" fill="#333" '
            f"{FONT}>{escape(_fmt(value))}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # nosec B308 B703 # labels and titles are escaped, numbers formatted


def line_chart(pairs: Pairs, *, title: str, width: int = 360, height: int = 180) -> SafeString:
    """A line over the pairs in order (e.g. months), with dots and the first/last labels."""
    pairs = [(str(k), float(v or 0)) for k, v in pairs]
    if not pairs:
        return _empty(title, width, 60)
    left, right, top_pad, bottom = 40, 16, 16, 28
    top = max(v for _k, v in pairs) or 1.0
    span_x = width - left - right
    span_y = height - top_pad - bottom
    step = span_x / max(1, len(pairs) - 1)
    points = [
        (left + i * step, top_pad + span_y * (1 - v / top)) for i, (_k, v) in enumerate(pairs)
    ]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    base = height - bottom
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img"><title>{escape(title)}</title>',
        f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="#999"/>',
        f'<text x="{left - 4}" y="{top_pad + 4}" text-anchor="end" font-size="11" fill="#666" '
        f"{FONT}>{escape(_fmt(top if top != int(top) else int(top)))}</text>",
        f'<text x="{left - 4}" y="{base}" text-anchor="end" font-size="11" fill="#666" {FONT}>0</text>',
        f'<polyline points="{path}" fill="none" stroke="{PALETTE[1]}" stroke-width="2"/>',
    ]
    for x, y in points:
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{PALETTE[1]}"/>')
    labels = [(0, pairs[0][0])] if len(pairs) == 1 else [(0, pairs[0][0]), (-1, pairs[-1][0])]
    for index, label in labels:
        anchor = "start" if index == 0 else "end"
        x = points[index][0]
        parts.append(
            f'<text x="{x:.1f}" y="{height - 8}" text-anchor="{anchor}" font-size="11" '
            f'fill="#666" {FONT}>{escape(label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # nosec B308 B703 # labels and titles are escaped, numbers formatted


def pie_chart(pairs: Pairs, *, title: str, size: int = 160, width: int = 360) -> SafeString:
    """A pie with a legend on the right (label and value)."""
    pairs = [(str(k), float(v or 0)) for k, v in pairs if v]
    total = sum(v for _k, v in pairs)
    height = max(size, len(pairs) * 20 + 10)
    if not total:
        return _empty(title, width, 60)
    r = size / 2 - 4
    cx = cy = size / 2
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img"><title>{escape(title)}</title>'
    ]
    angle = -math.pi / 2
    for i, (label, value) in enumerate(pairs):
        color = PALETTE[i % len(PALETTE)]
        if len(pairs) == 1:
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="{color}"/>')
        else:
            sweep = 2 * math.pi * value / total
            x1, y1 = cx + r * math.cos(angle), cy + r * math.sin(angle)
            angle += sweep
            x2, y2 = cx + r * math.cos(angle), cy + r * math.sin(angle)
            large = 1 if sweep > math.pi else 0
            parts.append(
                f'<path d="M{cx},{cy} L{x1:.2f},{y1:.2f} A{r},{r} 0 {large} 1 {x2:.2f},{y2:.2f} Z" '
                f'fill="{color}"/>'
            )
        y = 10 + i * 20
        parts.append(
            f'<rect x="{size + 10}" y="{y}" width="12" height="12" fill="{color}"/>'
            f'<text x="{size + 28}" y="{y + 11}" font-size="12" fill="#333" {FONT}>'
            f"{escape(_short(label, 10))} {escape(_fmt(value if value != int(value) else int(value)))}"
            f"</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # nosec B308 B703 # labels and titles are escaped, numbers formatted
