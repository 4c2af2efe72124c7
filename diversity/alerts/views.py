"""The alert history: every alert, open or resolved, and what was sent about it.

Public and read-only like the rest of the dashboard. Channel names and delivery errors are for
staff only; webhook URLs are never shown, not even masked, outside the admin.
"""

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render

from diversity.alerts.models import Alert, Delivery, Rule, Severity
from votes.page_cache import cached_page
from votes.state import ALERTS, CHAIN

PAGE_SIZE = 50
STATUS_FILTERS = ("open", "resolved")
SHOWN = (ALERTS, CHAIN)  # the alerts, and the header's account of the devnet


@cached_page(*SHOWN)
def alert_list(request):
    status = request.GET.get("status", "")
    severity = request.GET.get("severity", "")
    rule = request.GET.get("rule", "")
    alerts = Alert.objects.all()
    if status in STATUS_FILTERS:
        alerts = alerts.filter(status=status)
    if severity in Severity.values:
        alerts = alerts.filter(severity=severity)
    if rule in Rule.values:
        alerts = alerts.filter(rule=rule)
    page = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    open_counts = dict(
        Alert.objects.filter(status=Alert.Status.OPEN)
        .values_list("severity")
        .annotate(n=Count("id"))
        .values_list("severity", "n")
    )
    filters = {"status": status, "severity": severity, "rule": rule}
    query = "&".join(f"{name}={value}" for name, value in filters.items() if value)
    return render(
        request,
        "alerts/list.html",
        {
            "page": page,
            "filters": filters,
            "query": query,
            "network": settings.TOWERWATCH_NETWORK,
            "severities": Severity.choices,
            "rules": Rule.choices,
            "statuses": STATUS_FILTERS,
            "open_counts": [
                (label, open_counts.get(value, 0)) for value, label in reversed(Severity.choices)
            ],
        },
    )


@cached_page(*SHOWN)  # staff, who see the deliveries, are never served from the cache
def alert_detail(request, alert_id: int):
    alert = get_object_or_404(Alert, pk=alert_id)
    events = alert.events.annotate(
        delivered=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.DELIVERED)),
        failed=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.FAILED)),
        waiting=Count(
            "deliveries",
            filter=Q(deliveries__status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING]),
        ),
    )
    deliveries = None
    if request.user.is_staff:
        deliveries = (
            Delivery.objects.filter(events__alert=alert)
            .distinct()
            .select_related("channel")
            .prefetch_related("tries", "events")
            .order_by("created_at", "id")
        )
    return render(
        request,
        "alerts/detail.html",
        {
            "alert": alert,
            "events": events,
            "deliveries": deliveries,
            "network": settings.TOWERWATCH_NETWORK,
        },
    )
