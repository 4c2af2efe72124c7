"""REST API of the diversity side: each feature's package registers its own viewsets
(alerts; fingerprinting, with its model card)."""

from diversity.alerts.api import register_routes as register_alerts
from diversity.fingerprint.api import register_routes as register_fingerprint
from diversity.fingerprint.api_model_card import register_model_card_routes


def register_routes(router) -> None:
    register_alerts(router)
    register_fingerprint(router)
    register_model_card_routes(router)
