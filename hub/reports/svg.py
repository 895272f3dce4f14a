"""Charts as inline SVG, drawn by our own small code (no JavaScript, so the page, the HTML
file and the PDF show the same picture). Colours follow NHS Making Data Count practice:
grey common cause, orange concern, blue improvement, purple neutral special cause."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

from schemas.reports import SpcChart, Tally

COLOURS = {
    "common_cause": "#768692",
    "special_cause_improving": "#005EB8",
    "special_cause_concerning": "#ED8B00",
    "special_cause_neutral_high": "#330072",
    "special_cause_neutral_low": "#330072",
}
MEAN = "#005EB8"
LIMIT = "#003087"
TEXT = "#212b32"
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _short_month(month: str) -> str:
    year, number = month.split("-")
    return f"{_MONTHS[int(number) - 1]} {year[2:]}"


def xmr(chart: SpcChart, *, width: int = 640, height: int = 220) -> Markup:
    """An XmR chart: the points, the mean, the process limits; special-cause points coloured."""
    left, right, top, bottom = 44, 26, 12, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [p.value for p in chart.points]
    high = max([chart.upper_limit, *values, 1.0])
    n = len(values)

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h * (1 - v / high)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="hub-chart" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(chart.title)}"><title>{escape(chart.title)}</title>',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#ffffff" '
        f'stroke="#d8dde0"/>',
    ]
    for value, colour, dash, name in (
        (chart.upper_limit, LIMIT, "6 4", "upper limit"),
        (chart.lower_limit, LIMIT, "6 4", "lower limit"),
        (chart.mean, MEAN, "", "mean"),
    ):
        dashes = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            f'stroke="{colour}" stroke-width="1.5"{dashes}><title>{name} {_num(value)}</title>'
            "</line>"
        )
        parts.append(
            f'<text x="{left - 4}" y="{y(value) + 4:.1f}" font-size="10" text-anchor="end" '
            f'fill="{TEXT}">{_num(value)}</text>'
        )
    path = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
    parts.append(f'<polyline points="{path}" fill="none" stroke="#aeb7bd" stroke-width="1.5"/>')
    for i, point in enumerate(chart.points):
        colour = COLOURS.get(point.variation, COLOURS["common_cause"])
        rules = f" ({', '.join(point.rules)})" if point.rules else ""
        parts.append(
            f'<circle cx="{x(i):.1f}" cy="{y(point.value):.1f}" r="3.5" fill="{colour}">'
            f"<title>{escape(point.month)}: {_num(point.value)}{escape(rules)}</title></circle>"
        )
    step = max(1, round(n / 8))
    for i in range(0, n, step):
        parts.append(
            f'<text x="{x(i):.1f}" y="{height - 10}" font-size="10" text-anchor="middle" '
            f'fill="{TEXT}">{_short_month(chart.points[i].month)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def bars(
    values: Sequence[Tally],
    labels: Sequence[str],
    title: str,
    *,
    width: int = 640,
    height: int = 180,
) -> Markup:
    """A plain bar chart (calls by hour of day, or by weekday). A count not shown ("<8",
    "*") has no bar, only its marker above the axis, so its height gives nothing away."""
    left, right, top, bottom = 30, 8, 10, 24
    plot_w, plot_h = width - left - right, height - top - bottom
    high = max([*(v for v in values if isinstance(v, int)), 1])
    slot = plot_w / max(len(values), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="hub-chart" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" '
        f'stroke="#aeb7bd"/>',
        f'<text x="{left - 4}" y="{top + 8}" font-size="10" text-anchor="end" '
        f'fill="{TEXT}">{high}</text>',
    ]
    for i, (value, label) in enumerate(zip(values, labels, strict=True)):
        bx = left + i * slot + slot * 0.15
        if not isinstance(value, int):
            parts.append(
                f'<text x="{bx + slot * 0.35:.1f}" y="{top + plot_h - 4}" font-size="9" '
                f'text-anchor="middle" fill="{TEXT}">{escape(value)}'
                f"<title>{escape(label)}: {escape(value)} (not shown)</title></text>"
            )
            parts.append(
                f'<text x="{bx + slot * 0.35:.1f}" y="{height - 8}" font-size="10" '
                f'text-anchor="middle" fill="{TEXT}">{escape(label)}</text>'
            )
            continue
        bar_h = plot_h * value / high
        parts.append(
            f'<rect x="{bx:.1f}" y="{top + plot_h - bar_h:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{bar_h:.1f}" fill="{MEAN}"><title>{escape(label)}: {value}</title></rect>'
        )
        parts.append(
            f'<text x="{bx + slot * 0.35:.1f}" y="{height - 8}" font-size="10" '
            f'text-anchor="middle" fill="{TEXT}">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
