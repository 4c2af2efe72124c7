"""The network every dashboard page shows (one deployment watches one network)."""

from django.conf import settings


def network() -> str:
    return settings.TOWERWATCH_NETWORK
