"""Reads of the SDG framework for filters, pages and exports: plain querysets and values out."""

from django.db.models import Count, Exists, OuterRef, Q

from .evidence import SDG, sdg_items
from .models import ActionTarget, EvidenceTarget, FrameworkItem, ResultMeasure, in_language

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


def order(codes):
    """{code: position in the framework} of these SDG items: one query."""
    rows = FrameworkItem.objects.filter(framework__code=SDG, code__in=list(codes)).values_list("code", "order")
    return dict(rows)


def titles(codes):
    """{code: title in the reader's language} of these SDG items: one query."""
    rows = FrameworkItem.objects.filter(framework__code=SDG, code__in=list(codes)).values_list("code", "titles")
    return {code: in_language(item_titles)[0] for code, item_titles in rows}


# --- Pages -------------------------------------------------------------------------------------


def sdg_item(code):
    """The SDG item with this code (retired ones too), with its parent and framework, or None."""
    return (
        FrameworkItem.objects.filter(framework__code=SDG, code=code)
        .select_related("framework", "parent", "parent__parent")
        .first()
    )


def published_tagged(item):
    """Published records tagged with this target (or, for a goal, with one of its targets)."""
    from commitments.models import Evidence

    return Evidence.objects.published().filter(tagged_with([item.code]))


def published_measuring(item):
    from commitments.models import Evidence

    return Evidence.objects.published().filter(measuring([item.code]))


def among(records, field="evidence_id"):
    """The row's record is one of `records` (an Evidence queryset), as a correlated EXISTS.

    Written as `evidence__in=<subquery>`, SQLite's planner probed the tags once per framework item
    and published record: 20 s for the global dashboard at a million records, with no record
    tagged at all. EXISTS is driven by the tag rows (PostgreSQL plans both as a semi-join)."""
    return Exists(records.order_by().filter(pk=OuterRef(field)))


def index_tree():
    """[(goal, [(target, [indicator, ...]), ...]), ...] of the SDG framework, with published
    record counts per target (`target.n_evidence`) and result counts per indicator: three queries."""
    from commitments.models import Evidence

    items = list(FrameworkItem.objects.filter(framework__code=SDG).order_by("order"))
    published = Evidence.objects.published()
    tagged = dict(
        EvidenceTarget.objects.filter(among(published), item__framework__code=SDG)
        .values("item_id")
        .annotate(n=Count("evidence", distinct=True))
        .values_list("item_id", "n")
    )
    measured = dict(
        ResultMeasure.objects.filter(among(published, "result__evidence_id"), item__framework__code=SDG)
        .values("item_id")
        .annotate(n=Count("pk"))
        .values_list("item_id", "n")
    )
    children = {}
    for item in items:
        item.n_evidence, item.n_results = tagged.get(item.pk, 0), measured.get(item.pk, 0)
        children.setdefault(item.parent_id, []).append(item)
    goals = [i for i in items if i.kind == GOAL]
    return [(goal, [(target, children.get(target.pk, [])) for target in children.get(goal.pk, [])]) for goal in goals]


def action_links(item):
    """Active links from actions to this target (for a goal: to its targets), action first."""
    links = ActionTarget.objects.filter(active=True).select_related("action", "item")
    if item.kind == GOAL:
        return links.filter(item__parent=item)
    return links.filter(item=item)


def states_reporting(queryset):
    """[(iso3, name, records)] of the Member States among these records, most first."""
    rows = (
        queryset.filter(member_state__isnull=False)
        .order_by()
        .values("member_state__iso3", "member_state__name")
        .annotate(n=Count("pk", distinct=True))
        .order_by("-n", "member_state__name")
    )
    return [(r["member_state__iso3"], r["member_state__name"], r["n"]) for r in rows]


def indicator_results(item, queryset=None):
    """Published results measuring this indicator, as plain rows ordered by entity and year."""
    from commitments.models import Evidence

    published = queryset if queryset is not None else Evidence.objects.published()
    rows = (
        ResultMeasure.objects.filter(among(published, "result__evidence_id"), item=item)
        .select_related("result__evidence__member_state", "result__evidence__organisation")
        .order_by("result__evidence__member_state__name", "result__evidence__organisation__name", "result__year")
    )
    return [_result_row(m) for m in rows]


def _result_row(measure):
    result, evidence = measure.result, measure.result.evidence
    entity = evidence.member_state or evidence.organisation
    return {
        "entity": str(entity) if entity else "",
        "iso3": evidence.member_state.iso3 if evidence.member_state else "",
        "m49": evidence.member_state.m49_code if evidence.member_state else "",
        "year": result.year,
        "value": result.value,
        "unit": result.unit,
        "label": result.indicator,
        "sex": measure.sex,
        "age": measure.age,
        "migratory_status": measure.migratory_status,
        "record": evidence.record,
        "title": evidence.title,
        "url": evidence.get_absolute_url(),
    }


def results_by_indicator(queryset):
    """[(indicator item, [rows])] of the results these records report against SDG indicators."""
    measures = (
        ResultMeasure.objects.filter(among(queryset, "result__evidence_id"))
        .select_related("item", "result__evidence__member_state", "result__evidence__organisation")
        .order_by("item__order", "result__year", "pk")
    )
    grouped = {}
    for measure in measures:
        grouped.setdefault(measure.item, []).append(_result_row(measure))
    return list(grouped.items())


def sdmx_rows():
    """Every published result measuring an SDG indicator, with the M49 code of its area."""
    from commitments.models import Evidence

    published = Evidence.objects.published()
    measures = (
        ResultMeasure.objects.filter(among(published, "result__evidence_id"), item__framework__code=SDG)
        .select_related(
            "item",
            "result__evidence__member_state",
            "result__evidence__organisation__country",
        )
        .order_by("item__order", "result__evidence__member_state__m49_code", "result__year", "pk")
    )
    for measure in measures.iterator(chunk_size=2000):
        row = _result_row(measure)
        evidence = measure.result.evidence
        country = evidence.member_state or (evidence.organisation.country if evidence.organisation else None)
        row.update(code=measure.item.code, m49=country.m49_code if country else "")
        yield row
