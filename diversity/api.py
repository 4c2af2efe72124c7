"""REST API of the diversity side: implementations, declarations, assignments, shares, alerts."""


def register_routes(router) -> None:
    """Viewsets are registered here by the features that own them."""
