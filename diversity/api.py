"""REST API of the diversity side: implementations, declarations, assignments, shares, alerts."""

from diversity.api_alerts import register_routes as register_alerts
from diversity.api_fingerprint import register_fingerprint_routes


def register_routes(router) -> None:
    """Viewsets are registered here by the features that own them."""
    register_alerts(router)
    register_fingerprint_routes(router)
