"""The one definition of how pledge lists are filtered: the public list, the API and the exports.

Like `commitments.filters.EvidenceFilterSet`: published pledges unless `mine=true` asks for the
user's own entity's (the secretariat: all) in every review state; an invalid parameter yields
no rows and `filterset.errors` says why.
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
from .models import OwnerStatus, Pledge, PledgePartner


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
