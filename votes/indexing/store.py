"""Write one RangeBatch: members, rounds, submissions, on-chain updates and the checkpoint,
all in the caller's database transaction. Unique constraints make a replay a no-op."""

from datetime import UTC, datetime

from votes import state
from votes.chain.decoders import DecodedEvent
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


class BatchWriter:
    def __init__(self, network: str, batch: RangeBatch):
        self.network = network
        self.batch = batch
        self.touched_rounds: set[int] = set()

    def write(self) -> set[int]:
        """Store everything in the batch; returns the ids of rounds that changed."""
        self._blocks()
        for event in self.batch.events:
            handler = getattr(self, f"_on_{event.spec.kind}")
            handler(event)
        for vote in self.batch.reverted:
            self._on_submitted(vote, self.batch.revert_reasons.get(vote.tx_hash, ""))
        self._bad_logs()
        head = self.batch.blocks[self.batch.to_block]
        Checkpoint.objects.update_or_create(
            network=self.network,
            defaults={"block_number": head.number, "block_hash": head.hash},
        )
        state.bump(state.CHAIN)  # in the range's transaction: cached pages see it with the rows
        return self.touched_rounds

    def _blocks(self) -> None:
        rows = [
            IndexedBlock(network=self.network, number=b.number, hash=b.hash,
                         timestamp=b.timestamp, base_fee=b.base_fee)
            for b in self.batch.blocks.values()
            if b.number >= self.batch.from_block
        ]  # fmt: skip
        IndexedBlock.objects.bulk_create(rows, ignore_conflicts=True)

    def _timestamp(self, event: DecodedEvent) -> datetime:
        return _time(self.batch.blocks[event.block_number].timestamp)

    def _member(self, address: str) -> Member:
        member, _ = Member.objects.get_or_create(network=self.network, address=address)
        return member

    def _membership(self, event: DecodedEvent) -> None:
        member = self._member(event.values["node"])
        kind = MEMBERSHIP_KINDS[event.spec.kind]
        _, created = MembershipEvent.objects.get_or_create(
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
        """A successful challenge removes the member; a failed one (the member answered)
        changes nothing."""
        if event.values["success"]:
            self._membership(event)

    def _on_minipool_created(self, event: DecodedEvent) -> None:
        Minipool.objects.get_or_create(
            network=self.network, address=event.values["minipool"],
            defaults={"created_block": event.block_number, "created_at": self._timestamp(event)},
        )  # fmt: skip

    def _round(self, event: DecodedEvent) -> Round:
        key, key_block = round_key(event)
        sim_round, _ = Round.objects.get_or_create(
            network=self.network, duty=event.spec.duty, key=str(key),
            defaults={"key_block": key_block, "opened_at": self._opened_at(event, key_block),
                      "first_seen_block": event.block_number},
        )  # fmt: skip
        self.touched_rounds.add(sim_round.id)
        return sim_round

    def _opened_at(self, event: DecodedEvent, key_block: int | None) -> datetime | None:
        if "slot_timestamp" in event.values:
            return _time(int(event.values["slot_timestamp"]))
        if key_block is not None and key_block in self.batch.blocks:
            return _time(self.batch.blocks[key_block].timestamp)
        if event.spec.duty == "scrub":
            minipool = Minipool.objects.filter(network=self.network, address=event.address).first()
            return minipool.created_at if minipool else None
        return None

    def _on_submitted(self, event: DecodedEvent, revert_reason: str | None = None) -> None:
        """A vote: logged, or (with a `revert_reason`, maybe empty) reverted."""
        sim_round = self._round(event)
        tx = self.batch.txs[event.tx_hash]
        block_time = self._timestamp(event)
        delay = (block_time - sim_round.opened_at).total_seconds() if sim_round.opened_at else None
        Submission.objects.get_or_create(
            network=self.network, tx_hash=event.tx_hash, log_index=event.log_index,
            defaults=dict(
                round=sim_round, member=self._member(event.values["from"]),
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
            ),
        )  # fmt: skip

    def _on_updated(self, event: DecodedEvent) -> None:
        sim_round = self._round(event)
        key = submission_key(event)
        OnChainUpdate.objects.get_or_create(
            network=self.network, tx_hash=event.tx_hash, log_index=event.log_index,
            defaults={"round": sim_round, "values": event.values, "submission_key": key,
                      "block_number": event.block_number},
        )  # fmt: skip

    def _bad_logs(self) -> None:
        for raw, error in self.batch.bad_logs:
            UndecodableLog.objects.get_or_create(
                network=self.network,
                tx_hash=str(raw.get("transactionHash", ""))[:66],
                log_index=_hex_int(raw.get("logIndex")),
                defaults={"block_number": _hex_int(raw.get("blockNumber")),
                          "raw": _json_safe(raw), "error": error},
            )  # fmt: skip


def _hex_int(value) -> int:
    try:
        return int(str(value), 16)
    except (TypeError, ValueError):
        return 0


def _json_safe(raw: dict) -> dict:
    return {str(k): v if isinstance(v, (str, int, list, type(None))) else repr(v)
            for k, v in raw.items()}  # fmt: skip
