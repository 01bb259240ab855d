"""The one definition of how evidence lists are filtered and sorted.

`EvidenceFilterSet` is used by the public list page, the API (`filterset_class`), the exports,
and the dashboards and reports; `filter_evidence()` is the entry point for everything that is
not a DRF view. Lists show published records only, unless `mine=1` asks for the records of
the user's own entity (the secretariat: all records) in every review state.

Filters on actions, objectives and principles use EXISTS subqueries over the many-to-many
tables, so a record linked to several matching actions is still listed once.
"""

import datetime
import re
from typing import NamedTuple

import django_filters
from django import forms
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import fulltext, permissions
from .indicators import selectors as sdg
from .models import Action, Evidence, GuidingPrinciple, MemberState, Objective, Organisation, StakeholderType
from .names import area_name

ACTION_CODE = re.compile(r"^\s*(\d{1,2})\s*\(?\s*([a-z]{1,2})\s*\)?\s*$", re.IGNORECASE)

# sort parameter -> ORDER BY; NULLs placed explicitly so every backend gives the same order.
SORTS = {
    "-validated_at": (F("validated_at").desc(nulls_last=True), "-id"),
    "validated_at": (F("validated_at").asc(nulls_last=True), "id"),
    "title": ("title", "id"),
    "-title": ("-title", "-id"),
    "status": ("status", "-id"),
    "state": (F("member_state__name").asc(nulls_last=True), "organisation__name", "id"),
}
DEFAULT_SORT = "-validated_at"
SORT_CHOICES = [
    ("-validated_at", _("Validated: newest first")),
    ("validated_at", _("Validated: oldest first")),
    ("title", _("Title A-Z")),
    ("-title", _("Title Z-A")),
    ("status", _("Implementation status")),
    ("state", _("Reporting entity")),
]


def action_slug(value):
    """13(a), 13a, ' 13 (A) ' -> '13a'; anything else is returned unchanged (and then rejected)."""
    match = ACTION_CODE.match(str(value))
    return f"{match[1]}{match[2].lower()}" if match else str(value)


def action_code(value):
    """'13a' or '13(a)' -> '13(a)', the stored code."""
    match = ACTION_CODE.match(str(value))
    return f"{match[1]}({match[2].lower()})" if match else str(value)


# --- Choices, read lazily so importing this module never touches the database ---------------


def objective_choices():
    """Numbered titles ("13. Use migration detention only as a measure of last resort ..."): a bare
    number tells a new user nothing."""
    return [(str(o.number), str(o)) for o in Objective.objects.only("number", "title", "translations")]


def action_choices():
    return [(action_slug(code), code) for code in Action.objects.values_list("code", flat=True)]


def principle_choices():
    return [(p.letter, str(p)) for p in GuidingPrinciple.objects.all()]  # in the reader's language if loaded


def entity_kind_choices():
    kinds = StakeholderType.objects.values_list("slug", "name")
    return [("state", _("Member State"))] + [(slug, gettext(name)) for slug, name in kinds]


def region_choices():
    regions = MemberState.objects.order_by("region").values_list("region", flat=True).distinct()
    return [(r, area_name(r)) for r in regions if r]


def subregion_choices():
    subregions = MemberState.objects.order_by("subregion").values_list("subregion", flat=True).distinct()
    return [(r, area_name(r)) for r in subregions if r]


def organisations_for(request):
    """Organisations a user may pick: active ones, and closed ones whose published records stay
    public (the secretariat: all; editors: also their own). A closed organisation's page links
    to its records; refusing the filter would answer 400 in the API and an error on its profile."""
    user = getattr(request, "user", None)
    if permissions.is_secretariat(user):
        return Organisation.objects.all()
    profile = permissions.profile_of(user)
    own = Q(pk=profile.organisation_id) if profile and profile.organisation_id else Q(pk__in=[])
    published = Exists(Evidence.objects.filter(organisation=OuterRef("pk"), is_published=True))
    return Organisation.objects.filter(Q(is_active=True) | own | published)


def search_organisations(queryset, text, limit=20):
    """Organisations whose name or acronym contains `text`, the names first that start with it."""
    text = (text or "").strip()
    if len(text) < 2:
        return []
    matches = queryset.filter(Q(name__icontains=text) | Q(acronym__iexact=text)).order_by("name")
    rows = list(matches.values("id", "name", "acronym")[: limit * 5])
    rows.sort(key=lambda row: not row["name"].lower().startswith(text.lower()))
    return rows[:limit]


# --- Fields that accept the identifiers people type --------------------------------------------


class OrganisationSearchInput(forms.TextInput):
    """A text box with suggestions from the server (organisation-search.js fills the datalist as
    people type); it works without JavaScript too, as the field accepts a name or a number."""

    template_name = "commitments/widgets/organisation_search.html"

    def __init__(self, attrs=None):
        super().__init__({"autocomplete": "off", "spellcheck": "false", **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_id = context["widget"]["attrs"].get("id") or f"id_{name}"
        context["widget"]["attrs"].update(
            {
                "list": f"{widget_id}-options",
                "aria-describedby": f"{widget_id}-hint",
                "data-search-url": reverse("commitments:organisation_search"),
            }
        )
        context["widget"]["widget_id"] = widget_id
        return context

    def format_value(self, value):
        if value is not None and str(value).strip().isdigit():  # a number in the URL shows as the name
            name = Organisation.objects.filter(pk=int(value)).values_list("name", flat=True).first()
            return name or value
        return super().format_value(value)


class OrganisationField(forms.ModelChoiceField):
    """An organisation by number (`organisation=12`, as the API and old links say), by exact
    name or by acronym, in any case."""

    widget = OrganisationSearchInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip().replace("\x00", "")
        if text.isdigit():
            found = self.queryset.filter(pk=int(text)).first()
        else:
            found = self.queryset.filter(name__iexact=text).first()
            if found is None:
                by_acronym = list(self.queryset.filter(acronym__iexact=text)[:2])
                found = by_acronym[0] if len(by_acronym) == 1 else None
        if found is None:
            raise forms.ValidationError(
                _("No organisation is called %(name)s. Type part of its name and pick one of the suggestions."),
                code="invalid_choice",
                params={"name": text},
            )
        return found


class OrganisationFilter(django_filters.ModelChoiceFilter):
    field_class = OrganisationField


class CodesInput(forms.TextInput):
    """Codes typed in one box (`10.7 8.8` or `10.7, 8.8`), like the organisation field: no list
    of every code in the page; sdg-codes.js loads the suggestions when the box is first used.
    The placeholder shows the form of the codes (language-neutral, so not translated).
    Several `name=` parameters (the API's and old links' form) show in the box together."""

    template_name = "commitments/widgets/code_search.html"

    def __init__(self, url_name, attrs=None):
        self.url_name = url_name
        super().__init__({"autocomplete": "off", "spellcheck": "false", **(attrs or {})})

    def __deepcopy__(self, memo):
        copy = super().__deepcopy__(memo)
        copy.url_name = self.url_name
        return copy

    def value_from_datadict(self, data, files, name):
        if hasattr(data, "getlist"):
            return data.getlist(name)
        value = data.get(name)
        return value if value is None or isinstance(value, list | tuple) else [value]

    def format_value(self, value):
        if isinstance(value, list | tuple):
            return " ".join(str(v) for v in value if v) or None
        return super().format_value(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_id = context["widget"]["attrs"].get("id") or f"id_{name}"
        context["widget"]["attrs"].update({"list": f"{widget_id}-options", "data-codes-url": reverse(self.url_name)})
        context["widget"]["widget_id"] = widget_id
        return context


class CodesField(forms.MultipleChoiceField):
    """Codes from one or several parameters, each possibly holding several codes."""

    def to_python(self, value):
        if isinstance(value, str):
            value = [value]
        codes = [code for text in super().to_python(value) for code in re.split(r"[\s,;]+", text.strip())]
        return list(dict.fromkeys(code for code in codes if code))


class CodesFilter(django_filters.MultipleChoiceFilter):
    field_class = CodesField


class ActionCodesField(forms.MultipleChoiceField):
    """Action codes as 13a or 13(a)."""

    def to_python(self, value):
        return [action_slug(v) for v in super().to_python(value)]


class StateCodesField(forms.ModelMultipleChoiceField):
    """ISO3 codes, in any case."""

    def clean(self, value):
        if isinstance(value, list | tuple):
            value = [str(v).strip().upper().replace("\x00", "") for v in value]
        return super().clean(value)


class StrictBooleanField(forms.NullBooleanField):
    """true/false (also 1/0, yes/no, on/off); anything else is an error, not silently 'unknown'."""

    widget = forms.NullBooleanSelect
    TRUE, FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}

    def to_python(self, value):
        if value in (None, "", "unknown") or isinstance(value, bool):
            return value if isinstance(value, bool) else None
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError(_("Give true or false."), code="invalid")

    def validate(self, value):
        pass


class RawNullBooleanSelect(forms.NullBooleanSelect):
    """Hands the submitted text to the field, so a wrong value is reported instead of ignored."""

    def value_from_datadict(self, data, files, name):
        return data.get(name)


class RawCheckbox(forms.CheckboxInput):
    def value_from_datadict(self, data, files, name):
        return data.get(name)


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class ActionsFilter(django_filters.MultipleChoiceFilter):
    field_class = ActionCodesField


class StatesFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = StateCodesField


class IntegerFilter(django_filters.Filter):
    field_class = forms.IntegerField


def in_area(**area):
    """Records of the States in an M49 area (`region=` or `subregion=`), or of organisations based
    there: two lists of ids read once, instead of joining every record to its State and to its
    organisation's country (region=Africa on SQLite at 100k: about four times faster)."""
    country = {f"country__{key}": value for key, value in area.items()}
    return Q(member_state__in=MemberState.objects.filter(**area).values("pk")) | Q(
        organisation__in=Organisation.objects.filter(**country).values("pk")
    )


def linked_to_actions(actions):
    """Records whose primary action, or one of whose other actions, is in `actions` (a queryset).

    The other actions as `id IN (subquery)`, not EXISTS: under an OR, EXISTS ran once per record
    (the count of objective 13 at 1M records on PostgreSQL: 1.9 s), the IN list once for all
    (0.2 s; on SQLite at 100k, 64 ms to 7 ms and a deep page 242 ms to 7 ms)."""
    through = Evidence.other_actions.through
    other = through.objects.filter(action__in=actions).values("evidence_id")
    return Q(primary_action__in=actions) | Q(pk__in=other)


def region_of_entity():
    """The M49 region of a record's entity: the State's, or the organisation's country's."""
    return Coalesce(F("member_state__region"), F("organisation__country__region"))


class AwareDateTimeField(forms.DateTimeField):
    """ISO 8601 with a time zone, nothing else: a harvester's timestamp must not depend on ours."""

    def to_python(self, value):
        value = (value or "").strip()
        if not value:
            return None
        try:
            parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise forms.ValidationError(_("Enter a date and time in ISO 8601, e.g. 2026-03-01T00:00:00Z.")) from exc
        if parsed.tzinfo is None:
            raise forms.ValidationError(_("Give the time zone too, e.g. 2026-03-01T00:00:00Z."))
        try:
            # In UTC: PostgreSQL refuses offsets beyond ±15:59 that Python accepts (up to ±23:59).
            return parsed.astimezone(datetime.UTC)
        except OverflowError as exc:
            raise forms.ValidationError(_("Enter a date and time in ISO 8601, e.g. 2026-03-01T00:00:00Z.")) from exc


class AwareDateTimeFilter(django_filters.Filter):
    field_class = AwareDateTimeField


class EvidenceFilterSet(django_filters.FilterSet):
    objective = django_filters.MultipleChoiceFilter(
        label=_("Objective"), choices=objective_choices, method="filter_objective"
    )
    action = ActionsFilter(label=_("Action"), choices=action_choices, method="filter_action")
    state = StatesFilter(
        label=_("Member State"), queryset=MemberState.objects.all(), to_field_name="iso3", method="filter_state"
    )
    organisation = OrganisationFilter(label=_("Organisation"), queryset=organisations_for)
    entity_kind = django_filters.ChoiceFilter(
        label=_("Reported by"), choices=entity_kind_choices, method="filter_entity_kind", empty_label=_("Anyone")
    )
    region = django_filters.ChoiceFilter(
        label=_("Region"), choices=region_choices, method="filter_region", empty_label=_("All regions")
    )
    subregion = django_filters.ChoiceFilter(
        label=_("Sub-region"), choices=subregion_choices, method="filter_subregion", empty_label=_("All sub-regions")
    )
    cycle = IntegerFilter(label=_("Review cycle"), field_name="cycle")
    status = django_filters.MultipleChoiceFilter(
        label=_("Implementation status"), choices=Evidence.Status.choices, widget=forms.CheckboxSelectMultiple
    )
    level = django_filters.MultipleChoiceFilter(
        label=_("Level"), choices=Evidence.Level.choices, widget=forms.CheckboxSelectMultiple
    )
    principle = django_filters.MultipleChoiceFilter(
        label=_("Guiding principle"),
        choices=principle_choices,
        method="filter_principle",
        widget=forms.CheckboxSelectMultiple,
    )
    # 186 goals and targets, 252 indicators: typed as codes, not offered as <select>s in every page.
    sdg_target = CodesFilter(
        label=_("SDG target (or goal)"),
        choices=sdg.target_choices,
        method="filter_sdg_target",
        widget=CodesInput("reporting:sdg_codes_targets", attrs={"placeholder": "10.7 8.8"}),
    )
    sdg_indicator = CodesFilter(
        label=_("SDG indicator measured"),
        choices=sdg.indicator_choices,
        method="filter_sdg_indicator",
        widget=CodesInput("reporting:sdg_codes_indicators", attrs={"placeholder": "10.7.1"}),
    )
    good_practice = StrictBooleanFilter(label=_("Offered as a good practice"), widget=RawNullBooleanSelect)
    validated_from = django_filters.DateFilter(
        label=_("Validated on or after"), field_name="validated_at", lookup_expr="date__gte"
    )
    validated_to = django_filters.DateFilter(
        label=_("Validated on or before"), field_name="validated_at", lookup_expr="date__lte"
    )
    updated_since = AwareDateTimeFilter(
        label=_("Changed at or after (ISO 8601 with time zone, e.g. 2026-03-01T00:00:00Z)"),
        field_name="updated_at",
        lookup_expr="gte",
    )
    q = django_filters.CharFilter(label=_("Words in title or description"), method="filter_text")
    mine = StrictBooleanFilter(
        label=_("My entity's records, in every review state"), method="filter_nothing", widget=RawCheckbox
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"), choices=SORT_CHOICES, method="filter_nothing", empty_label=None
    )

    class Meta:
        model = Evidence
        fields = []

    def filter_objective(self, queryset, name, value: list[int]):
        return queryset.filter(linked_to_actions(Action.objects.filter(objective__number__in=value)))

    def filter_action(self, queryset, name, value: list[str]):
        return queryset.filter(linked_to_actions(Action.objects.filter(code__in=[action_code(v) for v in value])))

    def filter_state(self, queryset, name, value: list[str]):
        if not value:  # an empty queryset when no State is chosen
            return queryset
        # The States' ids, not a subquery on their codes: `member_state_id = 5` lets the database
        # walk the State's records in date order for one page (the largest State at 1M records:
        # 300 ms through the subquery, which sorted all its 91,000 records).
        return queryset.filter(member_state_id__in=[state.pk for state in value])

    def filter_entity_kind(self, queryset, name, value: str):
        if value == "state":
            return queryset.filter(member_state__isnull=False)
        return queryset.filter(organisation__stakeholder_type__slug=value)

    def filter_region(self, queryset, name, value: str):
        return queryset.filter(in_area(region=value))

    def filter_subregion(self, queryset, name, value: str):
        return queryset.filter(in_area(subregion=value))

    def filter_principle(self, queryset, name, value: list[str]):
        # The principles' ids, not a join on their letters: with `guidingprinciple_id = 6` the
        # database's statistics say how many records name it, and it plans for that many. Through
        # the letter it expected 10,000 of 494,598 at 1M records, looked each up twice by index and
        # sorted them on disk: the CSV export took 7.5 s in the database, 2.6 s with the id.
        ids = list(GuidingPrinciple.objects.filter(letter__in=value).values_list("pk", flat=True))
        through = Evidence.principles.through
        return queryset.filter(Exists(through.objects.filter(evidence_id=OuterRef("pk"), guidingprinciple_id__in=ids)))

    def filter_sdg_target(self, queryset, name, value: list[str]):
        return queryset.filter(sdg.tagged_with(value))

    def filter_sdg_indicator(self, queryset, name, value: list[str]):
        return queryset.filter(sdg.measuring(value))

    def filter_active_from(self, queryset, name, value):
        """Overlap: the measure had not ended before `from`."""
        return queryset.filter(Q(end_date__gte=value) | Q(end_date__isnull=True))

    def filter_active_to(self, queryset, name, value):
        """Overlap: the measure had started by `to`."""
        return queryset.filter(Q(start_date__lte=value) | Q(start_date__isnull=True))

    def filter_text(self, queryset, name, value):
        return fulltext.search(queryset, value)

    def filter_nothing(self, queryset, name, value):
        """`mine` and `sort` act in filter_queryset, which sees them together."""
        return queryset

    def filter_queryset(self, queryset):
        queryset = self._scope(queryset, self.form.cleaned_data.get("mine"))
        queryset = super().filter_queryset(queryset)
        return queryset.order_by(*SORTS[self.form.cleaned_data.get("sort") or DEFAULT_SORT])

    def _scope(self, queryset, mine):
        """Published records; with mine=1, the user's own entity's (the secretariat's: all)."""
        user = getattr(self.request, "user", None)
        if mine and permissions.is_secretariat(user):
            return permissions.visible_evidence(user, queryset)
        profile = permissions.profile_of(user)
        if mine and profile and profile.entity:
            return permissions.visible_evidence(user, queryset).filter(permissions.entity_filter(profile))
        return queryset.filter(is_published=True)


# `from` and `to` are Python keywords, so these two are added by name.
EvidenceFilterSet.base_filters = {
    **{k: v for k, v in EvidenceFilterSet.base_filters.items() if k not in ("q", "mine", "sort")},
    "from": django_filters.DateFilter(label=_("Active on or after"), method="filter_active_from"),
    "to": django_filters.DateFilter(label=_("Active on or before"), method="filter_active_to"),
    **{k: EvidenceFilterSet.base_filters[k] for k in ("mine", "sort")},
}
EvidenceFilterSet.base_filters = {"q": EvidenceFilterSet.declared_filters["q"], **EvidenceFilterSet.base_filters}


class _UserOnly:
    """What the filters need from a request, for callers that only have a user."""

    def __init__(self, user):
        self.user = user


def filter_evidence(params, user, queryset=None):
    """(filterset, queryset) for a query string: visible records, filtered and sorted.

    An invalid parameter yields no records and `filterset.errors` says why; callers show it
    (form errors on pages, a 400 from the API and the exports).
    """
    base = permissions.visible_evidence(user, queryset)
    filterset = EvidenceFilterSet(params, queryset=base, request=_UserOnly(user))
    if not filterset.is_valid():
        return filterset, base.none()
    return filterset, filterset.qs


class LinkedParts(NamedTuple):
    primary: QuerySet  # records whose primary action is in the set
    linked: QuerySet  # records only linked to it by another action
    rest: EvidenceFilterSet  # the other filters
    objectives: list | None  # the objectives' numbers, when the filter was by objective


def _linking_actions(filterset):
    """(name of the one filter in use that matches linked actions as well as primary ones, its
    value, the actions' ids), or None when neither or both are in use."""
    data = filterset.form.cleaned_data
    used = [name for name in ("objective", "action") if data.get(name)]
    if len(used) != 1:
        return None
    name = used[0]
    if name == "objective":
        actions = Action.objects.filter(objective__number__in=data[name])
    else:
        actions = Action.objects.filter(code__in=[action_code(v) for v in data[name]])
    return name, data[name], list(actions.values_list("id", flat=True))


def linked_parts(params, user, filterset):
    """A query filtered by objective or by action, as two disjoint querysets with the other
    filters: (records whose primary action is in the set, records only linked to it by another
    action), or None (no such filter, both, or invalid filters: read the query whole).

    Their union is the query's records. Counts and aggregates read in these two parts: the filter
    as one condition (`primary action in ... OR id in (linked ...)`) cannot be estimated by
    PostgreSQL, which then reads every record (an objective's count, facets or dashboard figures
    at a million records: 0.2-0.8 s a query, against tens of milliseconds a part)."""
    if not filterset.is_valid():
        return None
    linking = _linking_actions(filterset)
    if linking is None:
        return None
    name, value, actions = linking
    rest_params = params.copy()
    rest_params.pop(name, None)
    rest_filterset, rest = filter_evidence(rest_params, user)
    if not rest_filterset.is_valid():
        return None
    through = Evidence.other_actions.through.objects.filter(action_id__in=actions).values("evidence_id")
    primary = rest.filter(primary_action_id__in=actions)
    linked = rest.filter(pk__in=through).exclude(primary_action_id__in=actions)
    objectives = [int(number) for number in value] if name == "objective" else None
    return LinkedParts(primary, linked, rest_filterset, objectives)


def facet_counts_of_parts(parts):
    """facet_counts() of the union of disjoint querysets, read part by part."""
    totals = {}
    for part in parts:
        for facet, rows in facet_counts(part).items():
            merged = totals.setdefault(facet, {})
            for key, label, n in rows:
                merged[key] = (label, merged.get(key, (label, 0))[1] + n)
    return {facet: [(key, label, n) for key, (label, n) in sorted(rows.items())] for facet, rows in totals.items()}


def facet_counts(queryset):
    """Counts per status, level, region and objective (of the primary action): four grouped queries."""
    queryset = queryset.order_by()

    def grouped(expression):
        rows = queryset.annotate(key=expression).values("key").annotate(n=Count("id")).order_by()
        # Sorted here, not by the database's collation: the same order however the counts were read.
        return sorted((row["key"], row["n"]) for row in rows if row["key"] is not None)

    status_labels, level_labels = dict(Evidence.Status.choices), dict(Evidence.Level.choices)
    return {
        "status": [(key, status_labels.get(key, key), n) for key, n in grouped(F("status"))],
        "level": [(key, level_labels.get(key, key), n) for key, n in grouped(F("level"))],
        "region": [(key, area_name(key), n) for key, n in grouped(region_of_entity())],
        "objective": [(key, key, n) for key, n in grouped(F("primary_action__objective__number"))],
    }
