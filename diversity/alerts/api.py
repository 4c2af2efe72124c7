"""REST API of the alerts: the history is public; channels, subscriptions, rule settings and
deliveries are for staff. A webhook URL is write-only: responses carry `target_masked`. A JSON
webhook's signing secret is returned once, in the response that created the channel."""

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

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
from votes.page_cache import CachedByState
from votes.state import ALERTS


class AlertEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AlertEvent
        fields = ["kind", "at", "severity", "certainty", "previous_severity", "title", "message"]


class AlertSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = [
            "id",
            "network",
            "rule",
            "key",
            "severity",
            "certainty",
            "status",
            "title",
            "message",
            "details",
            "opened_at",
            "last_seen_at",
            "resolved_at",
            "evaluations",
            "url",
        ]

    def get_url(self, alert: Alert) -> str:
        return settings.TOWERWATCH_DASHBOARD_URL.rstrip("/") + reverse(
            "alerts:detail", args=[alert.id]
        )


class AlertDetailSerializer(AlertSerializer):
    events = AlertEventSerializer(many=True, read_only=True)

    class Meta(AlertSerializer.Meta):
        fields = [*AlertSerializer.Meta.fields, "events"]


class AlertViewSet(CachedByState, viewsets.ReadOnlyModelViewSet):
    """Every alert, newest first; filter by status, severity, certainty, rule or network."""

    state_parts = (ALERTS,)

    queryset = Alert.objects.all()
    filterset_fields = ["status", "severity", "certainty", "rule", "network"]

    def get_serializer_class(self):
        return AlertDetailSerializer if self.action == "retrieve" else AlertSerializer


class SubscriptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Subscription
        fields = ["id", "channel", "rule", "min_severity"]


class ChannelSerializer(serializers.ModelSerializer):
    target = serializers.CharField(write_only=True, help_text="email addresses or webhook URL")
    target_masked = serializers.CharField(source="masked_target", read_only=True)
    secret = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        help_text="HMAC key of a JSON webhook; generated if empty",
    )
    subscriptions = SubscriptionSerializer(many=True, read_only=True)

    class Meta:
        model = Channel
        fields = [
            "id",
            "name",
            "kind",
            "target",
            "target_masked",
            "secret",
            "enabled",
            "min_severity",
            "renotify_hours",
            "created_at",
            "subscriptions",
        ]

    def validate(self, attrs):
        channel = Channel(**{**self._current(), **attrs})
        try:
            channel.clean()
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from error
        return attrs

    def _current(self) -> dict:
        if self.instance is None:
            return {}
        return {
            "name": self.instance.name,
            "kind": self.instance.kind,
            "target": self.instance.target,
            "enabled": self.instance.enabled,
            "min_severity": self.instance.min_severity,
            "renotify_hours": self.instance.renotify_hours,
        }


class ChannelViewSet(viewsets.ModelViewSet):
    queryset = Channel.objects.prefetch_related("subscriptions")
    serializer_class = ChannelSerializer
    permission_classes = [permissions.IsAdminUser]

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        channel = Channel.objects.get(pk=response.data["id"])
        if channel.kind == Channel.Kind.WEBHOOK:
            response.data["signing_secret"] = channel.secret  # shown this once
        return response

    @action(detail=True, methods=["post"])
    def test(self, request, pk=None, format=None):
        """Send a test notification to this channel now (through the delivery outbox)."""
        delivery = send_test(self.get_object(), queue=dispatch)
        return Response({"delivery": delivery.id}, status=status.HTTP_202_ACCEPTED)


class SubscriptionViewSet(viewsets.ModelViewSet):
    queryset = Subscription.objects.select_related("channel").order_by("id")
    serializer_class = SubscriptionSerializer
    permission_classes = [permissions.IsAdminUser]


class RuleSettingSerializer(serializers.ModelSerializer):
    defaults = serializers.SerializerMethodField()

    class Meta:
        model = RuleSetting
        fields = ["id", "rule", "enabled", "params", "defaults"]

    def get_defaults(self, setting: RuleSetting) -> dict:
        return RULES[setting.rule].defaults

    def validate(self, attrs):
        rule = attrs.get("rule", getattr(self.instance, "rule", None))
        try:
            check_params(rule, attrs.get("params", getattr(self.instance, "params", {})) or {})
        except ValueError as error:
            raise serializers.ValidationError({"params": str(error)}) from error
        return attrs


class RuleSettingViewSet(viewsets.ModelViewSet):
    queryset = RuleSetting.objects.all()
    serializer_class = RuleSettingSerializer
    permission_classes = [permissions.IsAdminUser]


class DeliveryAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["number", "at", "duration_ms", "outcome", "response_code", "error", "retry_after"]


class DeliverySerializer(serializers.ModelSerializer):
    channel_name = serializers.CharField(source="channel.name", read_only=True)
    channel_target = serializers.CharField(source="channel.masked_target", read_only=True)
    events = AlertEventSerializer(many=True, read_only=True)
    alerts = serializers.SerializerMethodField()
    tries = DeliveryAttemptSerializer(many=True, read_only=True)

    def get_alerts(self, delivery: Delivery) -> list[int]:
        return sorted({event.alert_id for event in delivery.events.all() if event.alert_id})

    class Meta:
        model = Delivery
        fields = [
            "id",
            "uuid",
            "alerts",
            "events",
            "channel",
            "channel_name",
            "channel_target",
            "status",
            "quiet",
            "attempts",
            "next_attempt_at",
            "delivered_at",
            "last_error",
            "tries",
        ]


class DeliveryViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Delivery.objects.select_related("channel").prefetch_related("events", "tries")
    serializer_class = DeliverySerializer
    permission_classes = [permissions.IsAdminUser]
    filterset_fields = ["status", "channel"]


def register_routes(router) -> None:
    router.register("alerts", AlertViewSet, basename="alert")
    router.register("alert-channels", ChannelViewSet, basename="alert-channel")
    router.register("alert-subscriptions", SubscriptionViewSet, basename="alert-subscription")
    router.register("alert-rules", RuleSettingViewSet, basename="alert-rule")
    router.register("alert-deliveries", DeliveryViewSet, basename="alert-delivery")
