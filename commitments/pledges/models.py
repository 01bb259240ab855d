"""What States and stakeholders commit to themselves: national implementation plans and pledges.

A national implementation plan (para 53) is a State's own priorities. Like evidence, a plan is
a chain of revisions sharing `record`: the validated revision is public while a revised one goes
through review, and superseded revisions stay readable. Its plan items carry a `key` shared by
the same item across revisions, so evidence linked to an item stays linked when the plan is revised.

A pledge is a concrete, measurable commitment made by a State or an organisation, often for a
Forum, alone, in common with partners (each confirming its own participation) or matching
another pledge. Its identifier (GCM-P-2026-000123) is assigned once and never changes.

Owners set the status of plan items and pledges (pledged / under way / fulfilled / not
pursued) with a reason; it is shown beside what the linked evidence says, never inferred.
Every write goes through `commitments.pledges.services`.
"""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from commitments.models import Action, Evidence, MemberState, Objective, Organisation

ReviewState = Evidence.ReviewState


class OwnerStatus(models.TextChoices):
    PLEDGED = "pledged", _("Pledged")
    UNDER_WAY = "under_way", _("Under way")
    FULFILLED = "fulfilled", _("Fulfilled")
    NOT_PURSUED = "not_pursued", _("Not pursued")


class Reviewed(models.Model):
    """The review workflow's columns, shared by plans and pledges (same states as evidence)."""

    review_state = models.CharField(
        _("review state"), max_length=12, choices=ReviewState.choices, default=ReviewState.DRAFT, editable=False
    )
    is_published = models.BooleanField(_("published"), default=False, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_by = models.ForeignKey("auth.User", null=True, on_delete=models.SET_NULL, related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    validated_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    validated_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)

    class Meta:
        abstract = True

    @property
    def is_editable(self):
        return self.review_state in (ReviewState.DRAFT, ReviewState.RETURNED)

    @property
    def entity(self):
        return self.member_state or getattr(self, "organisation", None)


class Target(models.Model):
    """A measurable target: what, how much, by when; and the owner's status with its reason."""

    target_what = models.CharField(_("target: what"), max_length=300, blank=True)
    target_amount = models.CharField(_("target: how much"), max_length=100, blank=True)
    target_date = models.DateField(_("target: by when"), null=True, blank=True, db_index=True)
    status = models.CharField(
        _("status (set by the owner)"), max_length=12, choices=OwnerStatus.choices, default=OwnerStatus.PLEDGED
    )
    status_reason = models.TextField(_("reason for the status"), blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True


class NationalPlan(Reviewed):
    """One revision of a State's national implementation plan (para 53)."""

    class Instrument(models.TextChoices):
        DECREE = "decree", _("Decree")
        STRATEGY = "strategy", _("Strategy")
        LAW = "law", _("Law")
        ACTION_PLAN = "action_plan", _("Action plan")
        OTHER = "other", _("Other")

    record = models.UUIDField(_("plan"), db_index=True, editable=False)
    revision = models.PositiveSmallIntegerField(_("version of the plan"), default=1, editable=False)
    member_state = models.ForeignKey(
        MemberState, on_delete=models.PROTECT, related_name="plans", editable=False, verbose_name=_("Member State")
    )
    title = models.CharField(_("title"), max_length=300)
    adopted_on = models.DateField(_("adoption date"), null=True, blank=True)
    instrument = models.CharField(_("instrument"), max_length=12, choices=Instrument.choices)
    period_start = models.DateField(_("period: from"), null=True, blank=True)
    period_end = models.DateField(_("period: to"), null=True, blank=True)
    document_url = models.URLField(_("link to the document"), max_length=500, blank=True)
    document = models.FileField(upload_to="plans/", max_length=200, blank=True, editable=False)
    document_name = models.CharField(max_length=255, blank=True, editable=False)
    document_type = models.CharField(max_length=100, blank=True, editable=False)
    document_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    lead_institution = models.CharField(_("lead institution"), max_length=300, blank=True)
    contributing_institutions = models.TextField(_("contributing institutions"), blank=True, help_text=_("One a line."))

    class Meta:
        ordering = ["member_state__name", "-revision"]
        verbose_name = _("national implementation plan")
        constraints = [
            models.UniqueConstraint(fields=["record", "revision"], name="plan_unique_revision"),
            models.UniqueConstraint(
                fields=["record"], condition=models.Q(is_published=True), name="plan_one_published_revision"
            ),
        ]
        indexes = [models.Index(fields=["member_state", "is_published"], name="plan_state_pub")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("pledges:plan", args=[self.record])

    @property
    def institutions(self):
        return [line.strip() for line in self.contributing_institutions.splitlines() if line.strip()]


class PlanItem(Target):
    """One priority of a plan revision; `key` is the same item across the plan's revisions."""

    plan = models.ForeignKey(NationalPlan, on_delete=models.CASCADE, related_name="items")
    key = models.UUIDField(db_index=True, editable=False)
    order = models.PositiveSmallIntegerField(default=0)
    priority = models.CharField(_("priority"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    objectives = models.ManyToManyField(Objective, blank=True, related_name="+", verbose_name=_("objectives"))
    actions = models.ManyToManyField(Action, blank=True, related_name="+", verbose_name=_("actions"))
    responsible_institution = models.CharField(_("responsible institution"), max_length=300, blank=True)
    budget = models.DecimalField(_("budget"), max_digits=16, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True, help_text=_("ISO 4217, e.g. EUR."))

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("plan item")
        constraints = [models.UniqueConstraint(fields=["plan", "key"], name="plan_item_unique_key")]

    def __str__(self):
        return self.priority

    def get_absolute_url(self):
        return f"{self.plan.get_absolute_url()}#item-{self.key}"


class Pledge(Reviewed, Target):
    """A pledge by a State or an organisation, with its stable identifier."""

    class Kind(models.TextChoices):
        FINANCIAL = "financial", _("Financial")
        HUMAN_RESOURCES = "human_resources", _("Human resources")
        PROCESS = "process", _("Process")
        POLICY = "policy", _("Policy")

    identifier = models.CharField(_("identifier"), max_length=20, unique=True, null=True, editable=False)
    member_state = models.ForeignKey(
        MemberState, null=True, blank=True, on_delete=models.PROTECT, related_name="pledges", editable=False
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="pledges", editable=False
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"))
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    objectives = models.ManyToManyField(Objective, blank=True, related_name="+", verbose_name=_("objectives"))
    actions = models.ManyToManyField(Action, blank=True, related_name="+", verbose_name=_("actions"))
    occasion = models.CharField(_("occasion"), max_length=40, blank=True, help_text=_("e.g. IMRF 2026"))
    matches = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="matched_by",
        verbose_name=_("matching pledge: answers"),
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("pledge")
        constraints = [
            models.CheckConstraint(
                name="pledge_one_entity",
                condition=models.Q(member_state__isnull=False, organisation__isnull=True)
                | models.Q(member_state__isnull=True, organisation__isnull=False),
            )
        ]
        indexes = [
            models.Index(fields=["is_published", "kind"], name="pledge_pub_kind"),
            models.Index(fields=["member_state", "review_state"], name="pledge_state_review"),
            models.Index(fields=["organisation", "review_state"], name="pledge_org_review"),
        ]

    def __str__(self):
        return f"{self.identifier} {self.title}" if self.identifier else self.title

    def get_absolute_url(self):
        return reverse("pledges:pledge", args=[self.identifier])


class PledgePartner(models.Model):
    """An entity named as a partner of a common pledge; it confirms (or declines) for itself."""

    class Answer(models.TextChoices):
        INVITED = "invited", _("Invited, not yet confirmed")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="partners")
    member_state = models.ForeignKey(MemberState, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(_("participation"), max_length=10, choices=Answer.choices, default=Answer.INVITED)
    answered_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("pledge partner")
        constraints = [
            models.CheckConstraint(
                name="pledge_partner_one_entity",
                condition=models.Q(member_state__isnull=False, organisation__isnull=True)
                | models.Q(member_state__isnull=True, organisation__isnull=False),
            ),
            models.UniqueConstraint(fields=["pledge", "member_state"], name="pledge_partner_unique_state"),
            models.UniqueConstraint(fields=["pledge", "organisation"], name="pledge_partner_unique_org"),
        ]

    def __str__(self):
        return str(self.entity)

    @property
    def entity(self):
        return self.member_state or self.organisation


class Event(models.Model):
    """One step in a plan's or a pledge's history: who, when, what changed (field by field) and why."""

    class Kind(models.TextChoices):
        CREATED = "created", _("created")
        EDITED = "edited", _("edited")
        SUBMITTED = "submitted", _("submitted")
        RETURNED = "returned", _("returned")
        VALIDATED = "validated", _("validated")
        WITHDRAWN = "withdrawn", _("withdrawn")
        REOPENED = "reopened", _("new version opened")
        STATUS = "status", _("status changed")
        PARTNER = "partner", _("partner answered")
        IMPORTED = "imported", _("imported from a workbook")

    plan = models.ForeignKey(NationalPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    pledge = models.ForeignKey(Pledge, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    actor = models.ForeignKey("auth.User", null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(_("reason or comment"), blank=True)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12, blank=True)
    version = models.PositiveIntegerField()
    changes = models.JSONField(default=dict)
    snapshot = models.JSONField(default=dict)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                name="pledges_event_one_subject",
                condition=models.Q(plan__isnull=False, pledge__isnull=True)
                | models.Q(plan__isnull=True, pledge__isnull=False),
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} by {self.actor} at {self.at:%Y-%m-%d %H:%M}"


class Delivery(models.Model):
    """An evidence revision says it delivers on a plan item or a pledge (one of the two)."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="deliveries")
    plan_item = models.ForeignKey(PlanItem, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries")
    pledge = models.ForeignKey(Pledge, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries")
    # The plan item's key, so a revised plan's item finds the evidence linked to its earlier version.
    item_key = models.UUIDField(null=True, blank=True, db_index=True, editable=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("evidence delivering on a commitment")
        constraints = [
            models.CheckConstraint(
                name="delivery_one_target",
                condition=models.Q(plan_item__isnull=False, pledge__isnull=True)
                | models.Q(plan_item__isnull=True, pledge__isnull=False),
            ),
            models.UniqueConstraint(fields=["evidence", "plan_item"], name="delivery_unique_item"),
            models.UniqueConstraint(fields=["evidence", "pledge"], name="delivery_unique_pledge"),
        ]

    def __str__(self):
        return f"{self.evidence} -> {self.target}"

    @property
    def target(self):
        return self.plan_item or self.pledge
