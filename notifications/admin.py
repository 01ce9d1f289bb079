from django.contrib import admin

from .models import Delivery, DigestRun, WebhookDelivery


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Read-only: a delivery is evidence of what the product told whom, never edited by hand."""

    list_display = ("created_at", "kind", "to_email", "subject", "status", "attempts", "takeovers", "sent_at")
    list_filter = ("kind", "status")
    search_fields = ("key", "to_email", "subject", "message_id")
    date_hierarchy = "created_at"
    list_select_related = ("recipient",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DigestRun)
class DigestRunAdmin(admin.ModelAdmin):
    """Read-only: how far each week's digest got, and whether the sweep had to finish it."""

    list_display = ("week", "day", "started_at", "finished_at", "done_up_to", "resumed")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """Read-only: what left the system for another one, never edited by hand (kept on the
    product's own pages too: Webhooks → Delivery log)."""

    list_display = ("created_at", "endpoint", "event", "status", "attempts", "response_code", "delivered_at")
    list_filter = ("status", "event")
    search_fields = ("event_id", "event")
    list_select_related = ("endpoint",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
