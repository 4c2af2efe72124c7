"""What a delivery says: its events, most pressing first, rendered once for every transport.

Each event is told as a headline (what changed, then the alert's title), its message and a link
to its alert page; the texts come from the templates in templates/alerts/notify/. A delivery of
several events is one message: its subject is the most pressing headline and how many more.
"""

from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from diversity.alerts.models import AlertEvent, Delivery, Severity

COLOURS = {  # Discord embed colours: accessible on dark and light themes
    Severity.INFO: 0x1C7ED6,
    Severity.WARNING: 0xF08C00,
    Severity.CRITICAL: 0xE03131,
    Severity.EMERGENCY: 0x862E9C,
    "resolved": 0x2F9E44,
}
Kind = AlertEvent.Kind


@dataclass
class Item:
    """One event as it is told."""

    event: AlertEvent
    label: str  # what changed: "CRITICAL, up from WARNING", "RESOLVED", ...
    link: str
    markdown: str  # Discord's description

    @property
    def headline(self) -> str:
        return f"{self.label}: {self.event.title}"

    @property
    def colour(self) -> int:
        if self.event.kind == Kind.RESOLVED:
            return COLOURS["resolved"]
        return COLOURS[self.event.severity]


@dataclass
class Notification:
    delivery: Delivery
    network: str
    items: list[Item]
    link: str  # the alert page of a single alert, else the alert history
    history: str  # the alert history
    subject: str
    text: str
    html: str

    @property
    def quiet(self) -> bool:
        return self.delivery.quiet


def label(event: AlertEvent) -> str:
    severity = event.severity.upper() + (", possible" if event.possible else "")
    if event.kind == Kind.TEST:
        return "TEST"
    if event.kind == Kind.RESOLVED:
        return "RESOLVED"
    if event.kind == Kind.REMINDER:
        return f"STILL {severity}"
    if event.kind in (Kind.ESCALATED, Kind.DEESCALATED):
        if event.previous_severity and event.previous_severity != event.severity:
            way = "up" if event.kind == Kind.ESCALATED else "down"
            return f"{severity}, {way} from {event.previous_severity.upper()}"
        return f"{event.severity.upper()}, now {event.certainty}"
    return severity


def pressing_first(events: list[AlertEvent]) -> list[AlertEvent]:
    """Bad news before good, then the most severe, then in the order they happened."""
    return sorted(
        events,
        key=lambda e: (e.kind in AlertEvent.QUIET, -Severity.rank(e.severity), e.at, e.id),
    )


def dashboard_url(path: str) -> str:
    return settings.TOWERWATCH_DASHBOARD_URL.rstrip("/") + path


def alert_link(event: AlertEvent) -> str:
    if event.alert_id is None:
        return dashboard_url(reverse("alerts:list"))
    return dashboard_url(reverse("alerts:detail", args=[event.alert_id]))


def render_notification(delivery: Delivery) -> Notification:
    events = pressing_first(list(delivery.events.all()))
    alert = next((e.alert for e in events if e.alert_id), None)
    network = alert.network if alert else settings.TOWERWATCH_NETWORK
    items = []
    for event in events:
        link = alert_link(event)
        context = {"event": event, "alert": event.alert, "link": link, "label": label(event)}
        items.append(Item(event, context["label"], link, _render("discord.md", context)))
    history = dashboard_url(reverse("alerts:list"))
    single = len({event.alert_id for event in events}) == 1
    link = items[0].link if single else history
    subject = f"[towerwatch {network}] {items[0].headline}"
    if len(items) > 1:
        subject += f" (+{len(items) - 1} more)"
    context = {"items": items, "network": network, "link": link, "history": history}
    return Notification(
        delivery,
        network,
        items,
        link,
        history,
        " ".join(subject.split()),
        _render("body.txt", context),
        _render("body.html", context),
    )


def _render(name: str, context: dict) -> str:
    return render_to_string(f"alerts/notify/{name}", context).strip()
