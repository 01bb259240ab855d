"""The one definition of how pledge and plan lists are filtered: the lists, the API and the exports.

Like `commitments.filters.EvidenceFilterSet`: published pledges unless `mine=true` asks for the
user's own entity's (the secretariat: all) in every review state; an invalid parameter yields
no rows and `filterset.errors` says why. Plans likewise (`PlanFilterSet`, `filter_plans`).
"""

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from commitments.filters import (
    ActionsFilter,
    OrganisationFilter,
    RawCheckbox,
    RawNullBooleanSelect,
    StatesFilter,
    StrictBooleanFilter,
    _UserOnly,
    action_choices,
    action_code,
    entity_kind_choices,
    objective_choices,
    organisations_for,
    region_choices,
)
from commitments.models import Action, MemberState

from . import permissions
from .models import NationalPlan, OwnerStatus, PlanItem, Pledge, PledgePartner


class PledgeFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Words in title or description"), method="filter_text")
    state = StatesFilter(
        label=_("Member State"), queryset=MemberState.objects.all(), to_field_name="iso3", method="filter_state"
    )
    # A search box, as on the evidence list: no list of every organisation in the page.
    organisation = OrganisationFilter(label=_("Organisation"), queryset=organisations_for)
    entity_kind = django_filters.ChoiceFilter(
        label=_("Pledged by"), choices=entity_kind_choices, method="filter_entity_kind", empty_label=_("Anyone")
    )
    region = django_filters.ChoiceFilter(
        label=_("Region"), choices=region_choices, method="filter_region", empty_label=_("All regions")
    )
    kind = django_filters.MultipleChoiceFilter(
        label=_("Type"), choices=Pledge.Kind.choices, widget=forms.CheckboxSelectMultiple
    )
    objective = django_filters.MultipleChoiceFilter(
        label=_("Objective"), choices=objective_choices, method="filter_objective"
    )
    action = ActionsFilter(label=_("Action"), choices=action_choices, method="filter_action")
    # Free text matched exactly (e.g. "IMRF 2026"): occasions are whatever owners name.
    occasion = django_filters.CharFilter(label=_("Occasion"), field_name="occasion")
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"), choices=OwnerStatus.choices, widget=forms.CheckboxSelectMultiple
    )
    common = StrictBooleanFilter(
        label=_("Common pledges (with partners)"), method="filter_common", widget=RawNullBooleanSelect
    )
    partner = StatesFilter(
        label=_("Partner State"), queryset=MemberState.objects.all(), to_field_name="iso3", method="filter_partner"
    )
    mine = StrictBooleanFilter(
        label=_("My entity's pledges, in every review state"), method="filter_nothing", widget=RawCheckbox
    )

    class Meta:
        model = Pledge
        fields = []

    def filter_text(self, queryset, name, value):
        return queryset.filter(
            Q(title__icontains=value) | Q(description__icontains=value) | Q(identifier=value.upper())
        )

    def filter_state(self, queryset, name, value: list[str]):
        return queryset.filter(member_state__in=value) if value else queryset

    def filter_entity_kind(self, queryset, name, value: str):
        if value == "state":
            return queryset.filter(member_state__isnull=False)
        return queryset.filter(organisation__stakeholder_type__slug=value)

    def filter_region(self, queryset, name, value: str):
        return queryset.filter(Q(member_state__region=value) | Q(organisation__country__region=value))

    def filter_objective(self, queryset, name, value: list[int]):
        return self._linked(queryset, Action.objects.filter(objective__number__in=value), value)

    def filter_action(self, queryset, name, value: list[str]):
        return self._linked(queryset, Action.objects.filter(code__in=[action_code(v) for v in value]), None)

    def _linked(self, queryset, actions, objectives):
        """Pledges naming one of the actions, or (for an objective filter) the objective itself."""
        through = Pledge.actions.through
        match = Exists(through.objects.filter(pledge_id=OuterRef("pk"), action__in=actions))
        if objectives:
            objective_through = Pledge.objectives.through
            match |= Exists(
                objective_through.objects.filter(pledge_id=OuterRef("pk"), objective__number__in=objectives)
            )
        return queryset.filter(match)

    def filter_common(self, queryset, name, value):
        has = Exists(PledgePartner.objects.filter(pledge_id=OuterRef("pk")))
        return queryset.filter(has if value else ~has)

    def filter_partner(self, queryset, name, value: list[str]):
        if not value:
            return queryset
        return queryset.filter(Exists(PledgePartner.objects.filter(pledge_id=OuterRef("pk"), member_state__in=value)))

    def filter_nothing(self, queryset, name, value):
        return queryset

    def filter_queryset(self, queryset):
        queryset = self._scope(queryset, self.form.cleaned_data.get("mine"))
        return super().filter_queryset(queryset).order_by("-id")

    def _scope(self, queryset, mine):
        user = getattr(self.request, "user", None)
        if mine and permissions.is_secretariat(user):
            return queryset
        profile = permissions.profile_of(user)
        if mine and profile and profile.entity:
            from commitments.permissions import entity_filter

            return permissions.visible_pledges(user, queryset).filter(entity_filter(profile))
        return queryset.filter(is_published=True)


def filter_pledges(params, user, queryset=None):
    """(filterset, queryset) for a query string; invalid parameters give no rows and errors."""
    base = permissions.visible_pledges(user, queryset)
    filterset = PledgeFilterSet(params, queryset=base, request=_UserOnly(user))
    if not filterset.is_valid():
        return filterset, base.none()
    return filterset, filterset.qs


class IsoDateField(forms.DateField):
    """A date as YYYY-MM-DD only, whatever the reader's language: a harvester's query must not
    depend on the locale's formats."""

    input_formats = ["%Y-%m-%d"]
    default_error_messages = {"invalid": _("Enter a date as YYYY-MM-DD, e.g. 2025-03-01.")}

    def __init__(self, **kwargs):
        kwargs.pop("input_formats", None)
        super().__init__(input_formats=self.input_formats, localize=False, **kwargs)


class IsoDateFilter(django_filters.DateFilter):
    field_class = IsoDateField


class PlanFilterSet(django_filters.FilterSet):
    """National implementation plans: published rows, or with `mine=true` every row the user may
    see (the user's own State's in every review state; the secretariat: all)."""

    q = django_filters.CharFilter(label=_("Words in the title"), method="filter_text")
    state = StatesFilter(
        label=_("Member State"), queryset=MemberState.objects.all(), to_field_name="iso3", method="filter_state"
    )
    region = django_filters.ChoiceFilter(
        label=_("Region"), choices=region_choices, method="filter_region", empty_label=_("All regions")
    )
    objective = django_filters.MultipleChoiceFilter(
        label=_("Objective"), choices=objective_choices, method="filter_objective"
    )
    action = ActionsFilter(label=_("Action"), choices=action_choices, method="filter_action")
    item_status = django_filters.MultipleChoiceFilter(
        label=_("Status of a plan item"),
        choices=OwnerStatus.choices,
        method="filter_item_status",
        widget=forms.CheckboxSelectMultiple,
    )
    adopted_from = IsoDateFilter(label=_("Adopted on or after"), field_name="adopted_on", lookup_expr="gte")
    adopted_to = IsoDateFilter(label=_("Adopted on or before"), field_name="adopted_on", lookup_expr="lte")
    mine = StrictBooleanFilter(
        label=_("My State's plans, in every review state"), method="filter_nothing", widget=RawCheckbox
    )

    class Meta:
        model = NationalPlan
        fields = []

    def filter_text(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(title__icontains=word)
        return queryset

    def filter_state(self, queryset, name, value: list[str]):
        return queryset.filter(member_state__in=value) if value else queryset

    def filter_region(self, queryset, name, value: str):
        return queryset.filter(member_state__region=value)

    def filter_objective(self, queryset, name, value: list[str]):
        """Plans with an item that names the objective, or one of the objective's actions."""
        named = PlanItem.objectives.through.objects.filter(planitem_id=OuterRef("pk"), objective__number__in=value)
        by_action = PlanItem.actions.through.objects.filter(
            planitem_id=OuterRef("pk"), action__objective__number__in=value
        )
        return self._with_item(queryset, Q(Exists(named)) | Q(Exists(by_action)))

    def filter_action(self, queryset, name, value: list[str]):
        codes = [action_code(v) for v in value]
        naming = PlanItem.actions.through.objects.filter(planitem_id=OuterRef("pk"), action__code__in=codes)
        return self._with_item(queryset, Q(Exists(naming)))

    def filter_item_status(self, queryset, name, value: list[str]):
        return self._with_item(queryset, Q(status__in=value)) if value else queryset

    def _with_item(self, queryset, condition):
        """Plans having at least one item that meets `condition` (each plan listed once)."""
        return queryset.filter(Exists(PlanItem.objects.filter(condition, plan_id=OuterRef("pk"))))

    def filter_nothing(self, queryset, name, value):
        return queryset

    def filter_queryset(self, queryset):
        # Without mine=true: published rows only; with it: every row `permissions.visible_plans`
        # lets the user see (the queryset given here already went through it).
        if not self.form.cleaned_data.get("mine"):
            queryset = queryset.filter(is_published=True)
        return super().filter_queryset(queryset).order_by("member_state__iso3", "-revision", "id")


def filter_plans(params, user, queryset=None):
    """(filterset, queryset) of plans for a query string; invalid parameters give no rows and errors."""
    base = permissions.visible_plans(user, queryset)
    filterset = PlanFilterSet(params, queryset=base, request=_UserOnly(user))
    if not filterset.is_valid():
        return filterset, base.none()
    return filterset, filterset.qs
