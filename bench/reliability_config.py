"""How big a reliability run is: the bench's (`manage.py bench --only reliability`) and a
bounded one (`--quick`, what the test suite runs: every scenario, a few examples of each)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ReliabilityRun:
    rewards_files: int = 300  # random files for the rewards verifier
    forgery_rounds: int = 10  # rounds of five kinds of forged declaration
    route_every: int = 1  # walk every n-th published route
    fuzz_examples: int = 25  # schema-fuzz examples per operation, mode and user
    simulated_days: int = 3  # the devnet history the chain and process faults work on
    members: int = 15
    indexer_kills: int = 3  # `manage.py index` runs SIGKILLed one after another
    worker_kills: int = 2  # Celery workers SIGKILLed one after another, mid-task
    locked_tables: tuple[str, ...] = (
        "votes_checkpoint", "votes_submission", "votes_round", "votes_consensus", "votes_member",
    )  # fmt: skip
    alerts_in_redis: int = 3  # deliveries queued in Redis when it is killed
    alerts_while_down: int = 3  # alerts raised while it is down


BENCH = ReliabilityRun()
QUICK = ReliabilityRun(rewards_files=40, forgery_rounds=1, route_every=25, fuzz_examples=1,
                       indexer_kills=1, worker_kills=1, locked_tables=("votes_submission",),
                       alerts_in_redis=1, alerts_while_down=1)  # fmt: skip
