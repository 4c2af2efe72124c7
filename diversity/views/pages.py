"""What every dashboard page shares: the network it shows and how it is rendered."""

from django.conf import settings
from django.shortcuts import render


def network() -> str:
    return settings.TOWERWATCH_NETWORK


def render_page(request, template: str, context: dict, status: int = 200):
    return render(request, template, {"network": network(), **context}, status=status)
