"""Indexing throughput and consensus cost on a simulated history, and a mainnet scale estimate.

`measure_indexing(days)` simulates `days` of the default 15-member oDAO on a fresh devnet,
then times a full index into the configured database (cleared of devnet rows first) and the
consensus replay alone. The scale estimate multiplies the round trips this run needed per
block and per submission by mainnet's size and a chosen RPC latency: indexing is bound by
round trips, not CPU, on a remote archive node.
"""

import time

from votes.chain.client import ChainClient
from votes.chain.networks import get_network
from votes.consensus import compute_consensus
from votes.devnet.profiles import load_profiles
from votes.devnet.scenario import load_scenario
from votes.devnet.session import open_devnet
from votes.devnet.simulator import Simulation
from votes.devnet.summary import ground_truth
from votes.indexing.indexer import Indexer
from votes.models import Round
from votes.reset import reset_network

MAINNET_BLOCKS_PER_YEAR = 2_628_000  # 12-second slots
MAINNET_SUBMISSIONS_PER_YEAR_PER_MEMBER = 2 * 365 + 13 + 20  # balances, prices, rewards, scrubs


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
        started = time.perf_counter()
        report = Indexer(config, client=client).run_pass()
        index_s = time.perf_counter() - started
        rounds = Round.objects.filter(network="devnet").count()
        started = time.perf_counter()
        compute_consensus("devnet")
        consensus_s = time.perf_counter() - started
    return {
        "days": days, "members": members, "simulate_s": round(simulate_s, 2),
        "blocks": report.blocks, "submissions": report.submissions, "rounds": rounds,
        "index_s": round(index_s, 2),
        "submissions_per_s": round(report.submissions / index_s, 1),
        "blocks_per_s": round(report.blocks / index_s, 1),
        "consensus_ms_per_round": round(1000 * consensus_s / max(rounds, 1), 3),
        "rpc_round_trips": client.http_requests,
        "round_trips_per_submission": round(client.http_requests / max(report.submissions, 1), 4),
        "truth": truth,
    }  # fmt: skip


def mainnet_estimate(measured: dict, years: float, members: int, latency_s: float,
                     log_range: int = 2000) -> dict:  # fmt: skip
    """Hours to index `years` of mainnet: log queries per range, plus the per-submission batch
    fetches measured on the devnet, each costing one round trip of `latency_s`."""
    blocks = int(MAINNET_BLOCKS_PER_YEAR * years)
    submissions = int(MAINNET_SUBMISSIONS_PER_YEAR_PER_MEMBER * members * years)
    log_queries = 2 * -(-blocks // log_range)  # registered contracts + minipool topics
    per_submission = measured["round_trips_per_submission"]
    round_trips = log_queries + int(submissions * per_submission)
    cpu_s = submissions / max(measured["submissions_per_s"], 1e-9)  # local run: CPU + DB
    return {
        "years": years, "members": members, "latency_ms": int(latency_s * 1000),
        "blocks": blocks, "submissions": submissions, "round_trips": round_trips,
        "hours": round((round_trips * latency_s + cpu_s) / 3600, 2),
    }  # fmt: skip
