"""Fingerprinting cost on a year of history: one point (training on the declared members and
predicting the others, both kinds), a full recomputation of every day, and the daily refresh
that `manage.py fingerprint` and the watch pipeline run.

The year is the indexed devnet when it spans one (the bench's indexing section leaves a
simulated year there, with half the members declared), else a synthetic year in the indexer's
shape (fingerprint_history.py) with half its members declared.

The daily refresh is measured the way it happens: the newest day of indexed rows is held back,
the assignments are brought up to date without it, the day is stored again as the indexer's
next pass would store it, and the refresh that follows is timed. It must store exactly what a
full recomputation stores, which is checked. All of this runs in a transaction that is rolled
back, so the bench leaves the database as it found it.
"""

import os
import time
from datetime import timedelta

from django.db import transaction

from bench.fingerprint_history import SyntheticYear
from diversity.fingerprint.assignments import assignments_at
from diversity.fingerprint.declarations import DeclarationBook
from diversity.fingerprint.evaluate import choose_declared, sign_declaration
from diversity.fingerprint.features import Activity
from diversity.fingerprint.membership import latest_indexed_time
from diversity.fingerprint.refresh import refresh_assignments
from diversity.models import Assignment, Declaration, Implementation
from votes.models import IndexedBlock, MembershipEvent, Round, Submission

TARGET_DAILY_S = 1.0
YEAR = timedelta(days=360)  # an indexed history at least this long counts as a year
SYNTHETIC_NETWORK = "fingerprint-bench"
STORED_PER_RANGE = (Round, Submission, MembershipEvent, IndexedBlock)  # in insertion order


def measure_fingerprint(network: str = "devnet", truth: dict | None = None, seed: int = 1) -> dict:
    if truth and not Declaration.objects.filter(network=network).exists():
        declare_half(network, truth, seed)
    with transaction.atomic():
        network, history = year_of_history(network, seed)
        figures = {"history": history, **point_figures(network)}
        figures.update(daily_and_full(network, figures["train_and_predict_one_point_ms"] / 1000))
        transaction.set_rollback(True)
    return figures


def declare_half(network: str, truth: dict, seed: int) -> None:
    for member in choose_declared(truth["members"], 0.5):
        sign_declaration(network, member, seed, at=(member["joined_at"] or 0) + 60)


def year_of_history(network: str, seed: int) -> tuple[str, str]:
    """The network to measure and where its history comes from."""
    last = latest_indexed_time(network)
    first = Submission.objects.filter(network=network).order_by("block_time").first()
    if last is not None and first is not None and last - first.block_time >= YEAR:
        return network, f"indexed {network}"
    truth = SyntheticYear(SYNTHETIC_NETWORK, seed=seed).write()
    declare_half(SYNTHETIC_NETWORK, truth, seed)
    return SYNTHETIC_NETWORK, "synthetic year (bench/fingerprint_history.py)"


def point_figures(network: str) -> dict:
    last = latest_indexed_time(network)
    started = time.perf_counter()
    activity = Activity(network)
    load_s = time.perf_counter() - started
    point_s, members = one_point(activity, last)
    return {
        "load_average_1m": round(os.getloadavg()[0], 2),
        "history_days": round((last - activity.votes[0].block_time) / timedelta(days=1), 1),
        "votes_loaded": len(activity.votes),
        "declarations": Declaration.objects.filter(network=network).count(),
        "load_features_ms": round(load_s * 1000, 1),
        "train_and_predict_one_point_ms": round(point_s * 1000, 1),
        "members_assigned_per_point": members,
    }


def one_point(activity: Activity, last) -> tuple[float, int]:
    book = DeclarationBook(activity.network)
    implementations = {(i.kind, i.name): i for i in Implementation.objects.all()}
    started = time.perf_counter()
    rows = assignments_at(activity, last, book, implementations)
    return time.perf_counter() - started, len(rows)


def daily_and_full(network: str, point_s: float) -> dict:
    """The refresh after one new day, one with nothing new, and a full one, with the check that
    the daily refresh stored what the full one does."""
    newest_day = hold_back(network, latest_indexed_time(network) - timedelta(days=1))
    refresh_assignments(network, full=True)  # up to date before the newest day
    store_again(newest_day)
    daily = refresh_assignments(network)
    incremental_rows = stored_rows(network)
    unchanged = refresh_assignments(network)
    full = refresh_assignments(network, full=True)
    floor_s = daily.points * point_s
    return {
        "daily_refresh_s": round(daily.seconds, 3),
        "daily_refresh_points": daily.points,
        "daily_refresh_floor_s": round(floor_s, 3),
        "daily_over_floor": round(daily.seconds / floor_s, 2) if floor_s else None,
        "daily_target_s": TARGET_DAILY_S,
        "unchanged_refresh_s": round(unchanged.seconds, 3),
        "full_refresh_s": round(full.seconds, 2),
        "refresh_points": full.points,
        "full_over_daily": round(full.seconds / daily.seconds, 1),
        "daily_equals_full": stored_rows(network) == incremental_rows,
    }


def hold_back(network: str, after) -> dict:
    """Delete, keeping them in memory, the rows the indexer stored for the blocks after the
    time `after`: rounds, votes, membership events and block hashes."""
    block = IndexedBlock.objects.filter(network=network, timestamp__lte=after.timestamp())
    fork = block.order_by("-number").values_list("number", flat=True).first() or 0
    queries = stored_after(network, fork)
    kept = {model: list(query) for model, query in queries.items()}
    for model in reversed(STORED_PER_RANGE):
        queries[model].delete()
    return kept


def stored_after(network: str, block: int) -> dict:
    """The rows the indexer stored for the blocks after `block`, per model (STORED_PER_RANGE)."""
    return {
        Round: Round.objects.filter(network=network, first_seen_block__gt=block),
        Submission: Submission.objects.filter(network=network, block_number__gt=block),
        MembershipEvent: MembershipEvent.objects.filter(network=network, block_number__gt=block),
        IndexedBlock: IndexedBlock.objects.filter(network=network, number__gt=block),
    }


def store_again(kept: dict) -> None:
    """Store held-back rows again, under their primary keys, as the indexer appends a range."""
    for model in STORED_PER_RANGE:
        model.objects.bulk_create(kept[model])


def stored_rows(network: str) -> list[tuple]:
    """Every stored assignment of `network`, all columns but the primary key and the time it was
    computed, in one order."""
    compared = [field.attname for field in Assignment._meta.concrete_fields
                if field.name not in ("id", "computed_at")]  # fmt: skip
    rows = Assignment.objects.filter(network=network).order_by("as_of", "kind", "member_id")
    return list(rows.values_list(*compared))
