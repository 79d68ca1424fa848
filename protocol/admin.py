from __future__ import annotations

from django.contrib import admin

from .models import Acknowledgement, Protocol, Reminder, Requirement, Section, SocialAccount, Version


class SectionInline(admin.StackedInline):
    model = Section
    extra = 0


@admin.register(Protocol)
class ProtocolAdmin(admin.ModelAdmin):
    list_display = ["title", "slug"]


@admin.register(Version)
class VersionAdmin(admin.ModelAdmin):
    """Read-only: versions are drafted and published through the portal's pages and services."""

    list_display = ["protocol", "number", "state", "change_kind", "published_at"]
    list_filter = ["state", "change_kind"]
    inlines = [SectionInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Acknowledgement)
class AcknowledgementAdmin(admin.ModelAdmin):
    """Append-only: no add, change or delete, not even here."""

    list_display = ["councillor", "version", "acknowledged_at", "method", "recorded_by"]
    list_filter = ["method", "version"]
    list_select_related = ["councillor", "version__protocol", "recorded_by"]
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Requirement)
class RequirementAdmin(admin.ModelAdmin):
    list_display = ["councillor", "version", "due_date", "met_at"]
    list_select_related = ["councillor", "version__protocol"]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["councillor", "version", "kind", "on_date", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["councillor", "version__protocol"]


@admin.register(SocialAccount)
class SocialAccountAdmin(admin.ModelAdmin):
    list_display = ["councillor", "platform", "handle", "use", "has_disclaimer"]
    list_select_related = ["councillor"]
