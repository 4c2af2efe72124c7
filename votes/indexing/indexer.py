"""The indexer: walk the chain in ranges, store each range with its checkpoint, follow reorgs.

One pass = refresh the contract registry, check the checkpoint is still canonical (roll back
to the fork point if not), then fetch-and-store ranges up to head - confirmations, each range
in one transaction with the checkpoint. A crash at any point loses at most the range in hand,
which the next pass reads again; unique constraints make the replay idempotent.
"""

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Min

from votes import state
from votes.chain.client import ChainClient, LogRangeWalker
from votes.chain.networks import TRACKED_NAMES, NetworkConfig
from votes.chain.registry import discover_all_eras
from votes.consensus import compute_consensus
from votes.indexing.fetch import RangeBatch, complete_range, read_votes
from votes.indexing.registry_view import RegistryView
from votes.indexing.reorg import find_fork_point, roll_back
from votes.indexing.snapshot import seed_members
from votes.indexing.spans import SpanPlanner
from votes.indexing.store import BatchWriter
from votes.indexing.thresholds import threshold_history
from votes.models import Checkpoint, ContractAddress, Member, Submission

log = logging.getLogger(__name__)


@dataclass
class PassReport:
    network: str
    from_block: int
    to_block: int
    head: int
    target: int = 0
    submissions: int = 0
    reverted_votes: int = 0
    unexplained_txs: int = 0
    blocks: int = 0
    ranges: int = 0
    bad_logs: int = 0
    reorg_fork_point: int | None = None
    seconds: float = 0.0
    consensus: dict = field(default_factory=dict)

    @property
    def lag(self) -> int:
        return self.head - self.to_block


class Indexer:
    def __init__(self, config: NetworkConfig, client: ChainClient | None = None,
                 confirmations: int | None = None, max_range: int | None = None,
                 on_progress: Callable[[PassReport], None] | None = None):  # fmt: skip
        self.config = config
        self.network = config.name
        self.client = client or ChainClient(config.rpc_url)
        self.confirmations = (
            settings.TOWERWATCH_CONFIRMATIONS if confirmations is None else confirmations
        )
        self.walker = LogRangeWalker(self.client, max_range or settings.TOWERWATCH_LOG_RANGE)
        self.largest_span = max_range or settings.TOWERWATCH_INDEX_SPAN
        self.on_progress = on_progress or (lambda report: None)

    def run_pass(self, from_block: int | None = None, to_block: int | None = None) -> PassReport:
        started = time.monotonic()
        head = self.client.block_number()
        target = min(to_block if to_block is not None else head, head - self.confirmations)
        start = self._start_block(from_block)
        fork_point = self._follow_reorg()
        if fork_point is not None:
            start = self._start_block(None)
        report = PassReport(self.network, start, start - 1, head, target=target,
                            reorg_fork_point=fork_point)  # fmt: skip
        if start <= target:
            self._seed_members_if_starting_late(start)
            view = RegistryView(self.client, self._refresh_registry(target))
            self._index_ranges(view, start, target, report)
        report.consensus = compute_consensus(self.network, self._thresholds(head))
        state.bump(state.CHAIN)  # after consensus, a roll-back or seeded members committed
        report.seconds = time.monotonic() - started
        log.info("indexed %s blocks %d-%d: %d submissions, %.0f blocks/s, lag %d",
                 self.network, report.from_block, report.to_block, report.submissions,
                 report.blocks / max(report.seconds, 1e-9), report.lag)  # fmt: skip
        return report

    def _thresholds(self, head: int) -> dict:
        """Each duty's threshold over the indexed votes, from the first one to the head."""
        votes = Submission.objects.filter(network=self.network)
        first = votes.aggregate(first=Min("block_number"))["first"]
        return threshold_history(self.client, self.config, head if first is None else first, head)

    def _start_block(self, from_block: int | None) -> int:
        checkpoint = Checkpoint.objects.filter(network=self.network).first()
        if checkpoint is not None:
            return max(checkpoint.block_number + 1, from_block or 0)
        return from_block if from_block is not None else self.config.start_block

    def _seed_members_if_starting_late(self, start: int) -> None:
        first_pass = not Checkpoint.objects.filter(network=self.network).exists()
        if first_pass and start > self.config.start_block:
            seed_members(self.client, self.network, self.config.rocket_storage, start - 1)

    def _follow_reorg(self) -> int | None:
        checkpoint = Checkpoint.objects.filter(network=self.network).first()
        if checkpoint is None:
            return None
        fork = find_fork_point(self.client, self.network, checkpoint, self.config.start_block - 1)
        if fork is not None:
            roll_back(self.network, fork, self.client.get_block(fork)["hash"])
        return fork

    def _index_ranges(self, view: RegistryView, start: int, target: int, report: PassReport):
        """Range after range, each read in two halves: the first (logs, votes' transactions)
        by a reader thread while the range before is written, the second (what needs the
        members stored so far, then the check that it all comes from one chain) here."""
        spans = SpanPlanner(self.walker.max_range, self.largest_span)
        with ThreadPoolExecutor(max_workers=1) as reader:

            def read(first: int, span: int):
                last = min(target, first + span - 1)
                return reader.submit(read_votes, self.client, self.walker, view, first, last)

            pending = read(start, spans.span)
            while pending is not None:
                batch = pending.result()
                batch = complete_range(self.client, batch, view, self._members_at(batch.from_block))
                following = batch.to_block + 1
                span = spans.after(len(batch.events) + len(batch.reverted))
                pending = read(following, span) if following <= target else None
                with transaction.atomic():
                    BatchWriter(self.network, batch).write()
                self._count(report, batch)
                self.on_progress(report)

    def _members_at(self, block: int) -> tuple[str, ...]:
        """Members stored as present at `block` (or joined since): whose reverted votes count."""
        rows = Member.objects.filter(network=self.network).exclude(left_block__lt=block)
        return tuple(rows.values_list("address", flat=True))

    @staticmethod
    def _count(report: PassReport, batch: RangeBatch) -> None:
        report.ranges += 1
        report.blocks += batch.to_block - batch.from_block + 1
        report.submissions += sum(1 for e in batch.events if e.spec.kind == "submitted")
        report.reverted_votes += len(batch.reverted)
        report.unexplained_txs += batch.unexplained_txs
        report.bad_logs += len(batch.bad_logs)
        report.to_block = batch.to_block

    def _refresh_registry(self, target: int) -> list[ContractAddress]:
        """Extend each tracked name's address history up to `target`."""
        rows = ContractAddress.objects.filter(network=self.network)
        checked = Checkpoint.objects.filter(network=self.network).first()
        low = checked.block_number if checked else self.config.start_block
        currents = {}
        for name in TRACKED_NAMES:
            current = rows.filter(name=name, to_block__isnull=True).first()
            currents[name] = current and _as_era(current)
        eras = discover_all_eras(self.client, self.config.rocket_storage, currents, low, target)
        for name in TRACKED_NAMES:
            for era in eras[name]:
                ContractAddress.objects.update_or_create(
                    network=self.network, name=name, address=era.address,
                    defaults={"from_block": era.from_block, "to_block": era.to_block},
                )  # fmt: skip
        self._add_known_addresses()
        return list(ContractAddress.objects.filter(network=self.network))

    def _add_known_addresses(self) -> None:
        """Addresses the spec names but state can't show (e.g. no archive node): live forever."""
        for name, addresses in self.config.known_addresses.items():
            for address in addresses:
                ContractAddress.objects.get_or_create(
                    network=self.network, name=name, address=address,
                    defaults={"from_block": self.config.start_block, "to_block": None},
                )  # fmt: skip


def _as_era(row: ContractAddress):
    from votes.chain.registry import Era

    return Era(row.name, row.address, row.from_block, row.to_block)
