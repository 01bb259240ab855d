"""Admin: read-mostly. Reviews are written through the services and pages; versions never change."""

from django.contrib import admin

from .models import Contribution, ReviewFile, ReviewVersion, Section, VoluntaryReview


@admin.register(VoluntaryReview)
class VoluntaryReviewAdmin(admin.ModelAdmin):
    list_display = [
        "member_state",
        "milestone",
        "year",
        "language",
        "drafting",
        "finalising",
        "scheduled",
        "created_at",
    ]
    list_filter = ["language", "drafting", "finalising", "milestone__kind"]
    search_fields = ["member_state__name", "member_state__iso3"]
    readonly_fields = [f.name for f in VoluntaryReview._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["review", "kind", "objective", "version", "updated_at"]
    readonly_fields = [f.name for f in Section._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Contribution)
class ContributionAdmin(admin.ModelAdmin):
    list_display = ["section", "organisation", "decision", "submitted_at"]
    list_filter = ["decision"]
    readonly_fields = [f.name for f in Contribution._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a contribution is never dropped


class ReviewFileInline(admin.TabularInline):
    model = ReviewFile
    readonly_fields = ["format", "path", "size", "sha256"]
    extra = 0
    can_delete = False


@admin.register(ReviewVersion)
class ReviewVersionAdmin(admin.ModelAdmin):
    list_display = ["review", "number", "language", "finalised_at", "is_published"]
    list_filter = ["is_published", "language"]
    readonly_fields = [f.name for f in ReviewVersion._meta.fields]
    inlines = [ReviewFileInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
