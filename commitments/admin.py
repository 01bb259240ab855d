"""The admin: the framework and evidence read-only; organisations and people managed by the secretariat.

The framework changes only through fixtures and load_framework; evidence only through
commitments.services, so the admin shows it but cannot write it."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import (
    Action,
    Evidence,
    EvidenceEvent,
    GuidingPrinciple,
    Instrument,
    MemberState,
    Objective,
    Organisation,
    Paragraph,
    Profile,
    StakeholderType,
)


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


# --- Who reports: organisations and people (the secretariat manages them here) ------------------


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "acronym", "stakeholder_type", "country", "is_active"]
    list_filter = ["stakeholder_type", "is_active"]
    search_fields = ["name", "acronym"]
    autocomplete_fields = ["country"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    autocomplete_fields = ["member_state", "organisation"]
    verbose_name_plural = _("role in the monitor")


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class MonitorUserAdmin(UserAdmin):
    inlines = [ProfileInline]
    list_display = ["username", "email", "first_name", "last_name", "role", "entity", "is_active"]
    list_filter = ["profile__role", "is_active", "is_staff"]
    list_select_related = ["profile__member_state", "profile__organisation"]

    @admin.display(description=_("role"))
    def role(self, user):
        profile = getattr(user, "profile", None)
        return profile.get_role_display() if profile else "—"

    @admin.display(description=_("reports for"))
    def entity(self, user):
        profile = getattr(user, "profile", None)
        return (profile and profile.entity) or "—"


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "member_state", "organisation"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__email", "member_state__name", "organisation__name"]
    autocomplete_fields = ["user", "member_state", "organisation"]


class EvidenceEventInline(admin.TabularInline):
    model = EvidenceEvent
    fields = ["at", "kind", "actor", "from_state", "to_state", "version", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    """Read-only: evidence is written only through commitments.services (pages, API, import)."""

    list_display = ["title", "member_state", "organisation", "primary_action", "review_state", "is_published", "cycle"]
    list_filter = ["review_state", "is_published", "cycle", "status"]
    search_fields = ["title", "record"]
    list_select_related = ["member_state", "organisation", "primary_action"]
    inlines = [EvidenceEventInline]
