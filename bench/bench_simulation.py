"""Simulator speed: simulated days per second of the default 15-member oDAO on the real
protocol, and the seconds a simulated year takes at that pace (issue 13 wants a year in at most
90 s on the 2-core machine).

The clock starts after the devnet is deployed (a fixed cost, timed apart) and stops when the
last day is mined. The digest pins the history: a faster simulator must mine the same one.

Run: `python manage.py bench --only simulation --days 365` (or fewer days for a quick figure).
"""

import time

from votes.devnet.profiles import load_profiles
from votes.devnet.scenario import load_scenario
from votes.devnet.session import open_devnet
from votes.devnet.simulator import Simulation
from votes.devnet.summary import ground_truth, printable_summary

YEAR_DAYS = 365


def measure_simulation(days: int = YEAR_DAYS, members: int = 15, seed: int = 1) -> dict:
    started = time.perf_counter()
    with open_devnet() as (chain, deployment):
        deploy_s = time.perf_counter() - started
        first_block = chain.w3.eth.block_number
        simulation = Simulation(chain, deployment, load_profiles(), load_scenario(None, days),
                                members=members, days=days, seed=seed)  # fmt: skip
        started = time.perf_counter()
        result = simulation.run()
        simulate_s = time.perf_counter() - started
        blocks = chain.w3.eth.block_number - first_block
        digest = printable_summary(ground_truth(result, deployment))["transactions_sha256"]
    days_per_s = days / simulate_s
    return {
        "command": f"python manage.py bench --only simulation --days {days}",
        "days": days, "members": members, "seed": seed,
        "devnet_deploy_s": round(deploy_s, 1), "simulate_s": round(simulate_s, 1),
        "blocks": blocks, "votes": len(result.votes),
        "simulated_days_per_s": round(days_per_s, 2),
        "simulated_year_s": round(YEAR_DAYS / days_per_s, 1),
        "ms_per_block": round(1000 * simulate_s / max(blocks, 1), 1),
        "transactions_sha256": digest,
    }  # fmt: skip
