"""The SDG parts of the evidence form: the targets a record contributes to, what a result measures."""

from django import forms
from django.utils.translation import gettext_lazy as _

from . import evidence as links
from .models import FrameworkItem, ResultMeasure, in_language


class SdgTargetsForm(forms.Form):
    """The SDG targets of a revision: suggestions from its actions (ticked on a new record, the
    reporter unticks what does not apply), the targets already tagged, and others by code."""

    targets = forms.MultipleChoiceField(label=_("SDG targets"), required=False, widget=forms.CheckboxSelectMultiple)
    other = forms.CharField(
        label=_("Other SDG targets, by code"),
        required=False,
        max_length=300,
        help_text=_("Optional, e.g. 8.8, 17.18: separate codes with commas or spaces."),
    )

    def __init__(self, data=None, *, action_codes=(), tagged=None, **kwargs):
        super().__init__(data, prefix="sdg", **kwargs)
        suggested = links.suggested_codes(action_codes)
        posted = self.data.getlist(self.add_prefix("targets")) if self.is_bound else []
        offered = list(dict.fromkeys([*suggested, *(tagged or []), *posted]))
        items = {i.code: i for i in links.sdg_items(FrameworkItem.Kind.TARGET).filter(code__in=offered)}
        self.rows = [items[code] for code in offered if code in items]
        self.fields["targets"].choices = [(item.code, item.code) for item in self.rows]
        # A new record starts with the suggestions ticked; an edit with what was confirmed.
        self.initial["targets"] = suggested if tagged is None else list(tagged)

    def target_rows(self):
        """(code, title, language of the title, ticked, retired) for the template."""
        ticked = set(self["targets"].value() or [])
        return [(item.code, *in_language(item.titles), item.code in ticked, item.retired) for item in self.rows]

    def clean(self):
        data = super().clean()
        codes = list(dict.fromkeys([*(data.get("targets") or []), *links.split_codes(data.get("other"))]))
        problems = links.problems({"sdg_targets": codes}).get("sdg_targets")
        if problems:
            self.add_error("other", problems)
        data["codes"] = codes
        return data

    def codes(self):
        return self.cleaned_data["codes"]


class ResultMeasureFields(forms.Form):
    """Mixed into the evidence form's result rows: the SDG indicator a result measures."""

    sdg_indicator = forms.CharField(
        label=_("SDG indicator measured"),
        required=False,
        max_length=20,
        help_text=_("Optional, e.g. 10.7.1 (recruitment cost borne by the employee)."),
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=ResultMeasure.Sex.choices, initial=links.TOTAL, required=False)
    age = forms.CharField(
        label=_("Age group"),
        max_length=12,
        initial=links.TOTAL,
        required=False,
        help_text=_("_T for all ages, or e.g. Y15T24, Y_GE65."),
    )
    migratory_status = forms.ChoiceField(
        label=_("Migratory status"),
        choices=ResultMeasure.MigratoryStatus.choices,
        initial=links.TOTAL,
        required=False,
    )

    DISAGGREGATION = ("sex", "age", "migratory_status")

    def has_changed(self):
        """A row that only carries the default disaggregation (or none at all) is an empty row."""
        return any(name not in self.DISAGGREGATION for name in self.changed_data)

    def clean_sdg_indicator(self):
        codes = links.split_codes(self.cleaned_data["sdg_indicator"])
        return codes[0] if codes else ""

    def clean(self):
        data = super().clean()
        data["age"] = (data.get("age") or links.TOTAL).strip().upper()
        if data.get("sdg_indicator"):
            problem = links.measure_problem(data)
            if problem:
                self.add_error(*problem)
        return data
