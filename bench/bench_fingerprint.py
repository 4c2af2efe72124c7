"""Fingerprinting cost on whatever history is indexed (the bench's indexing section leaves a
simulated year of the devnet): one point (training on the declared members and predicting the
others, both kinds) and the full daily refresh that `manage.py fingerprint` runs."""

import time

from diversity.fingerprint.assignments import assignments_at
from diversity.fingerprint.declarations import DeclarationBook
from diversity.fingerprint.evaluate import choose_declared, sign_declaration
from diversity.fingerprint.features import Activity
from diversity.fingerprint.membership import latest_indexed_time
from diversity.fingerprint.refresh import refresh_assignments
from diversity.models import Declaration, Implementation


def measure_fingerprint(network: str = "devnet", truth: dict | None = None, seed: int = 1) -> dict:
    if truth and not Declaration.objects.filter(network=network).exists():
        for member in choose_declared(truth["members"], 0.5):
            sign_declaration(network, member, seed, at=(member["joined_at"] or 0) + 60)
    started = time.perf_counter()
    activity = Activity(network)
    load_s = time.perf_counter() - started
    last = latest_indexed_time(network)
    book = DeclarationBook(network)
    implementations = {(i.kind, i.name): i for i in Implementation.objects.all()}
    started = time.perf_counter()
    rows = assignments_at(activity, last, book, implementations)
    point_s = time.perf_counter() - started
    refresh = refresh_assignments(network)
    return {
        "votes_loaded": len(activity.votes),
        "load_features_ms": round(load_s * 1000, 1),
        "train_and_predict_one_point_ms": round(point_s * 1000, 1),
        "members_assigned_per_point": len(rows),
        "full_refresh_s": round(refresh.seconds, 2),
        "refresh_points": refresh.points,
    }
