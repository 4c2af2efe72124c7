"""The overview: is the oDAO's software mix safe now, how did it get here, what just happened."""

from diversity import charts
from diversity.views.mix import KINDS, active_members, current_shares, shares_over_time
from diversity.views.pages import network, render_page
from diversity.views.rounds import rounds_with_outcomes
from diversity.views.status import status_from_shares
from votes.models import Checkpoint, Round

LATEST_ROUNDS = 10
HISTORY_TABLE_POINTS = 14


def overview(request):
    name = network()
    shares = current_shares(name)
    history = {kind: shares_over_time(name, kind) for kind in KINDS}
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
    return render_page(
        request,
        "overview.html",
        {
            "status": status_from_shares(shares),
            "panels": panels,
            "latest_rounds": rounds_with_outcomes(name)[:LATEST_ROUNDS],
            "member_count": active_members(name).count(),
            "round_count": Round.objects.filter(network=name).count(),
            "checkpoint": Checkpoint.objects.filter(network=name).first(),
        },
    )
