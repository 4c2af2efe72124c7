"""The chain and process faults of the reliability table, on one simulated devnet of their own:
a misbehaving node (bench_faults.py), SIGKILLed indexers and workers and locked tables
(bench_process_faults.py), then reorgs (bench_reorgs.py), last because they rewrite the chain.

Every one is judged against the same ground truth: a clean pass over the untouched history
(for the reorgs, over the chain as they leave it).
"""

from pathlib import Path

from bench.bench_faults import node_fault_scenarios
from bench.bench_process_faults import killed_indexer, killed_workers, locked_tables
from bench.bench_reorgs import reorg_runs
from bench.reliability_config import ReliabilityRun
from reliability.indexer_state import db_state, devnet_config
from reliability.scenario import run_scenarios
from votes.devnet.profiles import load_profiles
from votes.devnet.scenario import load_scenario
from votes.devnet.session import open_devnet
from votes.devnet.simulator import Simulation
from votes.indexing.indexer import Indexer
from votes.reset import reset_network


def devnet_faults(run: ReliabilityRun, folder: Path) -> dict[str, dict]:
    with open_devnet() as (chain, deployment):
        Simulation(chain, deployment, load_profiles(), load_scenario(None, run.simulated_days),
                   members=run.members, days=run.simulated_days, seed=1).run()  # fmt: skip
        head = chain.w3.eth.block_number
        reset_network("devnet")
        Indexer(devnet_config(deployment), confirmations=0).run_pass(to_block=head)
        reference = db_state()
        table = run_scenarios({
            "node faults": lambda: node_fault_scenarios(deployment, head, reference),
            "SIGKILL: indexer": lambda: killed_indexer(deployment, reference, folder,
                                                       run.indexer_kills),
            "SIGKILL: Celery worker": lambda: killed_workers(deployment, head, reference, folder,
                                                             run.worker_kills),
            "locked table": lambda: locked_tables(deployment, head, reference,
                                                  run.locked_tables),
            **reorg_runs(chain, deployment),
        })  # fmt: skip
        reset_network("devnet")
    return table
