"""The Global Compact itself and who reports on it.

The framework (instrument, guiding principles, objectives, actions, paragraphs) and the
Member States are loaded from `fixtures/` by `manage.py load_framework` and keyed by natural
keys (objective number, action code, ISO3), so evidence keeps pointing at the same action when
a corrected text is reloaded.
"""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Instrument(models.Model):
    """The compact as an instrument: A/RES/73/195."""

    symbol = models.CharField(_("symbol"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    adopted_on = models.DateField(_("adopted on"))
    source = models.CharField(_("source text"), max_length=200)
    source_sha256 = models.CharField(_("SHA-256 of the source text"), max_length=64)

    class Meta:
        verbose_name = _("instrument")

    def __str__(self):
        return f"{self.title} ({self.symbol})"

    def natural_key(self):
        return (self.symbol,)


class GuidingPrinciple(models.Model):
    """One of the ten cross-cutting guiding principles of para 15 (a)-(j)."""

    letter = models.CharField(_("letter"), max_length=1, unique=True)
    name = models.CharField(_("name"), max_length=100)
    text = models.TextField(_("text"))

    class Meta:
        ordering = ["letter"]
        verbose_name = _("guiding principle")

    def __str__(self):
        return f"({self.letter}) {self.name}"

    def natural_key(self):
        return (self.letter,)


class Objective(models.Model):
    """One of the 23 objectives (para 16) with its commitment paragraph (paras 17-39)."""

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    title = models.CharField(_("title"), max_length=300, help_text=_("As listed in para 16."))
    heading = models.CharField(_("heading"), max_length=300, help_text=_("As headed in its section."))
    paragraph = models.PositiveSmallIntegerField(_("commitment paragraph"), unique=True)
    commitment = models.TextField(_("commitment"))

    class Meta:
        ordering = ["number"]
        verbose_name = _("objective")

    def __str__(self):
        return f"{self.number}. {self.title}"

    def natural_key(self):
        return (self.number,)

    def get_absolute_url(self):
        return reverse("commitments:objective", args=[self.number])


class Action(models.Model):
    """A lettered action of an objective, e.g. 13(a); 187 in all."""

    objective = models.ForeignKey(Objective, on_delete=models.PROTECT, related_name="actions")
    letter = models.CharField(_("letter"), max_length=2)
    code = models.CharField(_("code"), max_length=6, unique=True)
    text = models.TextField(_("text"))
    subheading = models.CharField(
        _("subheading"), max_length=200, blank=True, help_text=_("The heading the action sits under, if any.")
    )

    class Meta:
        ordering = ["objective__number", "letter"]
        constraints = [models.UniqueConstraint(fields=["objective", "letter"], name="action_unique_letter")]
        verbose_name = _("action")

    def __str__(self):
        return self.code

    def natural_key(self):
        return (self.code,)

    @property
    def slug(self):
        """The permalink form of the code: 13(a) -> 13a."""
        return self.code.replace("(", "").replace(")", "")

    def get_absolute_url(self):
        return reverse("commitments:action", args=[self.slug])


class Paragraph(models.Model):
    """Paragraphs 40-54: implementation, follow-up and review, cited by the cycle rules."""

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    section = models.CharField(_("section"), max_length=100)
    text = models.TextField(_("text"))

    class Meta:
        ordering = ["number"]
        verbose_name = _("paragraph")

    def __str__(self):
        return _("para %(number)s") % {"number": self.number}

    def natural_key(self):
        return (self.number,)


class MemberState(models.Model):
    """A UN Member State (or an observer State, flagged), with its M49 classification."""

    iso3 = models.CharField(_("ISO 3166 alpha-3"), max_length=3, unique=True)
    name = models.CharField(_("name"), max_length=100)
    official_name = models.CharField(_("official name"), max_length=200)
    m49_code = models.CharField(_("M49 code"), max_length=3, unique=True)
    region = models.CharField(_("M49 region"), max_length=40, db_index=True)
    subregion = models.CharField(_("M49 sub-region"), max_length=60, db_index=True)
    intermediate_region = models.CharField(_("M49 intermediate region"), max_length=60, blank=True)
    un_member_since = models.PositiveSmallIntegerField(_("UN member since"), null=True, blank=True)
    is_observer = models.BooleanField(_("observer State"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Member State")

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.iso3,)

    def get_absolute_url(self):
        return reverse("commitments:state", args=[self.iso3])


class StakeholderType(models.Model):
    """A kind of stakeholder named in paras 15 (j) and 44."""

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order"]
        verbose_name = _("stakeholder type")

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)
