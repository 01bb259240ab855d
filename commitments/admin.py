"""The framework is read-only in the admin: it changes only through fixtures and load_framework."""

from django.contrib import admin

from .models import Action, GuidingPrinciple, Instrument, MemberState, Objective, Paragraph, StakeholderType


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Instrument)
class InstrumentAdmin(ReadOnlyAdmin):
    list_display = ["symbol", "title", "adopted_on"]


@admin.register(GuidingPrinciple)
class GuidingPrincipleAdmin(ReadOnlyAdmin):
    list_display = ["letter", "name"]


@admin.register(Objective)
class ObjectiveAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "paragraph"]
    search_fields = ["title", "commitment"]


@admin.register(Action)
class ActionAdmin(ReadOnlyAdmin):
    list_display = ["code", "objective", "subheading"]
    list_filter = ["objective"]
    search_fields = ["code", "text"]


@admin.register(Paragraph)
class ParagraphAdmin(ReadOnlyAdmin):
    list_display = ["number", "section"]


@admin.register(MemberState)
class MemberStateAdmin(ReadOnlyAdmin):
    list_display = ["name", "iso3", "m49_code", "region", "subregion", "is_observer"]
    list_filter = ["region", "subregion", "is_observer"]
    search_fields = ["name", "iso3"]


@admin.register(StakeholderType)
class StakeholderTypeAdmin(ReadOnlyAdmin):
    list_display = ["name", "slug", "order"]
