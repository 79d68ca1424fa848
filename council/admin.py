from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    AuditEntry,
    Authority,
    Committee,
    CommitteeMembership,
    Councillor,
    Invitation,
    OutboundEmail,
    PoliticalGroup,
    TermOfOffice,
    User,
    Ward,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password", "full_name")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),)
    filter_horizontal = ("groups",)


@admin.register(Authority)
class AuthorityAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "nation", "principal"]
    # The principal council may be blank, so the admin's own select_related() would skip it.
    list_select_related = ["principal"]
    list_filter = ["kind", "nation"]
    prepopulated_fields = {"slug": ["name"]}


class TermInline(admin.TabularInline):
    model = TermOfOffice
    extra = 0


@admin.register(Councillor)
class CouncillorAdmin(SimpleHistoryAdmin):
    list_display = ["name", "authority", "ward", "political_group", "is_active"]
    list_filter = ["authority", "is_active"]
    search_fields = ["name", "email"]
    list_select_related = ["authority", "ward", "political_group"]
    inlines = [TermInline]


class MembershipInline(admin.TabularInline):
    model = CommitteeMembership
    extra = 0
    autocomplete_fields = ["councillor"]


@admin.register(Committee)
class CommitteeAdmin(admin.ModelAdmin):
    list_display = ["name", "authority", "is_regulatory"]
    list_filter = ["authority", "is_regulatory"]
    inlines = [MembershipInline]


admin.site.register(Ward)
admin.site.register(PoliticalGroup)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "summary"]
    list_filter = ["action"]
    # The actor may be blank, so the admin's own select_related() would skip it: a query per row.
    list_select_related = ["actor"]


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status"]
    exclude = ["body_html"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["email", "created_at", "expires_at", "accepted_at", "revoked_at"]
    exclude = ["token_hash"]


admin.site.site_header = "Member portal administration"
