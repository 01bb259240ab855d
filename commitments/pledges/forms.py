"""Forms of the plan and pledge pages: content only (entity, review state, identifier and
publication are set by the services; `version` is read to detect a concurrent edit)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from commitments import cycles
from commitments.forms import ActionMultipleChoiceField, DateInput, MultipleFileField
from commitments.models import Action, MemberState, Objective, Organisation

from .models import NationalPlan, OwnerStatus, PlanItem, Pledge


def occasion_choices():
    """The Forums of the cycles so far and the next one, then other occasions."""
    import datetime

    current = cycles.cycle_for(datetime.date.today())
    forums = [f"IMRF {cycles.imrf_year(c)}" for c in range(1, current + 2)]
    return [("", "—"), *[(f, f) for f in forums], ("Regional review", _("Regional review")), ("GFMD", "GFMD")]


class PlanForm(forms.ModelForm):
    document_url = forms.URLField(
        label=_("Link to the document"),
        required=False,
        max_length=500,
        assume_scheme="https",
        error_messages={"invalid": _("Enter a full web address starting with https:// or http://.")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    document_file = MultipleFileField(
        label=_("The plan's document"), required=False, help_text=_("PDF, DOCX, ODT ... or give a link below.")
    )

    class Meta:
        model = NationalPlan
        fields = PLAN_FIELDS = [
            "title",
            "adopted_on",
            "instrument",
            "period_start",
            "period_end",
            "document_url",
            "lead_institution",
            "contributing_institutions",
        ]
        widgets = {
            "adopted_on": DateInput(),
            "period_start": DateInput(),
            "period_end": DateInput(),
            "contributing_institutions": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {
            "title": {"required": _("Give the plan its title.")},
            "instrument": {"required": _("Choose the kind of instrument that adopted the plan.")},
        }

    def _post_clean(self):
        pass  # model validation runs in the services

    def clean(self):
        data = super().clean()
        if data.get("period_start") and data.get("period_end") and data["period_end"] < data["period_start"]:
            self.add_error("period_end", _("The end date is before the start date."))
        if len(data.get("document_file") or []) > 1:
            self.add_error("document_file", _("Attach one document; the plan has one."))
        return data

    def content(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class PlanItemForm(forms.ModelForm):
    key = forms.UUIDField(widget=forms.HiddenInput, required=False)
    objectives = forms.ModelMultipleChoiceField(
        label=_("Objectives"),
        queryset=Objective.objects.all(),
        to_field_name="number",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    actions = ActionMultipleChoiceField(
        label=_("Actions"),
        queryset=Action.objects.all(),
        to_field_name="code",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )

    class Meta:
        model = PlanItem
        fields = ITEM_FIELDS = [
            "priority",
            "description",
            "objectives",
            "actions",
            "target_what",
            "target_amount",
            "target_date",
            "responsible_institution",
            "budget",
            "currency",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 2}), "target_date": DateInput()}
        error_messages = {"priority": {"required": _("Name the priority.")}}

    def _post_clean(self):
        pass

    def clean(self):
        data = super().clean()
        if data.get("budget") is not None and not data.get("currency"):
            self.add_error("currency", _("Give the currency of the budget, e.g. EUR."))
        if data.get("currency"):
            data["currency"] = data["currency"].upper()
        return data

    def row(self):
        return {"key": self.cleaned_data.get("key"), **{f: self.cleaned_data[f] for f in self.Meta.fields}}


PlanItemFormSet = forms.formset_factory(PlanItemForm, extra=2, max_num=100, validate_max=True)


def item_rows(formset):
    return [f.row() for f in formset.forms if f.cleaned_data and f.cleaned_data.get("priority")]


def item_initial(item):
    return {
        "key": item.key,
        **{f: getattr(item, f) for f in PlanItemForm.Meta.fields if f not in ("objectives", "actions")},
        "objectives": [o.number for o in item.objectives.all()],
        "actions": [a.code for a in item.actions.all()],
    }


class PledgeForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    objectives = forms.ModelMultipleChoiceField(
        label=_("Objectives"),
        queryset=Objective.objects.all(),
        to_field_name="number",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    actions = ActionMultipleChoiceField(
        label=_("Actions"),
        queryset=Action.objects.all(),
        to_field_name="code",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    occasion = forms.ChoiceField(label=_("Occasion"), required=False, choices=occasion_choices)
    partner_states = forms.ModelMultipleChoiceField(
        label=_("Partner States (a common pledge)"),
        queryset=MemberState.objects.all(),
        to_field_name="iso3",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
        help_text=_("Each partner confirms its own participation."),
    )
    partner_organisations = forms.ModelMultipleChoiceField(
        label=_("Partner organisations"),
        queryset=Organisation.objects.filter(is_active=True),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    matches = forms.CharField(
        label=_("Matching pledge: the identifier of the pledge this one answers"),
        required=False,
        max_length=20,
        help_text=_("e.g. GCM-P-2026-000123"),
    )

    class Meta:
        model = Pledge
        fields = [
            "title",
            "description",
            "kind",
            "objectives",
            "actions",
            "target_what",
            "target_amount",
            "target_date",
            "occasion",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 5}), "target_date": DateInput()}
        error_messages = {
            "title": {"required": _("Give the pledge a title.")},
            "description": {"required": _("Describe what is pledged.")},
            "kind": {"required": _("Choose the type of pledge.")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        pledge = self.instance
        if pledge.pk and not self.is_bound:
            self.initial["matches"] = pledge.matches.identifier if pledge.matches_id else ""
            self.initial["partner_states"] = [p.member_state.iso3 for p in pledge.partners.all() if p.member_state_id]
            self.initial["partner_organisations"] = [
                p.organisation_id for p in pledge.partners.all() if p.organisation_id
            ]
            self.initial["objectives"] = [o.number for o in pledge.objectives.all()]
            self.initial["actions"] = [a.code for a in pledge.actions.all()]

    def _post_clean(self):
        pass

    def clean_matches(self):
        from .services import pledge_by_identifier

        text = (self.cleaned_data.get("matches") or "").strip()
        if not text:
            return None
        pledge = pledge_by_identifier(text)
        if pledge is None or not pledge.is_published:
            raise ValidationError(_("No published pledge has the identifier %(id)s.") % {"id": text})
        return pledge

    def content(self):
        names = [*self.Meta.fields, "matches", "partner_states", "partner_organisations"]
        return {name: self.cleaned_data[name] for name in names}


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=OwnerStatus.choices)
    reason = forms.CharField(
        label=_("Why"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the status is what it is: a reason is required.")},
    )
