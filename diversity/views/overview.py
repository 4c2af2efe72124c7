"""The overview: is the oDAO's software mix safe now, how did it get here, what just happened."""

from django.shortcuts import render

from diversity import charts
from diversity.alerts.lifecycle import open_alerts
from diversity.views.mix import active_members, mix_snapshot
from diversity.views.pages import network
from diversity.views.rounds import newest_rounds, with_outcomes
from diversity.views.status import share_rule_params, status_from_shares
from votes.models import Checkpoint, Round
from votes.page_cache import cached_page
from votes.state import PARTS

LATEST_ROUNDS = 10
OPEN_ALERTS = 10
HISTORY_TABLE_POINTS = 14


@cached_page(*PARTS)
def overview(request):
    name = network()
    snapshot = mix_snapshot(name)
    shares, history = snapshot.shares, snapshot.history
    colours = charts.colours_for(
        [row.implementation for kind in shares for row in kind.rows]
        + [impl for points in history.values() for p in points for impl in p.shares]
    )
    panels = [
        {
            "shares": kind,
            "bars": charts.share_bars(kind, colours),
            "area": charts.shares_area(history[kind.kind], kind.kind, colours),
            "recent": history[kind.kind][-HISTORY_TABLE_POINTS:],
            "names": sorted({n for p in history[kind.kind] for n in p.shares}),
        }
        for kind in shares
    ]
    alerts = open_alerts(name)
    return render(
        request,
        "overview.html",
        {
            "status": status_from_shares(name, shares, share_rule_params()),
            "panels": panels,
            "alerts": alerts[:OPEN_ALERTS],
            "open_alert_count": len(alerts),
            "latest_rounds": with_outcomes(newest_rounds(name)[:LATEST_ROUNDS]),
            "member_count": active_members(name).count(),
            "round_count": Round.objects.filter(network=name).count(),
            "checkpoint": Checkpoint.objects.filter(network=name).first(),
        },
    )
