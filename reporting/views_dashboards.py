"""Dashboards: the global page and a profile page per State, objective, action and organisation.

Every page reads the shared filters (`commitments.filters.filter_evidence`, the one definition
used by the lists, the API and the exports) from the query string, so the URL keeps the state,
and draws only published evidence. A profile page is the same filters with its own scope fixed
(`state=MAR`, `objective=13`, ...). The numbers come from `reporting.aggregates`, the figures
from `reporting.dashboards`; the number of queries does not depend on the amount of data.
"""

from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static

from commitments.filters import action_slug, filter_evidence
from commitments.models import Action, GuidingPrinciple, MemberState, Objective, Organisation, StakeholderType
from commitments.pledges import selectors as pledge_selectors
from commitments.pledges.filters import filter_pledges

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
    "good_practice",
    "validated_from",
    "validated_to",
]
IGNORED_PARAMS = ("mine", "sort", "page", "format")
CYCLES = (1, 2, 3)


class Reference:
    """The framework's names, read once per request (four small queries)."""

    def __init__(self):
        rows = list(MemberState.objects.filter(is_observer=False).values_list("id", "iso3", "name", "region"))
        self.state_keys = {pk: (iso3, region) for pk, iso3, _name, region in rows}
        self.states = sorted(((iso3, name) for _pk, iso3, name, _region in rows), key=lambda s: s[1])
        self.regions = sorted({region for *_rest, region in rows if region})
        self.types = list(StakeholderType.objects.order_by("order").values_list("id", "slug", "name"))
        self.objectives = list(Objective.objects.order_by("number").values_list("number", flat=True))
        self.principles = list(GuidingPrinciple.objects.order_by("letter").values_list("letter", "name"))

    @property
    def type_slugs(self):
        return {pk: slug for pk, slug, _name in self.types}

    @property
    def type_names(self):
        return [(slug, name) for _pk, slug, name in self.types]


def _filtered(request, scope=None):
    """(filterset, published queryset) for the request's filters, with the page's scope fixed."""
    return filtered(request.GET, request.user, scope)


def filtered(query, user, scope=None):
    """(filterset, published queryset) for a QueryDict of filters, with a profile's scope fixed."""
    params = query.copy()
    for name in IGNORED_PARAMS:
        params.pop(name, None)
    for name, value in (scope or {}).items():
        params.setlist(name, [str(value)])
    filterset, queryset = filter_evidence(params, user)
    return filterset, queryset.filter(is_published=True)


def global_data(query, user):
    """(filterset, reference names, aggregates) of the global dashboard; the benchmark times this."""
    ref = Reference()
    filterset, queryset = filtered(query, user)
    return filterset, ref, _data(queryset, ref)


def _data(queryset, ref):
    data = aggregates.fold_cube(aggregates.dashboard_cube(queryset), ref.state_keys, ref.type_slugs)
    data["principles"] = aggregates.principles_applied(queryset)
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
    return render(request, template, context)


def global_dashboard(request):
    filterset, ref, data = global_data(request.GET, request.user)
    charts = [
        dashboards.state_map(data["by_state"], ref.states),
        dashboards.objective_region_heatmap(data["by_objective_region"], ref.objectives, ref.regions),
        dashboards.status_by_objective(data["by_objective_status"], ref.objectives),
        dashboards.trend(data["by_cycle_status"], CYCLES),
        dashboards.participation(data["participation"], ref.type_names),
        dashboards.principles(data["principles"], ref.principles),
        *_pledge_charts(request, ref),
    ]
    return _render(request, "reporting/dashboard.html", filterset, charts, data["totals"])


def _pledge_charts(request, ref):
    """Pledges by type and by objective, through the pledges' own FilterSet with the same query
    (the parameters it shares with evidence: state, region, objective, action, entity kind)."""
    _filterset, pledges = filter_pledges(request.GET, request.user)
    counts = pledge_selectors.pledge_counts(pledges)
    return [
        dashboards.pledges_by_kind(counts["by_kind"]),
        dashboards.pledges_by_objective(counts["by_objective"], ref.objectives),
    ]


def state_profile(request, iso3):
    state = get_object_or_404(MemberState, iso3=iso3.upper())
    ref = Reference()
    filterset, queryset = _filtered(request, {"state": state.iso3})
    data = _data(queryset, ref)
    charts = [
        dashboards.status_by_objective(data["by_objective_status"], ref.objectives, entity=state.name),
        dashboards.trend(data["by_cycle_status"], CYCLES, entity=state.name),
        dashboards.principles(data["principles"], ref.principles, entity=state.name),
        dashboards.plan_coverage(pledge_selectors.plan_coverage(state), entity=state.name),
    ]
    extra = {"entity": state, "kind": "state", "profile_url": state.get_absolute_url()}
    scope = ["state", "region", "subregion", "entity_kind"]
    return _render(request, "reporting/dashboard_profile.html", filterset, charts, data["totals"], extra, scope)


def objective_profile(request, number):
    objective = get_object_or_404(Objective, number=number)
    ref = Reference()
    filterset, queryset = _filtered(request, {"objective": number})
    data = _data(queryset, ref)
    codes = list(objective.actions.order_by("letter").values_list("code", flat=True))
    charts = [
        dashboards.state_map(data["by_state"], ref.states),
        dashboards.status_by_action(aggregates.by_action_status(queryset), codes),
        dashboards.trend(data["by_cycle_status"], CYCLES),
        dashboards.participation(data["participation"], ref.type_names),
        dashboards.principles(data["principles"], ref.principles),
    ]
    extra = {"entity": objective, "kind": "objective", "profile_url": objective.get_absolute_url()}
    return _render(request, "reporting/dashboard_profile.html", filterset, charts, data["totals"], extra, ["objective"])


def action_profile(request, slug):
    action = get_object_or_404(Action.objects.select_related("objective"), code=_code(slug))
    ref = Reference()
    filterset, queryset = _filtered(request, {"action": action_slug(action.code)})
    data = _data(queryset, ref)
    charts = [
        dashboards.state_map(data["by_state"], ref.states),
        dashboards.trend(data["by_cycle_status"], CYCLES),
        dashboards.participation(data["participation"], ref.type_names),
        dashboards.principles(data["principles"], ref.principles),
    ]
    extra = {"entity": action, "kind": "action", "profile_url": action.get_absolute_url()}
    return _render(
        request, "reporting/dashboard_profile.html", filterset, charts, data["totals"], extra, ["action", "objective"]
    )


def organisation_profile(request, pk):
    organisation = get_object_or_404(Organisation.objects.select_related("stakeholder_type", "country"), pk=pk)
    ref = Reference()
    filterset, queryset = _filtered(request, {"organisation": organisation.pk})
    data = _data(queryset, ref)
    name = organisation.name
    charts = [
        dashboards.status_by_objective(data["by_objective_status"], ref.objectives, entity=name),
        dashboards.trend(data["by_cycle_status"], CYCLES, entity=name),
        dashboards.principles(data["principles"], ref.principles, entity=name),
    ]
    extra = {"entity": organisation, "kind": "organisation", "profile_url": organisation.get_absolute_url()}
    scope = ["organisation", "entity_kind", "state"]
    return _render(request, "reporting/dashboard_profile.html", filterset, charts, data["totals"], extra, scope)


def _code(slug):
    """13a -> 13(a)."""
    digits = slug.rstrip("abcdefghijklmnopqrstuvwxyz")
    return f"{digits}({slug[len(digits) :]})"
