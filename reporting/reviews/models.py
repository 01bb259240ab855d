"""A voluntary national GCM review (para 53): one document per State and milestone.

The document is drafted from the State's published evidence (and, once they exist, its plan
items and pledges), then edited by the State's people section by section; stakeholders based in
the State contribute to sections. Each section keeps its history (`SectionRevision`) and a
version counter for stale-edit protection, like evidence. Finalising writes an immutable
`ReviewVersion` (content snapshot, DOCX and PDF with their SHA-256); a State may publish one.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ImmutableVersion(Exception):
    """A finalised version is a snapshot: never changed, only followed by a new version."""


class SectionKind(models.TextChoices):
    METHODOLOGY = "methodology", _("Methodology of the review")
    POLICY = "policy", _("Policy and enabling environment")
    OBJECTIVE = "objective", _("Progress on the objectives")
    MEANS = "means", _("Means of implementation")
    CHALLENGES = "challenges", _("Challenges and next steps")
    ANNEX = "annex", _("Annex: the records")


# The order of the sections in the document; objectives sit at OBJECTIVE's place, by number.
SECTION_ORDER = [k.value for k in SectionKind]


class VoluntaryReview(models.Model):
    """One State's review for one milestone (a regional review or an IMRF)."""

    class Drafting(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Drafting from the data")
        READY = "ready", _("Ready to edit")
        FAILED = "failed", _("Drafting failed")

    class Finalising(models.TextChoices):
        IDLE = "idle", _("No version being finalised")
        QUEUED = "queued", _("Waiting to be finalised")
        RUNNING = "running", _("Finalising")
        DONE = "done", _("Version finalised")
        FAILED = "failed", _("Finalising failed")

    member_state = models.ForeignKey(
        "commitments.MemberState", on_delete=models.PROTECT, related_name="+", verbose_name=_("Member State")
    )
    milestone = models.ForeignKey(
        "reporting.Milestone", on_delete=models.PROTECT, related_name="+", verbose_name=_("milestone")
    )
    cycle = models.PositiveSmallIntegerField(_("review cycle"))
    year = models.PositiveSmallIntegerField(_("year of the review"))
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    drafting = models.CharField(_("drafting"), max_length=10, choices=Drafting.choices, default=Drafting.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    task_id = models.CharField(max_length=64, blank=True)
    drafting_started_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    # Finalising a new version runs as a task too (reviews.finalise_review): the same claim,
    # progress and failure message as drafting, in fields of its own.
    finalising = models.CharField(_("finalising"), max_length=10, choices=Finalising.choices, default=Finalising.IDLE)
    finalising_progress = models.PositiveSmallIntegerField(_("finalising progress (%)"), default=0)
    finalising_task_id = models.CharField(_("finalising task"), max_length=64, blank=True)
    finalising_error = models.TextField(_("finalising error"), blank=True)
    finalising_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("finalisation asked for by"),
    )
    finalising_started_at = models.DateTimeField(_("finalisation started at"), null=True, blank=True)
    # Moved on each step: a finalisation queued or running with no step for 10 minutes is stale.
    finalising_progress_at = models.DateTimeField(_("last progress of the finalisation"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scheduled = models.BooleanField(_("prepared by the schedule"), default=False)
    reminded_at = models.DateTimeField(_("focal points reminded at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "member_state__name"]
        verbose_name = _("voluntary national review")
        constraints = [
            # One review per State and milestone: the schedule and a focal point never make two.
            models.UniqueConstraint(fields=["member_state", "milestone"], name="review_once_per_milestone"),
        ]

    def __str__(self):
        return str(self.title)

    @property
    def title(self):
        return _("Voluntary GCM review %(year)s, for %(milestone)s") % {
            "year": self.year,
            "milestone": self.milestone.title,
        }

    def get_absolute_url(self):
        return reverse("reviews:detail", args=[self.pk])


class Section(models.Model):
    """One section of a review: its Markdown narrative, the facts it was drafted from, a version."""

    review = models.ForeignKey(VoluntaryReview, on_delete=models.CASCADE, related_name="sections")
    kind = models.CharField(_("section"), max_length=12, choices=SectionKind.choices)
    objective = models.ForeignKey(
        "commitments.Objective", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    narrative = models.TextField(_("narrative (Markdown)"), blank=True)
    facts = models.JSONField(_("facts drafted from"), default=dict, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["review", "kind", "objective"], name="review_section_unique"),
            models.UniqueConstraint(
                fields=["review", "kind"], condition=models.Q(objective__isnull=True), name="review_section_once"
            ),
        ]

    def __str__(self):
        return str(self.heading)

    @property
    def heading(self):
        if self.kind == SectionKind.OBJECTIVE and self.objective_id:
            return _("Objective %(number)s: %(title)s") % {
                "number": self.objective.number,
                "title": self.objective.title,
            }
        return self.get_kind_display()


class SectionRevision(models.Model):
    """One step in a section's history: the whole text after it, who, when, why."""

    class Kind(models.TextChoices):
        DRAFTED = "drafted", _("drafted from the data")
        EDITED = "edited", _("edited")
        ACCEPTED = "accepted", _("stakeholder contribution accepted into the text")

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    narrative = models.TextField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["version", "id"]
        constraints = [models.UniqueConstraint(fields=["section", "version"], name="section_revision_unique")]

    def __str__(self):
        return f"{self.section} v{self.version}"


class Contribution(models.Model):
    """A stakeholder's contribution to a section. Never deleted: the focal point accepts it into the
    text or keeps it in the annex of stakeholder views; both stay visible with the review."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Awaiting the focal point")
        ACCEPTED = "accepted", _("Accepted into the text")
        ANNEXED = "annexed", _("Kept in the annex of stakeholder views")

    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="contributions")
    organisation = models.ForeignKey(
        "commitments.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("contribution (Markdown)"))
    submitted_at = models.DateTimeField(auto_now_add=True)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["submitted_at", "id"]

    def __str__(self):
        return f"{self.organisation}: {self.section}"


class ReviewVersion(models.Model):
    """A finalised version: the whole text as it was (`content`), its files and their SHA-256."""

    review = models.ForeignKey(VoluntaryReview, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    content = models.JSONField(_("content"))
    finalised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    finalised_at = models.DateTimeField(_("finalised at"), auto_now_add=True)
    is_published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["review", "-number"]
        verbose_name = _("finalised review version")
        constraints = [
            models.UniqueConstraint(fields=["review", "number"], name="review_version_unique"),
        ]

    def __str__(self):
        return f"{self.review} v{self.number}"

    def save(self, *args, **kwargs):
        # Only publication may touch a saved version (services use a conditional update for it).
        if self.pk and ReviewVersion.objects.filter(pk=self.pk).exists():
            raise ImmutableVersion(f"Review version {self.pk} is finalised and cannot be changed")
        super().save(*args, **kwargs)


class ReviewFile(models.Model):
    """One file of a finalised version, under REPORTS_ROOT/reviews/ (served after a permission check)."""

    class Format(models.TextChoices):
        DOCX = "docx", _("Word document (DOCX)")
        PDF = "pdf", _("PDF")

    version = models.ForeignKey(ReviewVersion, on_delete=models.PROTECT, related_name="files")
    format = models.CharField(_("format"), max_length=6, choices=Format.choices)
    path = models.CharField(_("path"), max_length=300)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["version", "format"], name="reviewfile_unique_format")]

    def __str__(self):
        return self.path

    def save(self, *args, **kwargs):
        if self.pk:
            raise ImmutableVersion(f"Review file {self.pk} belongs to a finalised version")
        super().save(*args, **kwargs)

    @property
    def filename(self):
        return self.path.rsplit("/", 1)[-1]
