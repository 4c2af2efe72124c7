"""Read-only REST API of the chain side: members, rounds, submissions, consensus."""


def register_routes(router) -> None:
    """Viewsets are registered here (see the indexer API issue)."""
