"""Query-string filters of the chain-side API (django-filter).

Block ranges are inclusive (`from_block` / `to_block`); addresses match case-insensitively,
since people paste them checksummed or not.
"""

from datetime import UTC

import django_filters as filters
from django import forms

from votes.models import Consensus, Duty, Member, Round, Submission


class UTCDateTimeField(filters.fields.IsoDateTimeField):
    """An ISO 8601 time, turned to UTC before it reaches the database: PostgreSQL refuses
    offsets Python accepts (up to ±23:59), and a 500 must not be how a client learns that."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError("time out of range", code="invalid") from None


class UTCDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UTCDateTimeField


class MemberFilter(filters.FilterSet):
    address = filters.CharFilter(lookup_expr="iexact")
    active = filters.BooleanFilter(field_name="left_block", lookup_expr="isnull",
                                   label="still a member (never left or kicked)")  # fmt: skip

    class Meta:
        model = Member
        fields = ["network", "address", "member_id", "active"]


class RoundFilter(filters.FilterSet):
    duty = filters.MultipleChoiceFilter(choices=Duty.choices)
    status = filters.ChoiceFilter(field_name="consensus__status",
                                  choices=Consensus.Status.choices)  # fmt: skip
    from_block = filters.NumberFilter(field_name="first_seen_block", lookup_expr="gte")
    to_block = filters.NumberFilter(field_name="first_seen_block", lookup_expr="lte")
    opened_after = UTCDateTimeFilter(field_name="opened_at", lookup_expr="gte")
    opened_before = UTCDateTimeFilter(field_name="opened_at", lookup_expr="lt")

    class Meta:
        model = Round
        fields = ["network", "duty", "key", "status", "from_block", "to_block"]


class SubmissionFilter(filters.FilterSet):
    duty = filters.MultipleChoiceFilter(field_name="round__duty", choices=Duty.choices)
    round_key = filters.CharFilter(field_name="round__key")
    member_address = filters.CharFilter(field_name="member__address", lookup_expr="iexact")
    from_block = filters.NumberFilter(field_name="block_number", lookup_expr="gte")
    to_block = filters.NumberFilter(field_name="block_number", lookup_expr="lte")
    tx_hash = filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = Submission
        fields = [
            "network", "member", "member_address", "duty", "round", "round_key", "from_block",
            "to_block", "agrees_with_consensus", "late", "event_era", "tx_hash",
        ]  # fmt: skip


class ConsensusFilter(filters.FilterSet):
    network = filters.CharFilter(field_name="round__network")
    duty = filters.MultipleChoiceFilter(field_name="round__duty", choices=Duty.choices)
    from_block = filters.NumberFilter(field_name="block_number", lookup_expr="gte")
    to_block = filters.NumberFilter(field_name="block_number", lookup_expr="lte")

    class Meta:
        model = Consensus
        fields = ["network", "duty", "status", "from_block", "to_block"]
