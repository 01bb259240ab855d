"""The 2030 Agenda pages: the SDG index, a page per goal or target, and a page per indicator.

Permalinks are the SDG codes (/sdg/10.7/, /sdg/10.7.1/). Retired items keep their page, with
the version that retired them, so old records never point nowhere. Reads come from
`commitments.indicators.selectors`; the chart from `reporting.dashboards`.
"""

from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.cache import patch_cache_control

from commitments.indicators import selectors as sdg
from commitments.indicators.models import FrameworkItem, IndicatorFramework

from . import dashboards

RECENT = 20
LIST_RELATED = ["member_state", "organisation", "primary_action"]


def codes(request, kind):
    """Goals and targets, or indicators: code and title in the reader's language, for the evidence
    list's SDG filters (sdg-codes.js loads them when the box is first used)."""
    choices = sdg.target_choices() if kind == "targets" else sdg.indicator_choices()
    response = JsonResponse({"results": [{"code": code, "label": label} for code, label in choices]})
    patch_cache_control(response, public=True, max_age=3600)
    return response


def sdg_index(request):
    framework = IndicatorFramework.objects.filter(code=sdg.SDG).first()
    return render(request, "reporting/sdg_index.html", {"framework": framework, "tree": sdg.index_tree()})


def sdg_item(request, code):
    item = sdg.sdg_item(code)
    if item is None:
        raise Http404
    if item.kind == FrameworkItem.Kind.INDICATOR:
        return _indicator_page(request, item)
    records = sdg.published_tagged(item)
    context = {
        "item": item,
        "children": list(item.children.order_by("order")),
        "links": sdg.action_links(item),
        "states": sdg.states_reporting(records),
        "count": records.count(),
        "recent": records.select_related(*LIST_RELATED).order_by("-validated_at", "-id")[:RECENT],
        "list_query": f"sdg_target={item.code}",
    }
    return render(request, "reporting/sdg_item.html", context)


def _indicator_page(request, item):
    records = sdg.published_measuring(item)
    rows = sdg.indicator_results(item)
    context = {
        "item": item,
        "rows": rows,
        "chart": dashboards.indicator_results(rows, item.code),
        "dashboard_config": {"topojsonURL": static("vendor/topojson/")},
        "states": sdg.states_reporting(records),
        "count": records.count(),
        "links": sdg.action_links(item.parent) if item.parent else [],
        "list_query": f"sdg_indicator={item.code}",
    }
    return render(request, "reporting/sdg_indicator.html", context)
