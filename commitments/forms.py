"""Forms of the evidence pages and the people page.

The evidence form carries the content only: entity, review state, reviewer, publication and
cycle are set by `commitments.services`, and `version` is a hidden value read to detect a
concurrent edit, never written from the form.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from . import extensions, services
from .indicators.forms import ResultMeasureFields
from .models import Action, Evidence, GuidingPrinciple, StakeholderType, TargetGroup


def action_label(action):
    """The code and the start of the action's text, in the reader's language where its official text is loaded."""
    text = action.in_language("text")[0]
    return f"{action.code} {text[:90]}{'…' if len(text) > 90 else ''}"


class CompactTextOptions:
    """Choices labelled with the compact's own text say which language it is in: lang="en" where no
    official translation is loaded for the reader's language (screen readers switch voice)."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        option["label_lang"] = getattr(instance, "compact_lang", None) or get_language() or "en"
        if isinstance(self, forms.Select):  # an <option> carries its own lang; a checkbox's label, below
            option["attrs"]["lang"] = option["label_lang"]
        return option


class CompactSelect(CompactTextOptions, forms.Select):
    pass


class CompactSelectMultiple(CompactTextOptions, forms.SelectMultiple):
    pass


class CompactCheckboxes(CompactTextOptions, forms.CheckboxSelectMultiple):
    option_template_name = "commitments/widgets/compact_checkbox_option.html"


class ActionChoiceField(forms.ModelChoiceField):
    widget = CompactSelect

    def label_from_instance(self, obj):
        return action_label(obj)


class ActionMultipleChoiceField(forms.ModelMultipleChoiceField):
    widget = CompactSelectMultiple

    def label_from_instance(self, obj):
        return action_label(obj)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; each is checked by `services.check_upload`."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        cleaned = [super(MultipleFileField, self).clean(f, initial) for f in files]
        errors = []
        for upload in cleaned:
            try:
                services.check_upload(upload)
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        return cleaned


class EvidenceForm(forms.ModelForm):
    """The content of one revision. Never entity, review state, reviewer, publication or cycle."""

    primary_action = ActionChoiceField(
        label=_("Primary action"),
        queryset=Action.objects.all(),
        to_field_name="code",
        help_text=_("The action of the compact this measure mainly implements."),
    )
    other_actions = ActionMultipleChoiceField(
        label=_("Other actions implemented"),
        queryset=Action.objects.all(),
        to_field_name="code",
        required=False,
        widget=CompactSelectMultiple(attrs={"size": 8}),
        help_text=_("Optional. Hold Ctrl (or Cmd) to choose several."),
    )
    principles = forms.ModelMultipleChoiceField(
        label=_("Guiding principles applied"),
        queryset=GuidingPrinciple.objects.all(),
        required=False,
        widget=CompactCheckboxes,
    )
    partners = forms.ModelMultipleChoiceField(
        label=_("Partners involved"),
        queryset=StakeholderType.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    groups_reached = forms.ModelMultipleChoiceField(
        label=_("Groups reached"),
        queryset=TargetGroup.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    # Read only to detect that someone else saved meanwhile; services keep the real counter.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    attachments = MultipleFileField(
        label=_("Attach documents"),
        required=False,
        help_text=_("PDF, DOCX, XLSX, ODT, ODS, PNG, JPEG or CSV."),
    )

    class Meta:
        model = Evidence
        fields = [
            "title",
            "description",
            "primary_action",
            "other_actions",
            "status",
            "level",
            "start_date",
            "end_date",
            "principles",
            "partners",
            "groups_reached",
            "challenges",
            "good_practice",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "challenges": forms.Textarea(attrs={"rows": 3}),
            "start_date": DateInput(),
            "end_date": DateInput(),
        }
        error_messages = {
            "title": {"required": _("Give the measure a title.")},
            "description": {"required": _("Describe the measure.")},
            "status": {"required": _("Choose how far the measure has come.")},
            "level": {"required": _("Choose the level at which the measure is taken.")},
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Parts other apps contribute (e.g. the plan items and pledges a measure delivers on).
        self.part_names = []
        for part in extensions.EVIDENCE_PARTS:
            field = part.form_field(user, self.instance if self.instance.pk else None)
            if field is not None:
                self.fields[part.name] = field
                self.part_names.append(part.name)
                if self.instance.pk and part.name not in self.initial:
                    self.initial[part.name] = part.initial(self.instance)
        if self.instance.primary_action_id and "primary_action" not in (kwargs.get("initial") or {}):
            # The choices are keyed by code; the instance's initial value would be its id.
            self.initial["primary_action"] = self.instance.primary_action.code
        self.fields["primary_action"].error_messages["invalid_choice"] = _("Choose an action of the compact.")
        self.fields["other_actions"].error_messages["invalid_choice"] = _("%(value)s is not an action of the compact.")
        for name in ("start_date", "end_date"):
            self.fields[name].error_messages["invalid"] = _("Enter a date as year-month-day, e.g. 2025-03-31.")

    def _post_clean(self):
        # Model validation runs in services on the saved row; the form must not touch the instance.
        pass

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date is before the start date."))
        primary, others = data.get("primary_action"), data.get("other_actions")
        if primary is not None and others is not None and primary in others:
            self.add_error("other_actions", _("The primary action is already linked; choose other actions here."))
        return data

    def content(self):
        """The cleaned content, as `services.evidence_create/update` take it (without links/results)."""
        return {name: self.cleaned_data[name] for name in [*self.Meta.fields, *self.part_names]}

    def part_fields(self):
        return [self[name] for name in self.part_names]


class LinkForm(forms.Form):
    url = forms.URLField(
        label=_("Web address"),
        max_length=500,
        assume_scheme="https",
        error_messages={"invalid": _("Enter a full web address starting with https:// or http://.")},
    )
    label = forms.CharField(label=_("Label"), max_length=200, required=False)

    def clean_url(self):
        url = self.cleaned_data["url"]
        if not url.lower().startswith(("http://", "https://")):
            raise ValidationError(_("Only http:// and https:// addresses can be linked."))
        return url

    def full_clean(self):
        # URLField rejects javascript: before clean_url runs; say clearly what is accepted.
        super().full_clean()
        raw = (self.data.get(self.add_prefix("url")) or "").strip().lower() if self.is_bound else ""
        if raw and not raw.startswith(("http://", "https://")) and "url" in self.errors:
            self.errors["url"] = self.error_class([_("Only http:// and https:// addresses can be linked.")])


class ResultForm(ResultMeasureFields, forms.Form):
    field_order = ["indicator", "value", "unit", "year"]  # then what it measures (ResultMeasureFields)

    indicator = forms.CharField(label=_("Indicator"), max_length=300)
    value = forms.DecimalField(
        label=_("Value"), max_digits=20, decimal_places=4, error_messages={"invalid": _("Enter a number.")}
    )
    unit = forms.CharField(label=_("Unit"), max_length=50, required=False)
    year = forms.IntegerField(
        label=_("Year"), min_value=1990, max_value=2100, error_messages={"invalid": _("Enter a year, e.g. 2025.")}
    )


LinkFormSet = forms.formset_factory(LinkForm, extra=2, max_num=20, validate_max=True)
ResultFormSet = forms.formset_factory(ResultForm, extra=2, max_num=50, validate_max=True)


def formset_rows(formset, fields):
    """The filled rows of a valid formset as plain dicts (empty extra rows are skipped)."""
    return [{f: form.cleaned_data[f] for f in fields} for form in formset.forms if form.cleaned_data]


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("What needs to change"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what needs to change: a comment is required to return a record.")},
    )


class InviteContributorForm(forms.Form):
    username = forms.RegexField(
        label=_("User name"),
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        error_messages={"invalid": _("Use only letters, digits and @ . + - _ in the user name.")},
    )
    email = forms.EmailField(label=_("E-mail address"))
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)

    def clean_username(self):
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise ValidationError(_("This user name is already taken."))
        return username


class InvitationForm(PasswordResetForm):
    """Django's password-reset e-mail, sent to one invited user (whose password is unusable)."""

    def __init__(self, user, *args, **kwargs):
        super().__init__({"email": user.email}, *args, **kwargs)
        self.invited = user

    def get_users(self, email):
        return [self.invited] if self.invited.is_active else []
