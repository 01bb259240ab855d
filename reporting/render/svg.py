"""Horizontal bar charts as inline SVG, for the PDF (WeasyPrint draws SVG; no browser needed)."""

from django.utils.html import escape
from django.utils.safestring import mark_safe

COLOURS = ["#00558c", "#9a6700", "#1a7f37", "#b42318"]
ROW, BAR_GAP, LABEL_W, PLOT_W, PAD = 16, 2, 210, 300, 6


def bar_chart(spec):
    """The chart as an <svg> element (labels escaped), with a title and a legend."""
    series, categories = spec["series"], spec["categories"]
    top = max([v for s in series for v in s["values"]] + [1])
    row = ROW if len(series) * len(categories) <= 20 else 9  # long charts stay on one page
    band = row * len(series) + 4
    height = PAD * 2 + band * max(len(categories), 1) + 18
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{LABEL_W + PLOT_W + 60}" height="{height}" '
        f'role="img" aria-label="{escape(spec["title"])}" font-family="sans-serif" font-size="10">'
    ]
    for i, category in enumerate(categories):
        y0 = PAD + i * band
        parts.append(
            f'<text x="{LABEL_W - 4}" y="{y0 + band / 2 + 3}" text-anchor="end">{escape(category[:40])}</text>'
        )
        for j, s in enumerate(series):
            value = s["values"][i]
            width = PLOT_W * value / top
            y = y0 + j * row
            parts.append(
                f'<rect x="{LABEL_W}" y="{y}" width="{width:.1f}" height="{row - BAR_GAP}" fill="{COLOURS[j % 4]}"/>'
            )
            parts.append(f'<text x="{LABEL_W + width + 3:.1f}" y="{y + row - 2}" font-size="{row - 1}">{value}</text>')
    legend_y = height - 6
    for j, s in enumerate(series if len(series) > 1 else []):
        x = LABEL_W + j * 130
        parts.append(f'<rect x="{x}" y="{legend_y - 8}" width="8" height="8" fill="{COLOURS[j % 4]}"/>')
        parts.append(f'<text x="{x + 11}" y="{legend_y}">{escape(s["name"])}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label above is escaped
