"""The review cycle as data (cycles and their milestones) and compiled reports as snapshots.

`reporting.cycle.ensure_calendar()` derives cycles and milestones from the compact's rules
(paras 46, 49 (c), 50, 51); operators then set the actual dates in the admin, and those are
never overwritten. A `Report` is one compiled version of one report; once complete it is
immutable, and recompiling makes a new version.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReviewCycle(models.Model):
    """Cycle N runs from the day after IMRF N-1 closed (adoption, for cycle 1) to IMRF N's closing day."""

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), help_text=_("The IMRF's closing day as the rules give it (20 May of its year)."))
    imrf_start = models.DateField(_("IMRF opens"), null=True, blank=True, help_text=_("The Forum's actual first day."))
    imrf_end = models.DateField(
        _("IMRF closes"),
        null=True,
        blank=True,
        help_text=_("The Forum's actual closing day: the cycle ends on it and the next one starts the day after."),
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("review cycle")

    def __str__(self):
        return _("Cycle %(number)s (%(start)s to %(end)s)") % {
            "number": self.number,
            "start": self.start,
            "end": self.closes_on,
        }

    @property
    def closes_on(self):
        """The actual closing day if operators recorded it, else the rule's."""
        return self.imrf_end or self.end

    @property
    def imrf_year(self):
        return self.end.year


class Milestone(models.Model):
    """A dated step of the follow-up: an IMRF, a regional review, an SG report, a GFMD meeting."""

    class Kind(models.TextChoices):
        IMRF = "imrf", _("International Migration Review Forum")
        REGIONAL_REVIEW = "regional_review", _("Regional reviews")
        SG_REPORT = "sg_report", _("Report of the Secretary-General to the General Assembly")
        GFMD = "gfmd", _("Global Forum on Migration and Development")

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    date = models.DateField(_("date"), help_text=_("Computed from the rules; set the actual date when it is known."))
    data_cutoff = models.DateField(
        _("data cut-off"), help_text=_("Reports for this milestone use evidence validated before this day.")
    )
    paragraph = models.CharField(_("paragraph cited"), max_length=20)
    title = models.CharField(_("title"), max_length=200)

    class Meta:
        ordering = ["date", "kind"]
        verbose_name = _("milestone")
        constraints = [models.UniqueConstraint(fields=["kind", "year"], name="milestone_unique_kind_year")]

    def __str__(self):
        return self.display_title

    @property
    def display_title(self):
        """The title in the reader's language ("Rapport du Secrétaire général 2024"), not the stored one."""
        return self.title_for(self.kind, self.year) or self.title

    @staticmethod
    def title_for(kind, year):
        template = MILESTONE_TITLES.get(kind)
        return template % year if template else ""


# A milestone's title, rendered at display time (Milestone.title keeps the English one for the admin).
MILESTONE_TITLES = {
    Milestone.Kind.IMRF: _("International Migration Review Forum %s"),
    Milestone.Kind.REGIONAL_REVIEW: _("Regional reviews %s"),
    Milestone.Kind.SG_REPORT: _("Report of the Secretary-General %s"),
    Milestone.Kind.GFMD: _("Global Forum on Migration and Development %s"),
}


class ReportKind(models.TextChoices):
    NATIONAL = "national", _("National progress report")
    REGIONAL = "regional", _("Regional review report")
    GLOBAL = "global", _("Global biennial report")
    OBJECTIVE = "objective", _("Objective report")
    STAKEHOLDER = "stakeholder", _("Stakeholder contributions report")


class ReportQuerySet(models.QuerySet):
    def complete(self):
        return self.filter(status=Report.Status.COMPLETE)

    def delete(self):
        # Refused before Django opens its delete transaction (the pre_delete receiver below
        # catches cascades and anything else).
        raise ImmutableReport("Reports cannot be deleted: versions are never reused")


class ImmutableReport(Exception):
    """A complete report is a snapshot: it is never changed, only superseded by a new version."""


# A compiling worker beats at every stage (a few per report, seconds to minutes apart at a million
# records); silent for this long, it is taken for dead and the report is queued again.
HEARTBEAT_STALE = timedelta(minutes=10)


class Report(models.Model):
    """One compiled version of a report: scope, cycle, data cut-off, parameters and its files."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Compiling")
        COMPLETE = "complete", _("Complete")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=12, choices=ReportKind.choices)
    member_state = models.ForeignKey(
        "commitments.MemberState", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("Member State")
    )
    region = models.CharField(_("M49 region"), max_length=40, blank=True)
    objective = models.ForeignKey(
        "commitments.Objective", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("objective")
    )
    stakeholder_type = models.ForeignKey(
        "commitments.StakeholderType",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("stakeholder type"),
    )
    scope_key = models.CharField(_("scope"), max_length=60, editable=False)
    cycle = models.PositiveSmallIntegerField(_("review cycle"))
    data_cutoff = models.DateTimeField(_("data cut-off"))
    include_unpublished = models.BooleanField(_("includes unpublished records"), default=False)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    milestone = models.ForeignKey(Milestone, null=True, blank=True, on_delete=models.PROTECT, related_name="reports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scheduled = models.BooleanField(_("requested by the schedule"), default=False)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    error = models.TextField(_("error"), blank=True)
    version = models.PositiveIntegerField(_("version"))
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    # Handed to the broker (null: not yet, e.g. redis was down), and the compiling worker's last sign
    # of life: a run whose heartbeat is older than HEARTBEAT_STALE died with its worker.
    queued_at = models.DateTimeField(_("handed to the task service at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life of its compilation"), null=True, blank=True)
    # What its files were compiled from (reporting.reports.sameness): a later request whose data
    # has the same fingerprint is published with these files instead of compiling them again.
    data_fingerprint = models.CharField(_("data fingerprint"), max_length=64, blank=True, editable=False)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("report")
        constraints = [
            models.UniqueConstraint(fields=["kind", "scope_key", "cycle", "version"], name="report_unique_version"),
            # A milestone's report is claimed once, however often the schedule runs.
            models.UniqueConstraint(
                fields=["kind", "scope_key", "cycle", "milestone"],
                condition=models.Q(milestone__isnull=False),
                name="report_once_per_milestone",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "requested_at"], name="report_status_requested"),
            models.Index(
                fields=["kind", "scope_key", "cycle", "data_fingerprint"],
                condition=~models.Q(data_fingerprint=""),
                name="report_same_data",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.pk and Report.objects.filter(pk=self.pk, status=Report.Status.COMPLETE).exists():
            raise ImmutableReport(f"Report {self.pk} is complete and cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableReport(f"Report {self.pk} (version {self.version}) cannot be deleted: versions are never reused")

    def get_absolute_url(self):
        return reverse("reporting:report", args=[self.pk])

    @property
    def scope_label(self):
        if self.kind == ReportKind.NATIONAL:
            return self.member_state.name
        if self.kind == ReportKind.REGIONAL:
            return self.region
        if self.kind == ReportKind.OBJECTIVE:
            return _("Objective %(number)s") % {"number": self.objective.number}
        if self.kind == ReportKind.STAKEHOLDER and self.stakeholder_type_id:
            return self.stakeholder_type.name
        return _("All Member States and stakeholders")

    @property
    def title(self):
        return _("%(kind)s: %(scope)s, cycle %(cycle)s (version %(version)s)") % {
            "kind": self.get_kind_display(),
            "scope": self.scope_label,
            "cycle": self.cycle,
            "version": self.version,
        }

    @property
    def is_finished(self):
        return self.status in (self.Status.COMPLETE, self.Status.FAILED)

    @property
    def is_stalled(self):
        """Compiling, but its worker has given no sign of life for HEARTBEAT_STALE: it died."""
        if self.status != self.Status.RUNNING:
            return False
        last = self.heartbeat_at or self.started_at
        return last is not None and last < timezone.now() - HEARTBEAT_STALE


class ReportFileQuerySet(models.QuerySet):
    def delete(self):
        if self.filter(report__status=Report.Status.COMPLETE).exists():
            raise ImmutableReport("The files of a complete report cannot be deleted")
        return super().delete()


class ReportFile(models.Model):
    """One file of a complete report, under settings.REPORTS_ROOT (never served without a permission check)."""

    class Format(models.TextChoices):
        HTML = "html", _("Web page (HTML, works offline)")
        PDF = "pdf", _("PDF")
        XLSX = "xlsx", _("Workbook (XLSX)")
        DATA = "data", _("Data files (CSV and JSON, zip)")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="files")
    format = models.CharField(_("format"), max_length=6, choices=Format.choices)
    path = models.CharField(_("path"), max_length=300)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    objects = ReportFileQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["report", "format"], name="reportfile_unique_format")]

    def __str__(self):
        return self.path

    def save(self, *args, **kwargs):
        if Report.objects.filter(pk=self.report_id, status=Report.Status.COMPLETE).exists():
            raise ImmutableReport(f"Report {self.report_id} is complete: its files cannot change")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if Report.objects.filter(pk=self.report_id, status=Report.Status.COMPLETE).exists():
            raise ImmutableReport(f"Report {self.report_id} is complete: its files cannot be deleted")
        return super().delete(*args, **kwargs)

    @property
    def filename(self):
        return self.path.rsplit("/", 1)[-1]


# Reports are never deleted, by any route (the admin, its bulk action, a queryset, a cascade):
# a complete report is a snapshot others cite, and a failed or queued one holds its version
# number, which `request_report` computes from the rows that exist; deleting one would give the
# next compile the same number for different content. A pre_delete receiver sees every route.


@receiver(pre_delete, sender=Report)
def _never_delete_a_report(sender, instance, **kwargs):
    raise ImmutableReport(
        f"Report {instance.pk} (version {instance.version}) cannot be deleted: versions are never reused"
    )


@receiver(pre_delete, sender=ReportFile)
def _never_delete_a_complete_reports_file(sender, instance, **kwargs):
    # A compilation replaces the rows of its own unfinished report; a complete report's are final.
    if Report.objects.filter(pk=instance.report_id, status=Report.Status.COMPLETE).exists():
        raise ImmutableReport(f"Report {instance.report_id} is complete: its files cannot be deleted")


class ReportPart(models.Model):
    """One format of a report being compiled, by its own task in parallel with the others: its
    state for the report page's progress, and its file's size and checksum once written (the
    report is published only when every part is done)."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Writing")
        DONE = "done", _("Written")
        FAILED = "failed", _("Failed")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="parts")
    format = models.CharField(_("format"), max_length=6, choices=ReportFile.Format.choices)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.QUEUED)
    # The compile run (Report.started_at) this part belongs to: a stale run's parts are ignored.
    claimed_at = models.DateTimeField(_("compile run"))
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    size = models.PositiveBigIntegerField(_("size"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    seconds = models.FloatField(_("seconds"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["report", "format"], name="reportpart_unique_format")]

    def __str__(self):
        return f"{self.report_id} {self.format} {self.state}"


class ReminderLog(models.Model):
    """One reminder e-mail sent to one person on one day, so the daily task never sends it twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)
    summary = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="reminder_once_a_day")]

    def __str__(self):
        return f"{self.user} {self.day}"
