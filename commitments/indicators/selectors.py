"""Reads of the SDG framework for filters, pages and exports: plain querysets and values out."""

from django.db.models import Exists, OuterRef, Q

from .evidence import SDG, sdg_items
from .models import EvidenceTarget, FrameworkItem, ResultMeasure, in_language

TARGET, INDICATOR, GOAL = FrameworkItem.Kind.TARGET, FrameworkItem.Kind.INDICATOR, FrameworkItem.Kind.GOAL


def _label(code, titles, width=70):
    title = in_language(titles)[0]
    return f"{code} {title[:width]}{'…' if len(title) > width else ''}"


def target_choices():
    """Goals and targets, so `sdg_target=10` asks for every target of goal 10."""
    rows = FrameworkItem.objects.filter(framework__code=SDG, kind__in=[GOAL, TARGET])
    return [(code, _label(code, titles)) for code, titles in rows.order_by("order").values_list("code", "titles")]


def indicator_choices():
    rows = sdg_items(INDICATOR).order_by("order").values_list("code", "titles")
    return [(code, _label(code, titles)) for code, titles in rows]


def targets_for(codes):
    """The SDG targets named by these codes, a goal code standing for all of its targets."""
    return sdg_items(TARGET).filter(Q(code__in=codes) | Q(parent__code__in=codes, parent__kind=GOAL))


def tagged_with(codes):
    """Q: records tagged with one of these targets (or a target of one of these goals)."""
    tags = EvidenceTarget.objects.filter(evidence_id=OuterRef("pk"), item__in=targets_for(codes))
    return Q(Exists(tags))


def measuring(codes):
    """Q: records with a result that measures one of these SDG indicators."""
    measures = ResultMeasure.objects.filter(
        result__evidence_id=OuterRef("pk"), item__framework__code=SDG, item__code__in=codes
    )
    return Q(Exists(measures))


def titles(codes):
    """{code: title in the reader's language} of these SDG items: one query."""
    rows = FrameworkItem.objects.filter(framework__code=SDG, code__in=list(codes)).values_list("code", "titles")
    return {code: in_language(item_titles)[0] for code, item_titles in rows}
