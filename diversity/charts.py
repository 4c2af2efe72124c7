"""Plotly figures as plain JSON-ready dicts, drawn in the page by the local plotly.min.js.

Figures are built as dicts rather than plotly.graph_objects: the objects validate every property
on construction, which costs tens of milliseconds per figure and would dominate a page's time.
The tests pass each figure through plotly.graph_objects.Figure to keep the dicts valid.

Colours are the Okabe-Ito palette (distinguishable with the common colour-vision deficiencies),
and every chart carries text labels or a legend, so colour is never the only cue. Text that came
from the chain or from a declaration goes through `plain()`: Plotly renders a small subset of
HTML in labels, and a member ID must show as the characters it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from diversity.planner import MixOutcome
    from diversity.views.mix import KindShares, SharePoint

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
UNKNOWN_COLOUR = "#BBBBBB"
DUTY_SYMBOLS = {
    "balances": "circle",
    "prices": "diamond",
    "rewards": "square",
    "scrub": "triangle-up",
    "penalty": "x",
    "megapool_penalty": "cross",
}
FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13}


def plain(text: str) -> str:
    """Text Plotly will show as-is: no tags it could interpret."""
    return str(text).replace("<", "\u2039").replace(">", "\u203a")


def colours_for(names: Iterable[str]) -> dict[str, str]:
    """A stable colour per implementation: the palette in the order of the sorted names."""
    return {name: OKABE_ITO[i % len(OKABE_ITO)] for i, name in enumerate(sorted(set(names)))}


def _layout(**extra) -> dict:
    layout = {
        "font": FONT,
        "margin": {"l": 10, "r": 10, "t": 30, "b": 40},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "autosize": True,
    }
    layout.update(extra)
    for axis in ("xaxis", "yaxis"):
        layout[axis] = {"automargin": True, **layout.get(axis, {})}
    return layout


def _vline(x: float, label: str, dash: str, anchor: str) -> tuple[dict, dict]:
    """A labelled vertical line across the plot, the label above it on the `anchor` side."""
    line = {"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x, "y0": 0, "y1": 1}
    line["line"] = {"color": "#333", "width": 1.5, "dash": dash}
    note = {"xref": "x", "yref": "paper", "x": x, "y": 1, "yanchor": "bottom", "text": label}
    note.update(showarrow=False, xanchor=anchor, font={"size": 11})
    return line, note


def _hline(y: float, label: str) -> tuple[dict, dict]:
    """A labelled dashed horizontal line across the plot."""
    line = {"type": "line", "xref": "paper", "yref": "y", "x0": 0, "x1": 1, "y0": y, "y1": y}
    line["line"] = {"color": "#333", "width": 1.5, "dash": "dash"}
    note = {"xref": "paper", "yref": "y", "x": 0, "y": y, "xanchor": "left", "yanchor": "bottom"}
    note.update(text=label, showarrow=False, font={"size": 11})
    return line, note


def _share_lines(threshold: float) -> tuple[list, list]:
    """Vertical lines at 50% and at the consensus threshold, labelled (not colour alone)."""
    half = _vline(50, "50% ", "dash", "right")
    finality = _vline(threshold * 100, f" threshold {threshold:.0%}", "solid", "left")
    return [half[0], finality[0]], [half[1], finality[1]]


def _empty(message: str, height: int = 220) -> dict:
    note = {
        "text": message,
        "showarrow": False,
        "xref": "paper",
        "yref": "paper",
        "x": 0.5,
        "y": 0.5,
        "font": {"size": 14},
    }
    hidden = {"visible": False}
    return {
        "data": [],
        "layout": _layout(height=height, xaxis=hidden, yaxis=hidden, annotations=[note]),
    }


def share_bars(shares: KindShares, colours: dict[str, str]) -> dict:
    """Current shares of one kind: a bar per implementation with its lower-upper range."""
    if not shares.has_data:
        return _empty(
            f"No {shares.kind} implementation is known yet "
            f"({shares.unknown} of {shares.members} members unknown)"
        )
    rows = list(reversed(shares.rows))  # Plotly draws the first category at the bottom
    trace = {
        "type": "bar",
        "orientation": "h",
        "y": [
            f"{plain(r.implementation)}<br>{r.share:.0%} ({r.members}/{shares.members})"
            for r in rows
        ],
        "x": [round(r.share * 100, 2) for r in rows],
        "marker": {
            "color": [colours.get(r.implementation, UNKNOWN_COLOUR) for r in rows],
            "line": {"color": "#333", "width": 1},
        },
        "error_x": {
            "type": "data",
            "symmetric": False,
            "color": "#333",
            "thickness": 1.5,
            "array": [round((r.upper - r.share) * 100, 2) for r in rows],
            "arrayminus": [round((r.share - r.lower) * 100, 2) for r in rows],
        },
        "customdata": [[round(r.lower * 100, 1), round(r.upper * 100, 1)] for r in rows],
        "hovertemplate": "%{x:.1f}% (bounds %{customdata[0]}% to %{customdata[1]}%)<extra></extra>",
    }
    shapes, annotations = _share_lines(shares.threshold)
    title = f"{shares.kind.capitalize()}: {shares.unknown} of {shares.members} members unknown"
    return {
        "data": [trace],
        "layout": _layout(
            height=80 + 42 * len(rows),
            shapes=shapes,
            annotations=annotations,
            title={"text": title, "font": {"size": 13}, "x": 0, "xanchor": "left"},
            xaxis={"range": [0, 100], "ticksuffix": "%", "title": {"text": "share of members"}},
            yaxis={"automargin": True},
            margin={"l": 10, "r": 10, "t": 50, "b": 50},
        ),
    }


def shares_area(points: list[SharePoint], kind: str, colours: dict[str, str]) -> dict:
    """Shares of one kind over time, stacked to 100% with the unknown members on top."""
    if not points:
        return _empty(f"No {kind} history yet")
    times = [p.at.date().isoformat() for p in points]  # one point a day
    names = sorted({name for p in points for name in p.shares})
    traces = []
    for name in [*names, None]:
        values = [(p.shares.get(name, 0.0) if name else p.unknown) * 100 for p in points]
        label = plain(name) if name else "unknown"
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "stackgroup": "shares",
                "name": label,
                "x": times,
                "y": [round(v, 2) for v in values],
                "line": {"width": 0.5, "color": colours.get(name, UNKNOWN_COLOUR)},
                "hovertemplate": f"{label}: %{{y:.1f}}%<extra></extra>",
            }
        )
    half, note = _hline(50, "50%")
    return {
        "data": traces,
        "layout": _layout(
            height=320,
            shapes=[half],
            annotations=[note],
            hovermode="x unified",
            yaxis={"range": [0, 100], "ticksuffix": "%", "title": {"text": "share of members"}},
            legend={"orientation": "h", "y": -0.2},
        ),
    }


def delays_scatter(votes: list[tuple[datetime, int, str]]) -> dict:
    """One member's submission delays (minutes after the round opened), one symbol per duty."""
    if not votes:
        return _empty("No timed submissions", height=200)
    traces = []
    for index, duty in enumerate(sorted({duty for _, _, duty in votes})):
        mine = [(at, delay) for at, delay, d in votes if d == duty]
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": duty,
                "x": [at.isoformat() for at, _ in mine],
                "y": [max(round(delay / 60, 1), 0.1) for _, delay in mine],
                "marker": {
                    "symbol": DUTY_SYMBOLS.get(duty, "circle"),
                    "size": 7,
                    "color": OKABE_ITO[index % len(OKABE_ITO)],
                },
                "hovertemplate": f"{duty}: %{{y}} min<extra></extra>",
            }
        )
    return {
        "data": traces,
        "layout": _layout(
            height=280,
            yaxis={
                "title": {"text": "after opening (log scale)"},
                "type": "log",
                "tickvals": [1, 5, 15, 60, 240, 1440],
                "ticktext": ["1 min", "5 min", "15 min", "1 h", "4 h", "1 day"],
            },
            legend={"orientation": "h", "y": -0.25},
        ),
    }


def vote_timeline(groups: list[dict], needed: int | None) -> dict:
    """Cumulative votes per submitted value over time, with the votes consensus needed.

    Each group is {"label": str, "times": [datetime, ...]} in vote order.
    """
    if not groups:
        return _empty("No submissions", height=200)
    traces = []
    for index, group in enumerate(groups):
        times = [t.isoformat() for t in group["times"]]
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "line": {"shape": "hv", "color": OKABE_ITO[index % len(OKABE_ITO)]},
                "name": plain(group["label"]),
                "marker": {"symbol": ["circle", "square", "diamond", "x"][index % 4]},
                "x": times,
                "y": list(range(1, len(times) + 1)),
                "hovertemplate": "%{y} votes at %{x}<extra></extra>",
            }
        )
    lines = [_hline(needed, f"{needed} votes reach the threshold")] if needed else []
    return {
        "data": traces,
        "layout": _layout(
            height=280,
            shapes=[line for line, _ in lines],
            annotations=[note for _, note in lines],
            legend={"orientation": "h", "y": -0.25},
            yaxis={"title": {"text": "votes"}, "rangemode": "tozero", "dtick": 1},
        ),
    }


def plan_bars(
    before: MixOutcome, after: MixOutcome, threshold: float, colours: dict[str, str]
) -> dict:
    """Shares of one kind now and after the planned switches, side by side."""
    names = [s.implementation for s in after.shares]
    traces = []
    for label, outcome, pattern in (("now", before, ""), ("after switches", after, "/")):
        by_name = {s.implementation: s for s in outcome.shares}
        values = [by_name[n].share * 100 if n in by_name else 0.0 for n in names]
        traces.append(
            {
                "type": "bar",
                "name": label,
                "y": [plain(n) for n in names],
                "x": [round(v, 2) for v in values],
                "orientation": "h",
                "text": [f"{v:.0f}%" for v in values],
                "textposition": "auto",
                "marker": {
                    "color": [colours.get(n, UNKNOWN_COLOUR) for n in names],
                    "pattern": {"shape": pattern},
                    "line": {"color": "#333", "width": 1},
                },
            }
        )
    shapes, annotations = _share_lines(threshold)
    return {
        "data": traces,
        "layout": _layout(
            height=100 + 60 * len(names),
            barmode="group",
            shapes=shapes,
            annotations=annotations,
            xaxis={"range": [0, 100], "ticksuffix": "%"},
            yaxis={"automargin": True, "autorange": "reversed"},
            legend={"orientation": "h", "y": -0.2},
            title={
                "text": f"{after.kind.capitalize()}: now and after the switches",
                "font": {"size": 13},
                "x": 0,
                "xanchor": "left",
            },
        ),
    }
