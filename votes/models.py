"""The chain side of towerwatch: who submitted what, when, how, and whether it won.

Member, Round, Submission and Consensus are the story; ContractAddress, MembershipEvent,
OnChainUpdate, IndexedBlock and Checkpoint are what the indexer needs to make that story
complete, exact and restartable. Integers too large for JSON are kept as decimal strings in
`values`; chain amounts in fixed columns use DecimalField(78, 0), which holds any uint256.
"""

from django.db import models

UINT256 = {"max_digits": 78, "decimal_places": 0}


class Duty(models.TextChoices):
    BALANCES = "balances", "Network balances"
    PRICES = "prices", "RPL price"
    REWARDS = "rewards", "Rewards tree"
    SCRUB = "scrub", "Minipool scrub"
    PENALTY = "penalty", "Minipool penalty"
    MEGAPOOL_PENALTY = "megapool_penalty", "Megapool penalty"
    BOND_CANCEL = "bond_cancel", "Bond-reduction cancel"


class Checkpoint(models.Model):
    """The last block fully indexed for a network; moves in the same transaction as the rows."""

    network = models.CharField(max_length=32, unique=True)
    block_number = models.BigIntegerField()
    block_hash = models.CharField(max_length=66)
    updated_at = models.DateTimeField(auto_now=True)


class IndexedBlock(models.Model):
    """Hashes of blocks we stored rows from, to find the fork point after a reorg."""

    network = models.CharField(max_length=32)
    number = models.BigIntegerField()
    hash = models.CharField(max_length=66)
    timestamp = models.BigIntegerField()
    base_fee = models.DecimalField(null=True, **UINT256)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["network", "number"], name="uniq_block")]


class ContractAddress(models.Model):
    """One address a RocketStorage name pointed to, and the blocks it was live."""

    network = models.CharField(max_length=32)
    name = models.CharField(max_length=64)
    address = models.CharField(max_length=42)
    version = models.IntegerField(null=True)
    from_block = models.BigIntegerField()
    to_block = models.BigIntegerField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["network", "name", "address"], name="uniq_contract")
        ]


class Member(models.Model):
    network = models.CharField(max_length=32)
    address = models.CharField(max_length=42)
    member_id = models.CharField(max_length=200, blank=True)
    url = models.CharField(max_length=500, blank=True)
    joined_block = models.BigIntegerField(null=True)
    joined_at = models.DateTimeField(null=True)
    left_block = models.BigIntegerField(null=True)
    left_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["network", "address"], name="uniq_member")]
        ordering = ["joined_block", "address"]

    def __str__(self) -> str:
        return self.member_id or self.address


class MembershipEvent(models.Model):
    """Join, leave and kick, in chain order: the member count at any vote comes from here."""

    class Kind(models.TextChoices):
        JOINED = "joined"
        LEFT = "left"
        KICKED = "kicked"
        REMOVED = "removed"  # by a successful challenge (ActionChallengeDecided)
        SNAPSHOT = "snapshot"  # a member already present where indexing started

    network = models.CharField(max_length=32)
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    block_number = models.BigIntegerField()
    log_index = models.IntegerField()
    tx_hash = models.CharField(max_length=66)
    timestamp = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["network", "block_number", "log_index", "member"], name="uniq_membership"
            )
        ]
        ordering = ["block_number", "log_index"]


class Round(models.Model):
    """One thing the oDAO votes on: the duty plus the key the contract votes on."""

    network = models.CharField(max_length=32)
    duty = models.CharField(max_length=32, choices=Duty.choices)
    key = models.CharField(max_length=80, help_text="block, reward index or minipool address")
    key_block = models.BigIntegerField(null=True, help_text="the block voted on, if any")
    opened_at = models.DateTimeField(null=True, help_text="when the round became due")
    first_seen_block = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["network", "duty", "key"], name="uniq_round")
        ]
        ordering = ["-first_seen_block"]
        indexes = [models.Index(fields=["network", "duty", "first_seen_block"])]

    def __str__(self) -> str:
        return f"{self.duty} {self.key}"


class Submission(models.Model):
    """One member's vote, with the transaction that carried it.

    A reverted vote (`reverted`) is a transaction the member's software built that the contract
    refused: no log, so `log_index` is -1 and `values` are its decoded calldata. It counts as
    participation and as fingerprint evidence, never toward consensus."""

    network = models.CharField(max_length=32)
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="submissions")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="submissions")
    values = models.JSONField()
    submission_key = models.CharField(max_length=66, help_text="the contract's vote counter key")
    contract_address = models.CharField(max_length=42)
    event_era = models.CharField(max_length=8)
    tx_hash = models.CharField(max_length=66)
    log_index = models.IntegerField()
    tx_index = models.IntegerField()
    block_number = models.BigIntegerField()
    block_hash = models.CharField(max_length=66)
    block_time = models.DateTimeField()
    tx_type = models.IntegerField()
    nonce = models.BigIntegerField()
    gas_limit = models.BigIntegerField()
    gas_used = models.BigIntegerField()
    max_fee = models.DecimalField(null=True, **UINT256)
    priority_fee = models.DecimalField(null=True, **UINT256)
    gas_price = models.DecimalField(null=True, **UINT256, help_text="legacy gasPrice")
    effective_gas_price = models.DecimalField(**UINT256)
    base_fee = models.DecimalField(null=True, **UINT256)
    calldata_size = models.IntegerField()
    delay_seconds = models.IntegerField(null=True, help_text="seconds after the round opened")
    agrees_with_consensus = models.BooleanField(null=True)
    late = models.BooleanField(default=False, help_text="cast after consensus was reached")
    reverted = models.BooleanField(default=False, help_text="the transaction reverted")
    revert_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["network", "tx_hash", "log_index"], name="uniq_submission"
            )
        ]
        ordering = ["block_number", "log_index"]
        indexes = [
            models.Index(fields=["network", "member", "block_number"]),
            models.Index(fields=["round", "submission_key"]),
        ]


class OnChainUpdate(models.Model):
    """The contract's own verdict: BalancesUpdated, PricesUpdated, RewardSnapshot, MinipoolScrubbed
    (each emitted by the transaction that applied the value)."""

    network = models.CharField(max_length=32)
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="updates")
    values = models.JSONField()
    submission_key = models.CharField(max_length=66)
    tx_hash = models.CharField(max_length=66)
    log_index = models.IntegerField()
    block_number = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["network", "tx_hash", "log_index"], name="uniq_update")
        ]


class Consensus(models.Model):
    """What towerwatch computes the contract decided, checked against OnChainUpdate."""

    class Status(models.TextChoices):
        REACHED = "reached", "Consensus reached"
        PENDING = "pending", "No value has reached the threshold"
        REFUSED = "refused", "Consensus reached, update refused (the crossing vote reverted)"
        MISMATCH = "mismatch", "Computed consensus differs from the chain (indexer bug)"

    round = models.OneToOneField(Round, on_delete=models.CASCADE, related_name="consensus")
    status = models.CharField(max_length=16, choices=Status.choices)
    submission_key = models.CharField(max_length=66, blank=True)
    values = models.JSONField(null=True)
    crossing_submission = models.ForeignKey(
        Submission, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    vote_count = models.IntegerField(default=0, help_text="identical votes when it crossed")
    member_count = models.IntegerField(default=0, help_text="members at the crossing vote")
    threshold = models.DecimalField(max_digits=30, decimal_places=0, default=510000000000000000)
    block_number = models.BigIntegerField(null=True)
    onchain_update = models.ForeignKey(
        OnChainUpdate, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    dissent_count = models.IntegerField(default=0)
    mismatch_reason = models.TextField(blank=True)
    computed_at = models.DateTimeField(auto_now=True)


class UndecodableLog(models.Model):
    """A log from an oDAO address or topic that could not be decoded: kept, never dropped."""

    network = models.CharField(max_length=32)
    block_number = models.BigIntegerField()
    tx_hash = models.CharField(max_length=66)
    log_index = models.IntegerField()
    raw = models.JSONField()
    error = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["network", "tx_hash", "log_index"], name="uniq_bad_log")
        ]


class Minipool(models.Model):
    """Minipools seen being created: a scrub round opens when its minipool does."""

    network = models.CharField(max_length=32)
    address = models.CharField(max_length=42)
    created_block = models.BigIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["network", "address"], name="uniq_minipool")]


class StateVersion(models.Model):
    """A random token per part of the stored state, replaced by every write to that part in the
    writer's own transaction, so a cache key holding the tokens can never name stale content
    (votes/state.py)."""

    part = models.CharField(max_length=32, unique=True)
    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField()
