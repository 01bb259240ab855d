"""The form to compile a report on demand; the service checks permissions again."""

from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from commitments import permissions
from commitments.models import MemberState, Objective, Role, StakeholderType

from .models import ReportKind


def region_choices():
    regions = MemberState.objects.order_by("region").values_list("region", flat=True).distinct()
    return [("", _("Choose a region"))] + [(r, r) for r in regions if r]


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of report"), choices=ReportKind.choices)
    cycle = forms.IntegerField(label=_("Review cycle"), min_value=1, max_value=99)
    member_state = forms.ModelChoiceField(
        label=_("Member State (national report)"),
        queryset=MemberState.objects.all(),
        to_field_name="iso3",
        required=False,
    )
    region = forms.ChoiceField(label=_("M49 region (regional report)"), choices=region_choices, required=False)
    objective = forms.ModelChoiceField(
        label=_("Objective (objective report)"),
        queryset=Objective.objects.all(),
        to_field_name="number",
        required=False,
    )
    stakeholder_type = forms.ModelChoiceField(
        label=_("Stakeholder type (stakeholder report; empty: all)"),
        queryset=StakeholderType.objects.all(),
        to_field_name="slug",
        required=False,
    )
    language = forms.ChoiceField(
        label=_("Language of the report"),
        choices=settings.LANGUAGES,
        initial=get_language,  # the page's: the requester reads it in
        required=False,
    )
    include_unpublished = forms.BooleanField(
        label=_("Include the State's unpublished working records (national report; visible only to the State)"),
        required=False,
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        profile = permissions.profile_of(user)
        if profile and profile.role == Role.FOCAL_POINT and not permissions.is_secretariat(user):
            self.fields["kind"].choices = [(ReportKind.NATIONAL, ReportKind.NATIONAL.label)]
            self.fields["member_state"].queryset = MemberState.objects.filter(pk=profile.member_state_id)
            self.fields["member_state"].required = True
        elif profile and profile.role == Role.ANALYST:
            del self.fields["include_unpublished"]
