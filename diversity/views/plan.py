"""The what-if planner: members pick what they would switch to; the page shows the new mix.

A plain POST form (CSRF-protected, no JavaScript needed). The arithmetic is in
diversity/planner.py; this module only turns the form into switches and the result into a page.
"""

from decimal import Decimal
from fractions import Fraction

from django import forms
from django.shortcuts import render

from diversity import charts
from diversity.planner import Switch, apply_switches, mix, smallest_plan
from diversity.views.mix import (
    KINDS,
    active_members,
    consensus_threshold,
    known_implementations,
    mix_snapshot,
    software_of,
)
from diversity.views.pages import network
from towerwatch.throttling import ExpensiveReadThrottle, throttled
from votes.consensus import CALC_BASE
from votes.page_cache import cached_page
from votes.state import CHAIN, DECLARATIONS, FINGERPRINT

DEFAULT_TARGET = Decimal(33)


class PlanForm(forms.Form):
    target = forms.DecimalField(
        label="Target share (%)",
        min_value=Decimal(1),
        max_value=Decimal(100),
        decimal_places=2,
        initial=DEFAULT_TARGET,
        required=False,
        help_text="Besides bringing every implementation under 50%, suggest how to get under this.",
    )

    def __init__(self, *args, members, running, implementations, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = members
        for member in members:
            for kind in KINDS:
                current = running[kind][member.address]
                choices = [("", "keep" if current else "keep (unknown)")]
                choices += [(name, name) for name in implementations[kind] if name != current]
                self.fields[field_name(kind, member)] = forms.ChoiceField(
                    choices=choices,
                    required=False,
                    label=f"{member} {kind}",
                    widget=forms.Select(attrs={"aria-label": f"{member}: switch {kind} to"}),
                )

    def switches(self, running) -> dict[str, list[Switch]]:
        result = {kind: [] for kind in KINDS}
        for member in self.members:
            for kind in KINDS:
                to = self.cleaned_data.get(field_name(kind, member))
                if to:
                    current = running[kind][member.address] or "unknown"
                    result[kind].append(Switch(member.address, kind, current, to))
        return result

    def target_share(self) -> Fraction:
        percent = self.cleaned_data.get("target") or DEFAULT_TARGET
        return Fraction(percent) / 100


def field_name(kind: str, member) -> str:
    return f"{kind}-{member.pk}"


def suggestions(running, implementations, target: Fraction, threshold: int, members) -> list:
    """The smallest plans under 50% and under the target, per kind, as a form can resend them."""
    by_address = {m.address: m for m in members}
    result = []
    for kind in KINDS:
        for goal in dict.fromkeys([Fraction(1, 2), target]):
            plan = smallest_plan(kind, running[kind], implementations[kind], goal, threshold)
            fields = [
                (field_name(kind, by_address[s.member]), s.to_implementation) for s in plan.switches
            ]
            names = {s.member: str(by_address[s.member]) for s in plan.switches}
            result.append({"plan": plan, "fields": fields, "names": names})
    return result


def outcomes(running, implementations, switches, threshold: int) -> list[dict]:
    """Per kind: the mix now and after the switches, and a chart of both."""
    colours = charts.colours_for(n for names in implementations.values() for n in names)
    results = []
    for kind in KINDS:
        names = implementations[kind]
        before = mix(kind, running[kind], names, threshold)
        after = mix(kind, apply_switches(running[kind], switches[kind]), names, threshold)
        figure = charts.plan_bars(before, after, threshold / CALC_BASE, colours)
        results.append({"kind": kind, "switches": switches[kind], "before": before,
                        "after": after, "figure": figure})  # fmt: skip
    return results


@throttled(ExpensiveReadThrottle)  # what is posted is computed each time
@cached_page(CHAIN, DECLARATIONS, FINGERPRINT)  # a GET
def plan(request):
    name = network()
    members = list(active_members(name).order_by("member_id", "address"))
    software = software_of(members, mix_snapshot(name))
    running = {
        kind: {m.address: software[m.pk][kind].implementation for m in members} for kind in KINDS
    }
    implementations = {kind: known_implementations(kind) for kind in KINDS}
    threshold = consensus_threshold(name)
    data = request.POST if request.method == "POST" else None
    form = PlanForm(data, members=members, running=running, implementations=implementations)
    results, target = None, Fraction(DEFAULT_TARGET) / 100
    if form.is_bound and form.is_valid():
        target = form.target_share()
        results = outcomes(running, implementations, form.switches(running), threshold)
    rows = [
        {"member": m, "cells": [(software[m.pk][k], form[field_name(k, m)]) for k in KINDS]}
        for m in members
    ]
    return render(request, "plan.html", {
        "form": form, "rows": rows, "kinds": KINDS, "results": results,
        "threshold_share": threshold / CALC_BASE,
        "has_implementations": any(implementations.values()),
        "suggestions": suggestions(running, implementations, target, threshold, members),
        "target_percent": float(target * 100),
    })  # fmt: skip
