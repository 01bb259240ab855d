"""A framework of goals, targets and indicators, and its links to the compact and the evidence."""

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

LANGUAGES = ("en", "fr", "es", "ru", "ar", "zh-hans")


def in_language(titles, language=None):
    """The title in the reader's language (or `language`), English where none is loaded.

    Returns (text, language of the text) so a template can mark English text with lang="en".
    """
    lang = (language or translation.get_language() or "en").lower()
    for candidate in (lang, lang.split("-")[0]):
        if titles.get(candidate):
            return titles[candidate], candidate
    return titles.get("en", ""), "en"


class IndicatorFramework(models.Model):
    """A set of goals, targets and indicators, e.g. the SDG global indicator framework."""

    code = models.SlugField(_("code"), unique=True, help_text=_("Short stable name, e.g. sdg."))
    name = models.CharField(_("name"), max_length=200)
    names = models.JSONField(_("name in each language"), default=dict, blank=True)
    version = models.CharField(_("version"), max_length=40)
    source = models.CharField(_("source"), max_length=300)
    source_url = models.URLField(_("source address"), blank=True)
    licence = models.CharField(_("licence"), max_length=200)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("indicator framework")
        verbose_name_plural = _("indicator frameworks")

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        return in_language({"en": self.name, **self.names})[0]


class FrameworkItem(models.Model):
    """One goal, target or indicator of a framework, matched by its code across versions."""

    class Kind(models.TextChoices):
        GOAL = "goal", _("goal")
        TARGET = "target", _("target")
        INDICATOR = "indicator", _("indicator")

    framework = models.ForeignKey(IndicatorFramework, on_delete=models.PROTECT, related_name="items")
    code = models.CharField(_("code"), max_length=20, help_text=_("e.g. 10.7 or 10.7.1"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    titles = models.JSONField(_("title in each language"), default=dict)
    short_titles = models.JSONField(_("short title in each language"), default=dict, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    first_version = models.CharField(_("first version"), max_length=40, blank=True)
    retired = models.BooleanField(
        _("retired"), default=False, help_text=_("No longer in the framework's current version; kept for old records.")
    )
    retired_in = models.CharField(_("retired in version"), max_length=40, blank=True)

    class Meta:
        ordering = ["framework", "order"]
        constraints = [models.UniqueConstraint(fields=["framework", "code"], name="framework_item_code_unique")]
        verbose_name = _("framework item")
        verbose_name_plural = _("framework items")

    def __str__(self):
        return f"{self.code} {self.title[:80]}"

    @property
    def title(self):
        return in_language(self.titles)[0]

    @property
    def title_language(self):
        return in_language(self.titles)[1]

    @property
    def short_title(self):
        return in_language(self.short_titles)[0] if self.short_titles else ""


class ActionTarget(models.Model):
    """A compact action linked to a framework item (an SDG target), with where the link comes from."""

    action = models.ForeignKey("commitments.Action", on_delete=models.CASCADE, related_name="framework_links")
    item = models.ForeignKey(FrameworkItem, on_delete=models.PROTECT, related_name="action_links")
    source_note = models.CharField(
        _("source of the link"), max_length=300, help_text=_("Where this link comes from, e.g. the compact's own text.")
    )
    basis = models.CharField(
        _("basis"),
        max_length=10,
        choices=[("cited", _("cited in the compact's text")), ("subject", _("same subject")), ("added", _("added"))],
        default="added",
    )
    is_default = models.BooleanField(_("from the default mapping"), default=False, editable=False)
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Switched off links are kept but not shown or suggested.")
    )

    class Meta:
        ordering = ["action__objective__number", "action__letter", "item__order"]
        constraints = [models.UniqueConstraint(fields=["action", "item"], name="action_target_unique")]
        verbose_name = _("action link to a target")
        verbose_name_plural = _("action links to targets")

    def __str__(self):
        return f"{self.action.code} -> {self.item.code}"


class EvidenceTarget(models.Model):
    """An evidence revision tagged with a framework target; confirmed by the reporter.

    One row per revision, like the evidence's other links: a reopened record copies its tags,
    so the published revision keeps its own while the new one is edited.
    """

    evidence = models.ForeignKey("commitments.Evidence", on_delete=models.CASCADE, related_name="framework_targets")
    item = models.ForeignKey(FrameworkItem, on_delete=models.PROTECT, related_name="evidence_links")

    class Meta:
        ordering = ["item__framework__code", "item__order"]
        constraints = [models.UniqueConstraint(fields=["evidence", "item"], name="evidence_target_unique")]
        verbose_name = _("evidence tag of a target")
        verbose_name_plural = _("evidence tags of targets")

    def __str__(self):
        return f"{self.evidence_id} -> {self.item.code}"


class ResultMeasure(models.Model):
    """What a quantitative result measures: a framework indicator, with its disaggregation.

    Codes follow SDMX (the SDG data structure's SEX and AGE code lists) so the SDMX-CSV export
    writes them unchanged; an empty value means "not disaggregated" (written as _T, total).
    """

    class Sex(models.TextChoices):
        TOTAL = "_T", _("Both sexes")
        FEMALE = "F", _("Female")
        MALE = "M", _("Male")

    class MigratoryStatus(models.TextChoices):
        TOTAL = "_T", _("All people")
        MIGRANT = "MIGRANT", _("Migrants")
        NON_MIGRANT = "NON_MIGRANT", _("Non-migrants")
        REFUGEE = "REFUGEE", _("Refugees")

    result = models.OneToOneField("commitments.EvidenceResult", on_delete=models.CASCADE, related_name="measure")
    item = models.ForeignKey(
        FrameworkItem, on_delete=models.PROTECT, related_name="result_measures", verbose_name=_("framework indicator")
    )
    sex = models.CharField(_("sex"), max_length=2, choices=Sex.choices, default=Sex.TOTAL)
    age = models.CharField(
        _("age group"), max_length=12, default="_T", help_text=_("An SDMX age code: _T (all ages), Y15T24, Y_GE65 ...")
    )
    migratory_status = models.CharField(
        _("migratory status"), max_length=12, choices=MigratoryStatus.choices, default=MigratoryStatus.TOTAL
    )

    class Meta:
        verbose_name = _("result measure")
        verbose_name_plural = _("result measures")

    def __str__(self):
        return f"{self.item.code} ({self.sex}, {self.age}, {self.migratory_status})"
