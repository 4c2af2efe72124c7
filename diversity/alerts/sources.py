"""Where the rules get who runs what: the fingerprinting module's assignments and shares.

INTEGRATION(fingerprinting): `current_shares` returns None (the share rule cannot judge, and its
open alerts stay as they are) until diversity/fingerprint/shares.py exists; then it maps that
module's shares onto ShareEstimate.
"""

from datetime import datetime

from diversity.models import Assignment


def current_shares(network: str, at: datetime):
    """Each implementation's share of members at `at`, per kind, or None without share data."""
    return None


def implementation_of(network: str):
    """(address, kind, at) -> the implementation of the latest assignment at or before `at`."""
    rows = (
        Assignment.objects.filter(network=network, implementation__isnull=False)
        .order_by("as_of")
        .values_list("member__address", "kind", "as_of", "implementation__name")
    )
    history: dict[tuple[str, str], list[tuple[datetime, str]]] = {}
    for address, kind, as_of, name in rows:
        history.setdefault((address.lower(), kind), []).append((as_of, name))

    def lookup(address: str, kind: str, at: datetime) -> str | None:
        name = None
        for as_of, candidate in history.get((address.lower(), kind), []):
            if as_of > at:
                break
            name = candidate
        return name

    return lookup
