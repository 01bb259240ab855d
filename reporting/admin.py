"""Admin: operators set the actual dates of cycles and milestones; reports are read-only snapshots."""

from django.contrib import admin

from .cycle import ensure_calendar
from .models import Milestone, ReminderLog, Report, ReportFile, ReviewCycle


class MilestoneInline(admin.TabularInline):
    model = Milestone
    fields = ["kind", "year", "title", "date", "data_cutoff", "paragraph"]
    readonly_fields = ["kind", "year", "paragraph"]
    extra = 0
    can_delete = False


@admin.register(ReviewCycle)
class ReviewCycleAdmin(admin.ModelAdmin):
    list_display = ["number", "start", "end", "imrf_start", "imrf_end"]
    readonly_fields = ["number", "start", "end"]
    fields = ["number", "start", "end", "imrf_start", "imrf_end", "notes"]
    inlines = [MilestoneInline]

    def has_add_permission(self, request):
        return False  # cycles come from the rules (ensure_calendar)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # An actual closing day moves the next cycle's start and the milestones around it.
        ensure_calendar()


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "year", "date", "data_cutoff", "cycle"]
    list_filter = ["kind", "cycle"]
    readonly_fields = ["cycle", "kind", "year", "paragraph"]
    fields = ["kind", "year", "cycle", "paragraph", "title", "date", "data_cutoff"]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        ensure_calendar()


class ReportFileInline(admin.TabularInline):
    model = ReportFile
    fields = ["format", "path", "size", "sha256"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Snapshots: nothing here can be changed or deleted (also removes the bulk "Delete selected")."""

    list_display = ["__str__", "kind", "scope_key", "cycle", "version", "status", "requested_at"]
    list_filter = ["kind", "status", "cycle"]
    inlines = [ReportFileInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Report._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # versions are never deleted nor reused (reporting.models)


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    list_display = ["user", "day", "sent_at"]
    readonly_fields = ["user", "day", "sent_at", "summary"]

    def has_add_permission(self, request):
        return False
