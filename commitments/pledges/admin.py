"""The admin reads plans and pledges; writes go through the pages and the API (services)."""

from django.contrib import admin

from .models import Event, NationalPlan, Pledge


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(NationalPlan)
class NationalPlanAdmin(ReadOnly):
    list_display = ["title", "member_state", "revision", "review_state", "is_published"]
    list_filter = ["review_state", "instrument"]
    search_fields = ["title", "member_state__name"]


@admin.register(Pledge)
class PledgeAdmin(ReadOnly):
    list_display = ["identifier", "title", "member_state", "organisation", "kind", "status", "review_state"]
    list_filter = ["kind", "status", "review_state", "occasion"]
    search_fields = ["identifier", "title"]


@admin.register(Event)
class EventAdmin(ReadOnly):
    list_display = ["kind", "plan", "pledge", "actor", "at"]
