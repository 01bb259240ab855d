"""Dashboards: the global page and a profile page per State, objective, action and organisation.

Every page reads the shared filters (`commitments.filters.filter_evidence`, the one definition
used by the lists, the API and the exports) from the query string, so the URL keeps the state,
and draws only published evidence. A profile page is the same filters with its own scope fixed
(`state=MAR`, `objective=13`, ...). The numbers come from `reporting.aggregates`, the figures
from `reporting.dashboards`; the number of queries does not depend on the amount of data.
"""

from functools import partial
from types import SimpleNamespace

from csp.constants import UNSAFE_INLINE
from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.utils.translation import get_language, gettext

from commitments import dataversion, names, rollups
from commitments.filters import action_slug, filter_evidence, linked_parts
from commitments.indicators import selectors as sdg
from commitments.models import (
    Action,
    Evidence,
    GuidingPrinciple,
    MemberState,
    Objective,
    Organisation,
    StakeholderType,
)
from commitments.pledges import selectors as pledge_selectors
from commitments.pledges.filters import filter_pledges
from commitments.readers import reader_page, remember

from . import aggregates, dashboards

# Filters offered on the dashboard form (the others still work from the URL).
FORM_FIELDS = [
    "region",
    "subregion",
    "entity_kind",
    "objective",
    "state",
    "cycle",
    "status",
    "level",
    "principle",
    "sdg_target",
    "good_practice",
    "validated_from",
    "validated_to",
]
IGNORED_PARAMS = ("mine", "sort", "page", "format")
CYCLES = (1, 2, 3)


class Reference:
    """The framework's names, read once per request (four small queries)."""

    def __init__(self):
        # Observer States (Holy See, State of Palestine) report like any other: every State is read.
        rows = list(MemberState.objects.values_list("id", "iso3", "name", "region"))
        self.state_keys = {pk: (iso3, region) for pk, iso3, _name, region in rows}
        self.english_states = [(iso3, name) for _pk, iso3, name, _region in rows]
        self.regions = sorted({region for *_rest, region in rows if region})
        self.types = list(StakeholderType.objects.order_by("order").values_list("id", "slug", "name"))
        self.objectives = list(Objective.objects.order_by("number").values_list("number", flat=True))
        principles = GuidingPrinciple.objects.order_by("letter").values_list("letter", "name", "translations")
        self.principles = [(letter, name) for letter, name, _texts in principles]
        # The official text of the principles' names in other languages, where loaded.
        self.principle_translations = {letter: texts for letter, _name, texts in principles}

    @property
    def principle_names(self):
        """{letter: name} in the reader's language where its official text is loaded."""
        language = get_language() or "en"
        return {
            letter: texts[language]["name"]
            # getattr: a Reference cached by the release before this one has no translations
            for letter, texts in getattr(self, "principle_translations", {}).items()
            if language in texts
        }

    @property
    def states(self):
        """(iso3, name) in the reader's language (CLDR; the UN's English names in English), sorted by
        name: the cached names are English, translated at each use, never stored translated."""
        named = [(iso3, names.state_name(SimpleNamespace(iso3=iso3, name=name))) for iso3, name in self.english_states]
        return sorted(named, key=lambda s: s[1])

    @property
    def type_slugs(self):
        return {pk: slug for pk, slug, _name in self.types}

    @property
    def type_names(self):
        # Stakeholder type names are marked for translation in commitments/framework.py.
        return [(slug, gettext(name)) for _pk, slug, name in self.types]


def _filtered(request, scope=None):
    """(filterset, published queryset) for the request's filters, with the page's scope fixed."""
    return filtered(request.GET, request.user, scope)


def _with_scope(query, scope):
    params = query.copy()
    for name in IGNORED_PARAMS:
        params.pop(name, None)
    for name, value in (scope or {}).items():
        params.setlist(name, [str(value)])
    return params


def _parts(request, scope, filterset):
    """The page's filter by objective or action in two parts, when its figures are computed."""
    return partial(linked_parts, _with_scope(request.GET, scope), request.user, filterset)


def reference(version):
    """The framework's names for this data version (from the cache when another page read them)."""
    from django.core.cache import cache

    key = version.key("dashboard-reference")
    ref = cache.get(key)
    if ref is None:
        ref = Reference()
        cache.set(key, ref, 3600)
    return ref


def filtered(query, user, scope=None):
    """(filterset, published queryset) for a QueryDict of filters, with a profile's scope fixed."""
    filterset, queryset = filter_evidence(_with_scope(query, scope), user)
    return filterset, queryset.filter(is_published=True)


def global_data(query, user, version=None):
    """(filterset, reference names, aggregates) of the global dashboard; the benchmark times this.

    With the request's data `version`, names and figures come from the cache when another reader
    asked for the same filters since the last change.
    """
    ref = reference(version) if version else Reference()
    filterset, queryset = filtered(query, user)
    data = _data(queryset, ref, version, filterset, partial(linked_parts, _with_scope(query, None), user, filterset))
    data["sdg_targets"] = aggregates.by_sdg_target(queryset)
    return filterset, ref, data


def _data(queryset, ref, version=None, filterset=None, parts=None, by_action=False):
    """The figures (and the status by primary action, `by_action`); the cube and the principles
    from the rollups when they can answer the filters (and the scope); a filter by objective or
    action read in its two disjoint parts (`parts()`: `commitments.filters.linked_parts`, called
    only when the figures are not kept)."""
    rollup_query = rollups.query_for(filterset) if filterset is not None else None

    def compute():
        split = parts() if parts is not None and rollup_query is None else None
        if rollup_query is not None:
            data = aggregates.fold_cube(rollups.cube(rollup_query), ref.state_keys, ref.type_slugs)
            data["principles"] = rollups.principle_counts(rollup_query)
        elif split:
            data = _data_in_parts(split, ref)
        else:
            data = aggregates.fold_cube(aggregates.dashboard_cube(queryset), ref.state_keys, ref.type_slugs)
            data["principles"] = aggregates.principles_applied(queryset)
        if by_action:
            data["by_action"] = (
                aggregates.add_tables(*(aggregates.by_action_status(part) for part in _published(split)))
                if split
                else aggregates.by_action_status(queryset)
            )
        return data

    # Published rows only (filtered() fixes that), so the public counter is the right key.
    name = "dashboard-by-action" if by_action else "dashboard"
    return remember(version, name, queryset, compute) if version else compute()


def _published(parts):
    """The two parts of a filter by objective or action, published rows only (as `filtered`)."""
    return [part.filter(is_published=True) for part in (parts.primary, parts.linked)]


def _data_in_parts(parts, ref):
    """The figures of a filter by objective or action from its two disjoint parts: the primary
    part's cube from the rollups when the other filters allow (a filter by objective), else both
    read from the evidence, each planned on its own indexes."""
    primary, linked = _published(parts)
    rollup_query = rollups.query_for(parts.rest) if parts.objectives else None
    if rollup_query is not None:
        rows = rollups.cube(rollup_query & Q(objective__in=parts.objectives))
    else:
        rows = aggregates.dashboard_cube(primary)
    data = aggregates.fold_cube(rows + aggregates.dashboard_cube(linked), ref.state_keys, ref.type_slugs)
    data["principles"] = aggregates.add_counts(
        aggregates.principles_applied(primary), aggregates.principles_applied(linked)
    )
    return data


def _render(request, template, filterset, charts, totals, extra=None, scope=()):
    fields = [filterset.form[name] for name in FORM_FIELDS if name in filterset.form.fields and name not in scope]
    context = {
        "filterset": filterset,
        "filter_fields": fields,
        "filter_errors": filterset.errors,
        "charts": charts,
        "totals_sentence": dashboards.totals_sentence(totals),
        "dashboard_config": {"topojsonURL": static("vendor/topojson/")},
        "query": request.GET.urlencode(),
        **(extra or {}),
    }
    response = render(request, template, context)
    # plotly.js writes a few style="" attributes with setAttribute (heatmap images, colour bars), which
    # CSP treats as inline style attributes: allowed on the chart pages only, never inline scripts.
    response._csp_update = {"style-src-attr": [UNSAFE_INLINE]}
    return response


@reader_page
def global_dashboard(request):
    filterset, ref, data = global_data(request.GET, request.user, dataversion.for_request(request))
    charts = [
        dashboards.state_map(data["by_state"], ref.states),
        dashboards.objective_region_heatmap(data["by_objective_region"], ref.objectives, ref.regions),
        dashboards.status_by_objective(data["by_objective_status"], ref.objectives),
        dashboards.trend(data["by_cycle_status"], CYCLES),
        dashboards.participation(data["participation"], ref.type_names),
        dashboards.principles(data["principles"], ref.principles, names=ref.principle_names),
        dashboards.sdg_targets(data["sdg_targets"], sdg.titles(data["sdg_targets"])),
        *_pledge_charts(request, ref),
    ]
    # Ways into the profiles: every objective, and the States with published evidence here.
    extra = {
        "objective_numbers": ref.objectives,
        "reporting_states": [(iso3, name) for iso3, name in ref.states if iso3 in data["by_state"]],
    }
    return _render(request, "reporting/dashboard.html", filterset, charts, data["totals"], extra)


def _pledge_charts(request, ref):
    """Pledges by type and by objective, through the pledges' own FilterSet with the same query
    (the parameters it shares with evidence: state, region, objective, action, entity kind)."""
    _filterset, pledges = filter_pledges(request.GET, request.user)
    counts = pledge_selectors.pledge_counts(pledges, statuses=False)
    return [
        dashboards.pledges_by_kind(counts["by_kind"]),
        dashboards.pledges_by_objective(counts["by_objective"], ref.objectives),
    ]


@reader_page
def state_profile(request, iso3):
    state = get_object_or_404(MemberState, iso3=iso3.upper())
    version = dataversion.for_request(request)
    ref = reference(version)
    scope = {"state": state.iso3}
    filterset, queryset = _filtered(request, scope)
    data = _data(queryset, ref, version, filterset, _parts(request, scope, filterset))
    charts = [
        dashboards.status_by_objective(data["by_objective_status"], ref.objectives, entity=state.name),
        dashboards.trend(data["by_cycle_status"], CYCLES, entity=state.name),
        dashboards.principles(data["principles"], ref.principles, names=ref.principle_names, entity=state.name),
        dashboards.plan_coverage(_plan_coverage(state, version), entity=state.name),
    ]
    extra = {
        "entity": state,
        "kind": "state",
        "profile_url": state.get_absolute_url(),
        "results_by_indicator": sdg.results_by_indicator(queryset),  # following the filters
        "list_query": f"state={state.iso3}",
    }
    scope = ["state", "region", "subregion", "entity_kind"]
    return _render(request, "reporting/dashboard_profile.html", filterset, charts, data["totals"], extra, scope)


def _plan_coverage(state, version):
    """The State's plan coverage, cached under the data version: it reads every published record of
    the State (150 ms for 91,000 at a million records) and does not follow the page's filters."""
    return remember(
        version,
        "plan-coverage",
        Evidence.objects.filter(member_state=state, is_published=True),
        lambda: pledge_selectors.plan_coverage(state),
    )


@reader_page
def objective_profile(request, number):
    objective = get_object_or_404(Objective, number=number)
    version = dataversion.for_request(request)
    ref = reference(version)
    filterset, queryset = _filtered(request, {"objective": number})
    data = _data(queryset, ref, version, filterset, _parts(request, {"objective": number}, filterset), by_action=True)
    codes = list(objective.actions.order_by("letter").values_list("code", flat=True))
    charts = [
        dashboards.state_map(data["by_state"], ref.states),
        dashboards.status_by_action(data["by_action"], codes),
        dashboards.trend(data["by_cycle_status"], CYCLES),
        dashboards.participation(data["participation"], ref.type_names),
        dashboards.principles(data["principles"], ref.principles, names=ref.principle_names),
    ]
    extra = {
        "entity": objective,
        "kind": "objective",
        "profile_url": objective.get_absolute_url(),
        "list_query": f"objective={objective.number}",
    }
    return _render(request, "reporting/dashboard_profile.html", filterset, charts, data["totals"], extra, ["objective"])


@reader_page
def action_profile(request, slug):
    action = get_object_or_404(Action.objects.select_related("objective"), code=_code(slug))
    version = dataversion.for_request(request)
    ref = reference(version)
    scope = {"action": action_slug(action.code)}
    filterset, queryset = _filtered(request, scope)
    data = _data(queryset, ref, version, filterset, _parts(request, scope, filterset))
    charts = [
        dashboards.state_map(data["by_state"], ref.states),
        dashboards.trend(data["by_cycle_status"], CYCLES),
        dashboards.participation(data["participation"], ref.type_names),
        dashboards.principles(data["principles"], ref.principles, names=ref.principle_names),
    ]
    extra = {
        "entity": action,
        "kind": "action",
        "profile_url": action.get_absolute_url(),
        "list_query": f"action={action_slug(action.code)}",
        "objective_profile": action.objective.number,
    }
    return _render(
        request, "reporting/dashboard_profile.html", filterset, charts, data["totals"], extra, ["action", "objective"]
    )


@reader_page
def organisation_profile(request, pk):
    organisation = get_object_or_404(Organisation.objects.select_related("stakeholder_type", "country"), pk=pk)
    version = dataversion.for_request(request)
    ref = reference(version)
    scope = {"organisation": organisation.pk}
    filterset, queryset = _filtered(request, scope)
    data = _data(queryset, ref, version, filterset, _parts(request, scope, filterset))
    name = organisation.name
    charts = [
        dashboards.status_by_objective(data["by_objective_status"], ref.objectives, entity=name),
        dashboards.trend(data["by_cycle_status"], CYCLES, entity=name),
        dashboards.principles(data["principles"], ref.principles, names=ref.principle_names, entity=name),
    ]
    extra = {
        "entity": organisation,
        "kind": "organisation",
        "profile_url": organisation.get_absolute_url(),
        "list_query": f"organisation={organisation.pk}",
    }
    scope = ["organisation", "entity_kind", "state"]
    return _render(request, "reporting/dashboard_profile.html", filterset, charts, data["totals"], extra, scope)


def _code(slug):
    """13a -> 13(a)."""
    digits = slug.rstrip("abcdefghijklmnopqrstuvwxyz")
    return f"{digits}({slug[len(digits) :]})"
