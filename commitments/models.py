"""The Global Compact itself and who reports on it.

The framework (instrument, guiding principles, objectives, actions, paragraphs) and the
Member States are loaded from `fixtures/` by `manage.py load_framework` and keyed by natural
keys (objective number, action code, ISO3), so evidence keeps pointing at the same action when
a corrected text is reloaded.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from .names import area_name, state_name


class CompactText(models.Model):
    """The compact's own text in the languages whose official text is loaded.

    The English text lives in the model's fields; `translations` holds the official text of
    other UN languages, {"fr": {"title": ...}}, written only by `load_framework` from
    `fixtures/framework_<lang>.json` (see framework.derive_translation). The compact is never
    machine-translated: where a language has no official text, the English text is shown,
    marked lang="en" by the templates through `compact_lang`.
    """

    TRANSLATED_FIELDS = ()

    translations = models.JSONField(
        _("official translations"),
        default=dict,
        blank=True,
        editable=False,
        help_text=_("The official text in the other UN languages, as loaded by load_framework."),
    )

    class Meta:
        abstract = True

    def in_language(self, field, language=None):
        """(text, language of that text): the official text in `language` if loaded, else English."""
        language = language or get_language() or "en"
        text = self.translations.get(language, {}).get(field)
        if text is None:
            return getattr(self, field), "en"
        return text, language

    @property
    def compact_lang(self):
        """The language this object's text is shown in on the current page."""
        language = get_language() or "en"
        return language if language in self.translations else "en"

    @property
    def local(self):
        """The text in the reader's language, for templates: {{ objective.local.title }}."""
        return _LocalText(self)


class _LocalText:
    def __init__(self, obj):
        self._obj = obj

    def __getitem__(self, field):
        if field not in self._obj.TRANSLATED_FIELDS:
            raise KeyError(field)
        return self._obj.in_language(field)[0]


class Instrument(CompactText):
    """The compact as an instrument: A/RES/73/195."""

    TRANSLATED_FIELDS = ("title",)

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


class GuidingPrinciple(CompactText):
    """One of the ten cross-cutting guiding principles of para 15 (a)-(j)."""

    TRANSLATED_FIELDS = ("name", "text")

    letter = models.CharField(_("letter"), max_length=1, unique=True)
    name = models.CharField(_("name"), max_length=100)
    text = models.TextField(_("text"))

    class Meta:
        ordering = ["letter"]
        verbose_name = _("guiding principle")

    def __str__(self):
        return f"({self.letter}) {self.in_language('name')[0]}"

    def natural_key(self):
        return (self.letter,)


class Objective(CompactText):
    """One of the 23 objectives (para 16) with its commitment paragraph (paras 17-39)."""

    TRANSLATED_FIELDS = ("title", "heading", "commitment")

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    title = models.CharField(_("title"), max_length=300, help_text=_("As listed in para 16."))
    heading = models.CharField(_("heading"), max_length=300, help_text=_("As headed in its section."))
    paragraph = models.PositiveSmallIntegerField(_("commitment paragraph"), unique=True)
    commitment = models.TextField(_("commitment"))

    class Meta:
        ordering = ["number"]
        verbose_name = _("objective")

    def __str__(self):
        return f"{self.number}. {self.in_language('title')[0]}"

    def natural_key(self):
        return (self.number,)

    def get_absolute_url(self):
        return reverse("commitments:objective", args=[self.number])


class Action(CompactText):
    """A lettered action of an objective, e.g. 13(a); 187 in all."""

    TRANSLATED_FIELDS = ("text", "subheading")

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


class Paragraph(CompactText):
    """Paragraphs 40-54: implementation, follow-up and review, cited by the cycle rules."""

    TRANSLATED_FIELDS = ("text",)

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
        return state_name(self)

    @property
    def local_region(self):
        return area_name(self.region)

    @property
    def local_subregion(self):
        return area_name(self.subregion)

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
        return gettext(self.name)  # marked in framework.STAKEHOLDER_TYPES

    def natural_key(self):
        return (self.slug,)


class TargetGroup(models.Model):
    """A group of people a measure reaches (migrant women, children, migrant workers ...)."""

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order"]
        verbose_name = _("group reached")

    def __str__(self):
        return gettext(self.name)  # marked in framework.TARGET_GROUPS

    def natural_key(self):
        return (self.slug,)


class Organisation(models.Model):
    """A stakeholder organisation that reports; created by the secretariat."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    stakeholder_type = models.ForeignKey(StakeholderType, on_delete=models.PROTECT, verbose_name=_("type"))
    country = models.ForeignKey(
        MemberState, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("based in")
    )
    website = models.URLField(_("website"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("commitments:organisation", args=[self.pk])


class Role(models.TextChoices):
    CONTRIBUTOR = "contributor", _("State contributor")
    FOCAL_POINT = "focal_point", _("National focal point")
    STAKEHOLDER_EDITOR = "stakeholder_editor", _("Stakeholder editor")
    SECRETARIAT = "secretariat", _("Secretariat")
    ANALYST = "analyst", _("Analyst")


STATE_ROLES = (Role.CONTRIBUTOR, Role.FOCAL_POINT)


class Profile(models.Model):
    """Who a user is in the monitor: a role and, for reporting roles, exactly one entity."""

    user = models.OneToOneField("auth.User", on_delete=models.CASCADE, related_name="profile")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    member_state = models.ForeignKey(MemberState, null=True, blank=True, on_delete=models.PROTECT)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT)
    # The language chosen on the switcher: pages after log-in, e-mails and reminders. Empty: never chosen.
    language = models.CharField(_("language"), max_length=10, blank=True, choices=settings.LANGUAGES)

    class Meta:
        verbose_name = _("profile")
        constraints = [
            models.CheckConstraint(
                name="profile_entity_matches_role",
                condition=(
                    models.Q(role__in=STATE_ROLES, member_state__isnull=False, organisation__isnull=True)
                    | models.Q(role=Role.STAKEHOLDER_EDITOR, member_state__isnull=True, organisation__isnull=False)
                    | models.Q(
                        role__in=[Role.SECRETARIAT, Role.ANALYST], member_state__isnull=True, organisation__isnull=True
                    )
                ),
            )
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"

    @property
    def entity(self):
        return self.member_state or self.organisation


class EvidenceQuerySet(models.QuerySet):
    def published(self):
        """Records the public sees: the validated, current revision of each record."""
        return self.filter(is_published=True)

    def live_first(self):
        """A record's revisions, the one to show first: the newest not withdrawn, else the newest.

        A withdrawn draft revision (a revision started and abandoned) must not hide the published
        one it was based on, from the record page, the API or the next revision."""
        withdrawn = models.Case(
            models.When(review_state=Evidence.ReviewState.WITHDRAWN, then=models.Value(1)),
            default=models.Value(0),
        )
        return self.order_by(withdrawn, "-revision")


class Evidence(models.Model):
    """One measure taken by one reporting entity, in one revision.

    A record is the chain of revisions sharing `record`; the validated revision is public
    (`is_published`) while a later revision goes through review. Every write goes through
    `commitments.services`, which keeps the version counter and the history.
    """

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned (not started)")
        UNDER_WAY = "under_way", _("Under way (limited)")
        ADVANCED = "advanced", _("Advanced (substantial)")
        COMPLETED = "completed", _("Completed")

    class Level(models.TextChoices):
        LOCAL = "local", _("Local")
        NATIONAL = "national", _("National")
        REGIONAL = "regional", _("Regional")
        GLOBAL = "global", _("Global")

    class ReviewState(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned")
        VALIDATED = "validated", _("Validated")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        SUPERSEDED = "superseded", _("Superseded by a later revision")

    record = models.UUIDField(_("record"), db_index=True, editable=False)
    revision = models.PositiveSmallIntegerField(_("revision"), default=1, editable=False)
    member_state = models.ForeignKey(
        MemberState, null=True, blank=True, on_delete=models.PROTECT, related_name="evidence", editable=False
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="evidence", editable=False
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"))
    primary_action = models.ForeignKey(
        Action, on_delete=models.PROTECT, related_name="primary_evidence", verbose_name=_("primary action")
    )
    other_actions = models.ManyToManyField(
        Action, blank=True, related_name="linked_evidence", verbose_name=_("other actions implemented")
    )
    status = models.CharField(_("implementation status"), max_length=12, choices=Status.choices)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    principles = models.ManyToManyField(GuidingPrinciple, blank=True, verbose_name=_("guiding principles applied"))
    partners = models.ManyToManyField(StakeholderType, blank=True, verbose_name=_("partners involved"))
    groups_reached = models.ManyToManyField(TargetGroup, blank=True, verbose_name=_("groups reached"))
    challenges = models.TextField(_("challenges"), blank=True)
    good_practice = models.BooleanField(_("offered as a good practice"), default=False)

    review_state = models.CharField(
        _("review state"), max_length=12, choices=ReviewState.choices, default=ReviewState.DRAFT, editable=False
    )
    is_published = models.BooleanField(_("published"), default=False, editable=False)
    cycle = models.PositiveSmallIntegerField(_("review cycle"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_by = models.ForeignKey("auth.User", null=True, on_delete=models.SET_NULL, related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Indexed: harvesters ask for what changed since their last visit (?updated_since=).
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    submitted_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    validated_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    validated_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    validated_without_second_reviewer = models.BooleanField(
        _("validated without a second reviewer"),
        default=False,
        editable=False,
        help_text=_("One of its authors validated it because nobody else could."),
    )
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["-validated_at", "-id"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        constraints = [
            models.CheckConstraint(
                name="evidence_one_entity",
                condition=models.Q(member_state__isnull=False, organisation__isnull=True)
                | models.Q(member_state__isnull=True, organisation__isnull=False),
            ),
            models.UniqueConstraint(fields=["record", "revision"], name="evidence_unique_revision"),
            # One published revision per record. `record` is never NULL, so the second condition
            # changes nothing in what is unique; it keeps the index out of ordinary queries, whose
            # bare `is_published` would otherwise match it: SQLite then walked this index in record
            # order, fetching every row at random (dashboard data at 1M: 2.5 s -> 0.33 s filtered).
            models.UniqueConstraint(
                fields=["record"],
                condition=models.Q(is_published=True, record__isnull=False),
                name="evidence_one_published_revision",
            ),
        ]
        indexes = [
            models.Index(fields=["is_published", "primary_action"], name="evidence_pub_action"),
            models.Index(fields=["is_published", "member_state"], name="evidence_pub_state"),
            models.Index(fields=["is_published", "organisation"], name="evidence_pub_org"),
            models.Index(fields=["is_published", "cycle", "status"], name="evidence_pub_cycle_status"),
            models.Index(fields=["member_state", "review_state"], name="evidence_state_review"),
            models.Index(fields=["organisation", "review_state"], name="evidence_org_review"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("commitments:evidence", args=[self.record])

    @property
    def entity(self):
        return self.member_state or self.organisation

    @property
    def is_editable(self):
        return self.review_state in (self.ReviewState.DRAFT, self.ReviewState.RETURNED)


class EvidenceLink(models.Model):
    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="links")
    url = models.URLField(_("address"), max_length=500)
    label = models.CharField(_("label"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.label or self.url


class EvidenceResult(models.Model):
    """An optional quantitative result: indicator, value, unit, year."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="results")
    indicator = models.CharField(_("indicator"), max_length=300)
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4)
    unit = models.CharField(_("unit"), max_length=50, blank=True)
    year = models.PositiveSmallIntegerField(_("year"))

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.indicator}: {self.value} {self.unit} ({self.year})"


def attachment_path(instance, filename):
    """Generated names only: the uploaded name is kept in the database, never on disk."""
    import uuid

    return f"attachments/{instance.evidence.record}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A document attached to one revision; older revisions keep their files."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey("auth.User", null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.original_name


class EvidenceEvent(models.Model):
    """One step in a record's history: who, when, what changed (field by field) and why."""

    class Kind(models.TextChoices):
        CREATED = "created", _("created")
        EDITED = "edited", _("edited")
        SUBMITTED = "submitted", _("submitted")
        RETURNED = "returned", _("returned")
        VALIDATED = "validated", _("validated")
        WITHDRAWN = "withdrawn", _("withdrawn")
        REOPENED = "reopened", _("new revision opened")
        IMPORTED = "imported", _("imported from a workbook")
        COMMENTED = "commented", _("commented")

    record = models.UUIDField(db_index=True)
    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    actor = models.ForeignKey("auth.User", null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(_("reason or comment"), blank=True)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12, blank=True)
    version = models.PositiveIntegerField()
    without_second_reviewer = models.BooleanField(_("validated without a second reviewer"), default=False)
    changes = models.JSONField(default=dict, help_text="field -> [before, after]")
    snapshot = models.JSONField(default=dict, help_text="the whole revision after this step")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} by {self.actor} at {self.at:%Y-%m-%d %H:%M}"


class DataVersion(models.Model):
    """One row: counters bumped in the same transaction as every write readers could see.

    `public` moves when what anyone may read changes (a validation, a withdrawal, the framework,
    an organisation or a State); `private` moves on every write, drafts included. Caches of
    pages, figures and counts are keyed by these numbers and ETags are made from them, so a
    change is visible on the very next request and nothing cached is ever stale.
    See `commitments.dataversion`.
    """

    public = models.PositiveBigIntegerField(default=1)
    private = models.PositiveBigIntegerField(default=1)
    # Moves when the names a published record is exported with may change (an organisation, a
    # State, the framework or a reference list edited): export lines made before it are not used.
    labels = models.PositiveBigIntegerField(default=1)
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("data version")

    def __str__(self):
        return f"{self.public}/{self.private}"


class ApiTokenUse(models.Model):
    """When an API token was last used (DRF's Token has only its creation time). Written at most
    once a minute per token (commitments.api.authentication), so reads never turn into a write each."""

    token = models.OneToOneField("authtoken.Token", on_delete=models.CASCADE, related_name="use", primary_key=True)
    last_used_at = models.DateTimeField(_("last used"))

    class Meta:
        verbose_name = _("API token use")

    def __str__(self):
        return f"{self.token_id[:6]}… last used {self.last_used_at:%Y-%m-%d %H:%M}"


class PublishedRollup(models.Model):
    """Counts of published evidence by State or organisation kind and country, objective of the
    primary action, cycle and status: what the dashboards draw, in a few thousand rows instead
    of a scan of every record. Kept by `commitments.rollups` in the transaction of each write;
    `manage.py rebuild_rollups` recounts it from the evidence."""

    key = models.CharField(max_length=80, unique=True)
    member_state = models.ForeignKey(MemberState, null=True, on_delete=models.CASCADE, related_name="+")
    stakeholder_type = models.ForeignKey(StakeholderType, null=True, on_delete=models.CASCADE, related_name="+")
    country = models.ForeignKey(MemberState, null=True, on_delete=models.CASCADE, related_name="+")
    objective = models.PositiveSmallIntegerField()
    cycle = models.PositiveSmallIntegerField(null=True)
    status = models.CharField(max_length=12)
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("published evidence rollup")

    def __str__(self):
        return f"{self.key}: {self.n}"


class PrincipleRollup(models.Model):
    """Counts of published evidence applying each guiding principle, by State or organisation
    kind and country, cycle and status: the dashboards' principles chart for the filters the
    rollups answer, without joining every record to its principles (0.7 s at a million records).
    Kept with `PublishedRollup`, by the same writes and the same rebuild."""

    key = models.CharField(max_length=80, unique=True)
    member_state = models.ForeignKey(MemberState, null=True, on_delete=models.CASCADE, related_name="+")
    stakeholder_type = models.ForeignKey(StakeholderType, null=True, on_delete=models.CASCADE, related_name="+")
    country = models.ForeignKey(MemberState, null=True, on_delete=models.CASCADE, related_name="+")
    cycle = models.PositiveSmallIntegerField(null=True)
    status = models.CharField(max_length=12)
    principle = models.ForeignKey(GuidingPrinciple, on_delete=models.CASCADE, related_name="+")
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("guiding principles rollup")

    def __str__(self):
        return f"{self.key}: {self.n}"


class ExportLine(models.Model):
    """A published record as its line of the CSV export, written ahead (`commitments.exports`).

    A line is used only while it matches the record's `version`, the data version's `labels`
    and the export's column `layout`; otherwise the export writes that row from the record, as
    it does for drafts. Built by the pre-building task after each change; a cache: deleting
    every row loses nothing."""

    evidence = models.OneToOneField(Evidence, primary_key=True, on_delete=models.CASCADE, related_name="export_line")
    version = models.PositiveIntegerField()
    labels = models.PositiveBigIntegerField()
    layout = models.PositiveIntegerField()
    csv = models.TextField()

    class Meta:
        verbose_name = _("export line")

    def __str__(self):
        return f"{self.evidence_id} v{self.version}"
