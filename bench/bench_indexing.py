"""Indexing throughput against its floor, consensus cost, and a mainnet scale estimate.

`measure_indexing(days)` simulates `days` of the default 15-member oDAO on a fresh devnet of
the real protocol, then times a full index into the configured database (cleared of devnet rows
first), the raw `eth_getLogs` fetch of the same blocks (the floor: what reading the chain costs
before any decoding, transaction reads or database work) and the consensus replay alone.

`mainnet_estimate` replays the indexer's request plan on mainnet's size: the ranges a history
cuts into (they grow to INDEX_SPAN blocks where votes are sparse), per range the sequential
request phases and the batches its calls fill, each a round trip of the given latency; plus
the local cost per submission measured here (node, database and CPU, conservatively all
counted again). `model_round_trips` applied to the devnet run itself must come out near the
round trips the run really made: that is the check printed as `model_round_trips_this_run`.
"""

import math
import os
import time

from django.conf import settings

from votes.chain.client import ChainClient, LogRangeWalker
from votes.chain.events import EVENTS, MINIPOOL_EVENTS
from votes.chain.networks import get_network
from votes.consensus import compute_consensus
from votes.devnet.profiles import load_profiles
from votes.devnet.scenario import load_scenario
from votes.devnet.session import open_devnet
from votes.devnet.simulator import Simulation
from votes.devnet.summary import ground_truth
from votes.indexing.fetch import TX_PARALLEL
from votes.indexing.indexer import Indexer
from votes.indexing.reverted import PROBES_PER_ROUND
from votes.indexing.spans import TARGET_ROWS
from votes.models import ContractAddress, Round
from votes.reset import reset_network

MAINNET_BLOCKS_PER_YEAR = 2_628_000  # 12-second slots
MAINNET_BLOCKS_PER_DAY = 7_200
MAINNET_SUBMISSIONS_PER_YEAR_PER_MEMBER = 2 * 365 + 13 + 20  # balances, prices, rewards, scrubs
PASS_ROUND_TRIPS = 60  # head, registry bisection (~log2 blocks), thresholds, checkpoint reads


def measure_indexing(days: int = 365, members: int = 15, seed: int = 1) -> dict:
    with open_devnet() as (chain, deployment):
        started = time.perf_counter()
        simulation = Simulation(chain, deployment, load_profiles(), load_scenario(None, days),
                                members=members, days=days, seed=seed)  # fmt: skip
        truth = ground_truth(simulation.run(), deployment)
        simulate_s = time.perf_counter() - started
        reset_network("devnet")
        config = get_network("devnet")
        client = ChainClient(config.rpc_url)
        load_before = os.getloadavg()
        started = time.perf_counter()
        report = Indexer(config, client=client).run_pass()
        index_s = time.perf_counter() - started
        floor_s = log_fetch_seconds(config, report.from_block, report.to_block)
        rounds = Round.objects.filter(network="devnet").count()
        started = time.perf_counter()
        compute_consensus("devnet")
        consensus_s = time.perf_counter() - started
    measured = {
        "command": f"python manage.py bench --only indexing scale --days {days}",
        "days": days, "members": members, "seed": seed, "simulate_s": round(simulate_s, 1),
        "blocks": report.blocks, "ranges": report.ranges, "submissions": report.submissions,
        "reverted_votes": report.reverted_votes, "unexplained_txs": report.unexplained_txs,
        "rounds": rounds, "index_s": round(index_s, 2),
        "submissions_per_s": round(report.submissions / index_s, 1),
        "blocks_per_s": round(report.blocks / index_s, 1),
        "log_fetch_floor_s": round(floor_s, 3),
        "index_to_log_fetch_ratio": round(index_s / floor_s, 1),
        "consensus_ms_per_round": round(1000 * consensus_s / max(rounds, 1), 3),
        "rpc_round_trips": client.http_requests, "rpc_calls": client.calls,
        "round_trips_per_submission": round(client.http_requests / max(report.submissions, 1), 4),
        "load_average_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "truth": truth,
    }  # fmt: skip
    measured["model_round_trips_this_run"] = devnet_model_check(measured)
    measured["mainnet_4y_15m_50ms_minutes"] = round(
        60 * mainnet_estimate(measured, 4, 15, 0.05)["hours"], 1
    )
    return measured


def log_fetch_seconds(config, from_block: int, to_block: int, tries: int = 3) -> float:
    """The floor: the indexer's two log queries over the indexed blocks, in the same
    LOG_RANGE pieces, answers parsed and nothing else done (best of `tries`)."""
    addresses = sorted(set(ContractAddress.objects.filter(network="devnet")
                           .values_list("address", flat=True)))  # fmt: skip
    queries = [
        (addresses, [["0x" + s.topic0.hex() for s in EVENTS if s not in MINIPOOL_EVENTS]]),
        (None, [["0x" + s.topic0.hex() for s in MINIPOOL_EVENTS]]),
    ]
    best = math.inf
    for _ in range(tries):
        walker = LogRangeWalker(ChainClient(config.rpc_url), settings.TOWERWATCH_LOG_RANGE)
        started = time.perf_counter()
        walker.fetch_all(from_block, to_block, queries)
        best = min(best, time.perf_counter() - started)
    return best


def _batches(calls: float, batch: int) -> int:
    return math.ceil(calls / batch) if calls > 0 else 0


def range_round_trips(submissions: float, unexplained: float, members: int, range_blocks: int,
                      log_range: int, batch: int, search_rounds: int) -> int:  # fmt: skip
    """Round trips of one indexed range, phase by phase as votes/indexing/fetch.py asks."""
    trips = 1  # the last block's hash, before the logs
    trips += _batches(2 * math.ceil(range_blocks / log_range), batch)  # two log queries
    trips += math.ceil(_batches(submissions, batch) / TX_PARALLEL)  # transactions, in parallel
    trips += _batches(submissions, batch)  # receipts
    trips += _batches(2 * members, batch)  # nonces at both ends of the range
    if unexplained:
        trips += search_rounds * _batches(unexplained * PROBES_PER_ROUND, batch)
        trips += 3 * _batches(unexplained, batch)  # their blocks, receipts and revert reasons
    trips += _batches(submissions + unexplained + 1, batch)  # blocks (the last one again)
    return trips


def model_round_trips(blocks: int, submissions: int, unexplained: int, members: int,
                      ranges: int, search_rounds: int, batch: int = 100) -> int:  # fmt: skip
    """Round trips of a pass over `blocks` cut in `ranges` equal ranges."""
    per_range = range_round_trips(submissions / ranges, unexplained / ranges, members,
                                  math.ceil(blocks / ranges), settings.TOWERWATCH_LOG_RANGE,
                                  batch, search_rounds)  # fmt: skip
    return PASS_ROUND_TRIPS + ranges * per_range


def devnet_model_check(measured: dict) -> int:
    """The model applied to the devnet run (its intervals between a member's votes are a few
    blocks: a nonce search takes ~2 rounds there)."""
    return model_round_trips(measured["blocks"], measured["submissions"],
                             measured["unexplained_txs"], measured["members"],
                             measured["ranges"], search_rounds=2)  # fmt: skip


def mainnet_ranges(blocks: int, submissions: int) -> int:
    """Ranges double from one log range while they carry under half the target rows (spans.py),
    up to INDEX_SPAN blocks: mainnet's votes are sparse enough to reach the cap."""
    per_block = submissions / blocks
    span, covered, ranges = settings.TOWERWATCH_LOG_RANGE, 0, 0
    while covered < blocks:
        covered, ranges = covered + span, ranges + 1
        if span * per_block < TARGET_ROWS // 2:
            span = min(2 * span, settings.TOWERWATCH_INDEX_SPAN)
    return ranges


def mainnet_estimate(measured: dict, years: float, members: int, latency_s: float) -> dict:
    """Hours to index `years` of mainnet from an archive node `latency_s` away. Members' other
    transactions (what the nonce walk looks for) come at the devnet's measured rate per member
    and day; a nonce search spans the blocks between two of a member's votes."""
    blocks = int(MAINNET_BLOCKS_PER_YEAR * years)
    submissions = int(MAINNET_SUBMISSIONS_PER_YEAR_PER_MEMBER * members * years)
    member_days = measured["members"] * measured["days"]
    unexplained = int(measured["unexplained_txs"] / member_days * members * 365 * years)
    interval = MAINNET_BLOCKS_PER_DAY * 365 / MAINNET_SUBMISSIONS_PER_YEAR_PER_MEMBER
    search_rounds = math.ceil(math.log(interval, PROBES_PER_ROUND + 1))
    ranges = mainnet_ranges(blocks, submissions)
    round_trips = model_round_trips(blocks, submissions, unexplained, members, ranges,
                                    search_rounds)  # fmt: skip
    local_s = submissions * measured["index_s"] / max(measured["submissions"], 1)
    return {
        "years": years, "members": members, "latency_ms": int(latency_s * 1000),
        "blocks": blocks, "submissions": submissions, "unexplained_txs": unexplained,
        "ranges": ranges, "round_trips": round_trips, "local_s": round(local_s, 1),
        "hours": round((round_trips * latency_s + local_s) / 3600, 3),
    }  # fmt: skip
