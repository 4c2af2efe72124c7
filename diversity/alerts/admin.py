"""Admin for the alerts: channels with their subscriptions, rule thresholds, the alert history
and every delivery with its tries. A webhook URL is never put back into a form: the field is
empty with the masked URL as help, and left empty it keeps the stored one. Registered by
diversity/admin.py, which Django's admin autodiscovery imports."""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone

from diversity.alerts.models import (
    Alert,
    AlertEvent,
    Channel,
    Delivery,
    DeliveryAttempt,
    RuleSetting,
    Subscription,
)
from diversity.alerts.outbox import send_test
from diversity.alerts.rules import RULES, check_params
from diversity.alerts.tasks import dispatch


class ChannelForm(forms.ModelForm):
    target = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "size": 80}),
        help_text="Comma-separated email addresses, or the webhook URL (https only).",
    )
    secret = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="JSON webhooks only: the HMAC-SHA256 key. Empty keeps the current one, or "
        "generates one for a new channel (shown once after saving).",
    )

    class Meta:
        model = Channel
        fields = ["name", "kind", "target", "secret", "enabled", "min_severity", "renotify_hours"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        channel = self.instance
        if channel.pk and channel.is_webhook:
            self.initial["target"] = ""
            self.fields["target"].help_text = (
                f"Stored: {channel.masked_target}. Leave empty to keep it; type a new URL to "
                "replace it."
            )
        self.initial["secret"] = ""

    def clean_target(self) -> str:
        value = self.cleaned_data["target"].strip()
        if not value and self.instance.pk:
            return self.instance.target
        if not value:
            raise forms.ValidationError("This field is required.")
        return value

    def clean_secret(self) -> str:
        return self.cleaned_data["secret"] or (self.instance.secret if self.instance.pk else "")


class SubscriptionInline(admin.TabularInline):
    model = Subscription
    extra = 1


@admin.action(description="Send a test notification")
def send_test_notification(modeladmin, request, queryset):
    deliveries = [send_test(channel, queue=dispatch) for channel in queryset]
    modeladmin.message_user(
        request, f"Queued {len(deliveries)} test notification(s); see Deliveries for the result."
    )


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    form = ChannelForm
    inlines = [SubscriptionInline]
    list_display = [
        "name",
        "kind",
        "masked_target",
        "enabled",
        "min_severity",
        "renotify_hours",
        "subscription_summary",
    ]
    list_filter = ["kind", "enabled"]
    actions = [send_test_notification]

    @admin.display(description="Subscriptions")
    def subscription_summary(self, channel: Channel) -> str:
        return "; ".join(str(sub) for sub in channel.subscriptions.all()) or "none: hears nothing"

    def save_model(self, request, obj, form, change):
        new_secret = obj.kind == Channel.Kind.WEBHOOK and not obj.secret
        super().save_model(request, obj, form, change)
        if new_secret:
            messages.warning(
                request,
                f"Signing secret of {obj.name}: {obj.secret} (copy it now: it is not shown again).",
            )


class RuleSettingForm(forms.ModelForm):
    class Meta:
        model = RuleSetting
        fields = ["rule", "enabled", "params"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("rule"):
            try:
                check_params(cleaned["rule"], cleaned.get("params") or {})
            except ValueError as error:
                self.add_error("params", str(error))
        return cleaned


@admin.register(RuleSetting)
class RuleSettingAdmin(admin.ModelAdmin):
    form = RuleSettingForm
    list_display = ["rule", "enabled", "params"]
    readonly_fields = ["defaults"]
    fields = ["rule", "enabled", "params", "defaults"]

    @admin.display(description="Defaults")
    def defaults(self, setting: RuleSetting) -> str:
        return str(RULES[setting.rule].defaults) if setting.rule in RULES else "-"


class AlertEventInline(admin.TabularInline):
    model = AlertEvent
    extra = 0
    can_delete = False
    fields = ["at", "kind", "severity", "certainty", "previous_severity", "title", "message"]
    readonly_fields = fields


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "severity",
        "certainty",
        "status",
        "rule",
        "network",
        "opened_at",
        "resolved_at",
    ]
    list_filter = ["status", "severity", "certainty", "rule", "network"]
    search_fields = ["title", "key", "message"]
    inlines = [AlertEventInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Alert._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ["number", "at", "outcome", "response_code", "retry_after", "duration_ms", "error"]
    readonly_fields = fields


@admin.action(description="Try again now")
def retry_now(modeladmin, request, queryset):
    ids = list(queryset.exclude(status=Delivery.Status.DELIVERED).values_list("id", flat=True))
    Delivery.objects.filter(id__in=ids).update(
        status=Delivery.Status.PENDING, next_attempt_at=timezone.now(), claimed_until=None
    )
    modeladmin.message_user(request, f"Queued {dispatch(ids)} of {len(ids)} deliveries.")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "summary",
        "channel",
        "quiet",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "quiet", "channel"]
    inlines = [DeliveryAttemptInline]
    actions = [retry_now]
    list_select_related = ["channel"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("events")

    @admin.display(description="Changes")
    def summary(self, delivery: Delivery) -> str:
        return "; ".join(str(event) for event in delivery.events.all())

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Delivery._meta.fields] + ["summary"]

    def get_exclude(self, request, obj=None):
        return ["events"]

    def has_add_permission(self, request) -> bool:
        return False
