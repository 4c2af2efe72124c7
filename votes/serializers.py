"""JSON shapes of the chain-side API. Wei amounts and thresholds are strings (DecimalField with
no decimal places): a uint256 does not fit a JSON number. Submitted values are already kept
as decimal strings by the indexer, so `values` is passed through as stored."""

from rest_framework import serializers

from votes.models import Consensus, Member, OnChainUpdate, Round, Submission


class MemberSerializer(serializers.ModelSerializer):
    active = serializers.BooleanField(read_only=True, help_text="not left or kicked")
    submission_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Member
        fields = [
            "id", "network", "address", "member_id", "url", "joined_block", "joined_at",
            "left_block", "left_at", "active", "submission_count",
        ]  # fmt: skip


class MemberRefSerializer(serializers.ModelSerializer):
    """A member as other resources point to it."""

    class Meta:
        model = Member
        fields = ["id", "address", "member_id"]


class RoundRefSerializer(serializers.ModelSerializer):
    """A round as other resources point to it."""

    class Meta:
        model = Round
        fields = ["id", "network", "duty", "key"]


class SubmissionRefSerializer(serializers.ModelSerializer):
    member = MemberRefSerializer(read_only=True)

    class Meta:
        model = Submission
        fields = ["id", "tx_hash", "log_index", "block_number", "member"]


class OnChainUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = OnChainUpdate
        fields = ["tx_hash", "log_index", "block_number", "submission_key", "values"]


class OutcomeSerializer(serializers.ModelSerializer):
    """The consensus of one round, as nested in the round itself."""

    crossing_submission = SubmissionRefSerializer(read_only=True, allow_null=True)
    onchain_update = OnChainUpdateSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Consensus
        fields = [
            "status", "submission_key", "values", "vote_count", "member_count", "threshold",
            "block_number", "crossing_submission", "onchain_update", "dissent_count",
            "mismatch_reason", "computed_at",
        ]  # fmt: skip


class ConsensusSerializer(OutcomeSerializer):
    round = RoundRefSerializer(read_only=True)

    class Meta(OutcomeSerializer.Meta):
        fields = ["id", "round", *OutcomeSerializer.Meta.fields]


class RoundSerializer(serializers.ModelSerializer):
    consensus = OutcomeSerializer(read_only=True, allow_null=True)
    submission_count = serializers.IntegerField(read_only=True)
    late_count = serializers.IntegerField(read_only=True, help_text="cast after consensus")

    class Meta:
        model = Round
        fields = [
            "id", "network", "duty", "key", "key_block", "opened_at", "first_seen_block",
            "submission_count", "late_count", "consensus",
        ]  # fmt: skip


class SubmissionSerializer(serializers.ModelSerializer):
    round = RoundRefSerializer(read_only=True)
    member = MemberRefSerializer(read_only=True)

    class Meta:
        model = Submission
        fields = [
            "id", "network", "round", "member", "values", "submission_key", "contract_address",
            "event_era", "tx_hash", "log_index", "tx_index", "block_number", "block_hash",
            "block_time", "tx_type", "nonce", "gas_limit", "gas_used", "max_fee", "priority_fee",
            "gas_price", "effective_gas_price", "base_fee", "calldata_size", "delay_seconds",
            "agrees_with_consensus", "late",
        ]  # fmt: skip
