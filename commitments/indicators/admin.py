from django.contrib import admin

from .models import ActionTarget, FrameworkItem, IndicatorFramework


@admin.register(IndicatorFramework)
class IndicatorFrameworkAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "version", "licence", "loaded_at"]
    readonly_fields = ["code", "name", "names", "version", "source", "source_url", "licence", "loaded_at"]

    def has_add_permission(self, request):
        return False  # frameworks come from files: manage.py load_indicator_framework

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FrameworkItem)
class FrameworkItemAdmin(admin.ModelAdmin):
    list_display = ["code", "kind", "framework", "retired"]
    list_filter = ["framework", "kind", "retired"]
    search_fields = ["code"]
    readonly_fields = [f.name for f in FrameworkItem._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ActionTarget)
class ActionTargetAdmin(admin.ModelAdmin):
    """The secretariat's mapping of actions to targets: add, annotate, switch off (never delete a default)."""

    list_display = ["action", "item", "basis", "is_default", "active", "source_note"]
    list_filter = ["basis", "is_default", "active", "item__framework"]
    list_editable = ["active"]
    autocomplete_fields = ["item"]
    search_fields = ["action__code", "item__code", "source_note"]

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.is_default

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # would delete defaults too: switch them off instead
        return actions
