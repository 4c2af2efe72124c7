"""Write one RangeBatch: members, rounds, submissions, on-chain updates and the checkpoint,
all in the caller's database transaction. Unique constraints make a replay a no-op.

Rows are written a table at a time, not one by one: the events are walked once in chain order
to stage what each one adds (`_on_<kind>`), then each table gets one bulk insert that skips
the rows it already has (a replayed range), which is what `get_or_create` per row did at a few
queries per row. Only membership changes, a few a year, are still written as they come, since
each one rewrites its member.
"""

from datetime import UTC, datetime

from votes import state
from votes.chain.decoders import DecodedEvent
from votes.indexing.bulk import insert_new
from votes.indexing.fetch import RangeBatch
from votes.indexing.keys import round_key, submission_key
from votes.models import (
    Checkpoint,
    IndexedBlock,
    Member,
    MembershipEvent,
    Minipool,
    OnChainUpdate,
    Round,
    Submission,
    UndecodableLog,
)

MEMBERSHIP_KINDS = {"joined": "joined", "left": "left", "kicked": "kicked",
                    "challenge_decided": "removed"}  # fmt: skip


def _time(timestamp: int | None) -> datetime | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp, UTC)


def _changes_membership(event: DecodedEvent) -> bool:
    """A failed challenge (the member answered) changes nothing."""
    kind = event.spec.kind
    return kind in MEMBERSHIP_KINDS and (kind != "challenge_decided" or event.values["success"])


class BatchWriter:
    def __init__(self, network: str, batch: RangeBatch):
        self.network = network
        self.batch = batch
        self.members: dict[str, Member] = {}
        self.round_openers: dict[tuple[str, str], DecodedEvent] = {}  # first event of each round
        self.votes: list[tuple[DecodedEvent, str | None]] = []
        self.updates: list[DecodedEvent] = []
        self.minipools: list[DecodedEvent] = []
        self.rounds: dict[tuple[str, str], Round] = {}

    def write(self) -> set[int]:
        """Store everything in the batch; returns the ids of rounds that changed."""
        self._blocks()
        self._load_members()
        for event in self.batch.events:
            getattr(self, f"_on_{event.spec.kind}")(event)
        for vote in self.batch.reverted:
            self._on_submitted(vote, self.batch.revert_reasons.get(vote.tx_hash, ""))
        self._store_minipools()
        self._store_rounds()
        self._store_submissions()
        self._store_updates()
        self._bad_logs()
        head = self.batch.blocks[self.batch.to_block]
        Checkpoint.objects.update_or_create(
            network=self.network,
            defaults={"block_number": head.number, "block_hash": head.hash},
        )
        state.bump(state.CHAIN)  # in the range's transaction: cached pages see it with the rows
        return {sim_round.id for sim_round in self.rounds.values()}

    def _blocks(self) -> None:
        rows = [
            IndexedBlock(network=self.network, number=b.number, hash=b.hash,
                         timestamp=b.timestamp, base_fee=b.base_fee)
            for b in self.batch.blocks.values()
            if b.number >= self.batch.from_block
        ]  # fmt: skip
        insert_new(IndexedBlock, rows)

    def _timestamp(self, event: DecodedEvent) -> datetime:
        return _time(self.batch.blocks[event.block_number].timestamp)

    def _load_members(self) -> None:
        """Every member the batch names (voters and membership changes), created if new."""
        named = {e.values["node"] for e in self.batch.events if _changes_membership(e)}
        named |= {e.values["from"] for e in self.batch.events if e.spec.kind == "submitted"}
        named |= {vote.values["from"] for vote in self.batch.reverted}
        mine = Member.objects.filter(network=self.network)
        known = set(mine.filter(address__in=named).values_list("address", flat=True))
        new = [Member(network=self.network, address=a) for a in sorted(named - known)]
        Member.objects.bulk_create(new, ignore_conflicts=True)
        self.members = {m.address: m for m in mine.filter(address__in=named)}

    # --- staging, one event at a time in chain order ---------------------------------------

    def _membership(self, event: DecodedEvent) -> None:
        member = self.members[event.values["node"]]
        kind = MEMBERSHIP_KINDS[event.spec.kind]
        MembershipEvent.objects.get_or_create(
            network=self.network, member=member, block_number=event.block_number,
            log_index=event.log_index,
            defaults={"kind": kind, "tx_hash": event.tx_hash, "timestamp": self._timestamp(event)},
        )  # fmt: skip
        if kind == "joined":
            member_id, url = self.batch.member_info.get(member.address, ("", ""))
            member.member_id, member.url = member_id or member.member_id, url or member.url
            member.joined_block, member.joined_at = event.block_number, self._timestamp(event)
            member.left_block = member.left_at = None
        else:
            member.left_block, member.left_at = event.block_number, self._timestamp(event)
        member.save()

    _on_joined = _on_left = _on_kicked = _membership

    def _on_challenge_decided(self, event: DecodedEvent) -> None:
        if _changes_membership(event):
            self._membership(event)

    def _on_minipool_created(self, event: DecodedEvent) -> None:
        self.minipools.append(event)

    def _round(self, event: DecodedEvent) -> tuple[str, str]:
        key = (event.spec.duty, str(round_key(event)[0]))
        self.round_openers.setdefault(key, event)
        return key

    def _on_submitted(self, event: DecodedEvent, revert_reason: str | None = None) -> None:
        """A vote: logged, or (with a `revert_reason`, maybe empty) reverted."""
        self._round(event)
        self.votes.append((event, revert_reason))

    def _on_updated(self, event: DecodedEvent) -> None:
        self._round(event)
        self.updates.append(event)

    # --- one bulk write per table ----------------------------------------------------------

    def _store_minipools(self) -> None:
        rows = [
            Minipool(network=self.network, address=e.values["minipool"],
                     created_block=e.block_number, created_at=self._timestamp(e))
            for e in self.minipools
        ]  # fmt: skip
        Minipool.objects.bulk_create(rows, ignore_conflicts=True)

    def _store_rounds(self) -> None:
        """Rounds the batch names, new ones opened by their first event here."""
        keys = set(self.round_openers)
        mine = Round.objects.filter(network=self.network, key__in={key for _, key in keys})
        known = {(r.duty, r.key) for r in mine.only("duty", "key") if (r.duty, r.key) in keys}
        openers = [(key, self.round_openers[key]) for key in self.round_openers if key not in known]
        created_at = self._scrubbed_minipools_created_at([event for _, event in openers])
        rows = [self._new_round(key, event, created_at) for key, event in openers]
        Round.objects.bulk_create(rows, ignore_conflicts=True)
        self.rounds = {(r.duty, r.key): r for r in mine if (r.duty, r.key) in keys}

    def _new_round(self, key: tuple[str, str], event: DecodedEvent,
                   minipools_created_at: dict[str, datetime]) -> Round:  # fmt: skip
        key_block = round_key(event)[1]
        return Round(network=self.network, duty=key[0], key=key[1], key_block=key_block,
                     opened_at=self._opened_at(event, key_block, minipools_created_at),
                     first_seen_block=event.block_number)  # fmt: skip

    def _scrubbed_minipools_created_at(self, openers: list[DecodedEvent]) -> dict[str, datetime]:
        addresses = {e.address for e in openers if e.spec.duty == "scrub"}
        if not addresses:
            return {}
        rows = Minipool.objects.filter(network=self.network, address__in=addresses)
        return dict(rows.values_list("address", "created_at"))

    def _opened_at(self, event: DecodedEvent, key_block: int | None,
                   minipools_created_at: dict[str, datetime]) -> datetime | None:  # fmt: skip
        if "slot_timestamp" in event.values:
            return _time(int(event.values["slot_timestamp"]))
        if key_block is not None and key_block in self.batch.blocks:
            return _time(self.batch.blocks[key_block].timestamp)
        if event.spec.duty == "scrub":
            return minipools_created_at.get(event.address)
        return None

    def _store_submissions(self) -> None:
        rows = [self._submission(event, reason) for event, reason in self.votes]
        insert_new(Submission, rows)

    def _submission(self, event: DecodedEvent, revert_reason: str | None) -> Submission:
        sim_round = self.rounds[(event.spec.duty, str(round_key(event)[0]))]
        tx = self.batch.txs[event.tx_hash]
        block_time = self._timestamp(event)
        delay = (block_time - sim_round.opened_at).total_seconds() if sim_round.opened_at else None
        return Submission(
            network=self.network, tx_hash=event.tx_hash, log_index=event.log_index,
            round=sim_round, member=self.members[event.values["from"]],
            values=event.values, submission_key=submission_key(event),
            contract_address=event.address, event_era=event.spec.era,
            tx_index=event.tx_index, block_number=event.block_number,
            block_hash=event.block_hash, block_time=block_time, tx_type=tx.tx_type,
            nonce=tx.nonce, gas_limit=tx.gas_limit, gas_used=tx.gas_used,
            max_fee=tx.max_fee, priority_fee=tx.priority_fee, gas_price=tx.gas_price,
            effective_gas_price=tx.effective_gas_price,
            base_fee=self.batch.blocks[event.block_number].base_fee,
            calldata_size=tx.calldata_size,
            delay_seconds=None if delay is None else int(delay),
            reverted=revert_reason is not None, revert_reason=revert_reason or "",
        )  # fmt: skip

    def _store_updates(self) -> None:
        rows = [
            OnChainUpdate(network=self.network, tx_hash=e.tx_hash, log_index=e.log_index,
                          round=self.rounds[(e.spec.duty, str(round_key(e)[0]))],
                          values=e.values, submission_key=submission_key(e),
                          block_number=e.block_number)
            for e in self.updates
        ]  # fmt: skip
        insert_new(OnChainUpdate, rows)

    def _bad_logs(self) -> None:
        rows = [
            UndecodableLog(network=self.network, tx_hash=str(raw.get("transactionHash", ""))[:66],
                           log_index=_hex_int(raw.get("logIndex")),
                           block_number=_hex_int(raw.get("blockNumber")), raw=_json_safe(raw),
                           error=error)
            for raw, error in self.batch.bad_logs
        ]  # fmt: skip
        UndecodableLog.objects.bulk_create(rows, ignore_conflicts=True)


def _hex_int(value) -> int:
    try:
        return int(str(value), 16)
    except (TypeError, ValueError):
        return 0


def _json_safe(raw: dict) -> dict:
    return {str(k): v if isinstance(v, (str, int, list, type(None))) else repr(v)
            for k, v in raw.items()}  # fmt: skip
