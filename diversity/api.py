"""REST API of the diversity side: implementations, declarations, assignments, shares, alerts,
and the fingerprinting's model card."""

from diversity.api_alerts import register_routes as register_alerts
from diversity.api_fingerprint import register_fingerprint_routes
from diversity.fingerprint.api_model_card import register_model_card_routes


def register_routes(router) -> None:
    """Viewsets are registered here by the features that own them."""
    register_alerts(router)
    register_fingerprint_routes(router)
    register_model_card_routes(router)
