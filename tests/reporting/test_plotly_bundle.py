"""The vendored plotly.js is the partial bundle, and it has every trace type the dashboards draw."""

import re

from django.conf import settings

from reporting import dashboards

BUNDLE = settings.BASE_DIR / "reporting" / "static" / "vendor" / "plotly.min.js"
ENTRY = settings.BASE_DIR / "frontend" / "plotly-entry.js"


def test_the_bundle_registers_every_trace_type_the_dashboards_draw():
    registered = set(re.findall(r'require\("plotly\.js/lib/(\w+)"\)', ENTRY.read_text())) - {"core"}
    registered |= {"scatter"}  # plotly.js/lib/core registers scatter itself (the SDG indicator's lines)
    used = set(re.findall(r'"type": "(\w+)"', (settings.BASE_DIR / "reporting" / "dashboards.py").read_text()))
    used -= {"category", "natural"}  # axis and projection types, not traces
    assert used == {"bar", "heatmap", "choropleth", "scattergeo", "scatter"} and used <= registered
    assert dashboards  # the module the figures come from
    head = BUNDLE.read_text()[:300]
    assert (
        "plotly.js 4.1.1" in head
        and "partial bundle: bar, heatmap, choropleth, scattergeo (and scatter, in core)" in head
    )
    assert BUNDLE.stat().st_size < 2_000_000  # the full library is 4.8 MB
