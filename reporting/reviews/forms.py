from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from reporting.models import Milestone


class ReviewNewForm(forms.Form):
    milestone = forms.ModelChoiceField(
        label=_("For"),
        queryset=Milestone.objects.none(),
        empty_label=None,
        help_text=_("A regional review or a Forum."),
    )
    language = forms.ChoiceField(
        label=_("Language of the review"), choices=settings.LANGUAGES, help_text=_("Headings and drafted text use it.")
    )

    def __init__(self, *args, milestones, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["milestone"].queryset = milestones


class SectionForm(forms.Form):
    narrative = forms.CharField(
        label=_("Text (Markdown)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text=_("Markdown: # headings, - lists, **bold**, [links](https://...). HTML is shown as text."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ContributionForm(forms.Form):
    text = forms.CharField(
        label=_("Your contribution (Markdown)"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("The focal point accepts it into the text or keeps it in the annex of stakeholder views."),
    )
