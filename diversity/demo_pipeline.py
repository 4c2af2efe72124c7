"""The steps that turn a simulated devnet into a populated dashboard, in order.

The same order runs in production through Celery (index, then reference, then fingerprint,
then alerts); the demo runs it once, synchronously, and reports each step.
"""

from collections.abc import Iterator

from diversity.reference.implementations import implementation_at
from diversity.reference.setup import compute_verdicts
from votes.chain.networks import get_network
from votes.indexing.indexer import Indexer


def run_pipeline(truth: dict, seed: int) -> Iterator[tuple[str, str]]:
    config = get_network("devnet")
    report = Indexer(config).run_pass()
    yield "index", f"{report.submissions} submissions in {report.blocks} blocks"
    yield "reference", str(compute_verdicts(config, implementation_at))
