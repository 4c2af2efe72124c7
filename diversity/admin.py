"""Admin for the diversity side. Declarations, assignments and verdicts are facts derived from
signatures and the chain, so they are view-only here; alert channels and rules are managed in
diversity/alerts/admin.py, imported here because Django's autodiscovery only reads this module."""

from django.contrib import admin

from diversity.alerts import admin as alerts_admin  # noqa: F401  (channels, rules, deliveries)
from diversity.models import (
    Assignment,
    Declaration,
    DeclarationRejection,
    Disagreement,
    Implementation,
    Verdict,
)


class ViewOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Implementation)
class ImplementationAdmin(admin.ModelAdmin):
    list_display = ("kind", "name", "version", "source")
    list_filter = ("kind",)


@admin.register(Declaration)
class DeclarationAdmin(ViewOnlyAdmin):
    list_display = ("member", "watchtower", "treegen", "declared_at", "received_at")
    list_select_related = ("member", "watchtower", "treegen")


@admin.register(DeclarationRejection)
class DeclarationRejectionAdmin(ViewOnlyAdmin):
    list_display = ("network", "reason", "received_at")
    list_filter = ("reason",)


@admin.register(Assignment)
class AssignmentAdmin(ViewOnlyAdmin):
    list_display = ("member", "kind", "as_of", "implementation", "source", "confidence", "flags")
    list_filter = ("kind", "source")
    list_select_related = ("member", "implementation")


@admin.register(Verdict)
class VerdictAdmin(ViewOnlyAdmin):
    list_display = ("round", "outcome", "source", "computed_at")
    list_filter = ("outcome", "round__duty")
    list_select_related = ("round",)


@admin.register(Disagreement)
class DisagreementAdmin(ViewOnlyAdmin):
    list_display = ("verdict", "member", "watchtower", "field", "difference", "relative_ppm")
    list_select_related = ("verdict__round", "member")
