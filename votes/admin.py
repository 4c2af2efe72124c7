"""Admin for the chain side: every indexed table, for looking, not for editing.

The indexer is the only writer of these rows (a hand edit would be overwritten by the next pass
or, worse, contradict the chain), so the pages are view-only. Lists that grow with the chain
skip the full COUNT(*) and fetch their related rows in the same query.
"""

from django.contrib import admin

from votes.models import (
    Checkpoint,
    Consensus,
    ContractAddress,
    IndexedBlock,
    Member,
    MembershipEvent,
    Minipool,
    OnChainUpdate,
    Round,
    Submission,
    UndecodableLog,
)


class ChainDataAdmin(admin.ModelAdmin):
    """View-only: no add, change or delete, for staff and superusers alike."""

    show_full_result_count = False
    list_per_page = 100

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class MembershipEventInline(admin.TabularInline):
    model = MembershipEvent
    fields = ["kind", "block_number", "log_index", "tx_hash", "timestamp"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Member)
class MemberAdmin(ChainDataAdmin):
    list_display = ["__str__", "address", "network", "joined_block", "joined_at", "left_block"]
    list_filter = ["network"]
    search_fields = ["address", "member_id", "url"]
    inlines = [MembershipEventInline]


@admin.register(MembershipEvent)
class MembershipEventAdmin(ChainDataAdmin):
    list_display = ["member", "kind", "block_number", "timestamp", "tx_hash"]
    list_filter = ["network", "kind"]
    list_select_related = ["member"]
    search_fields = ["member__address", "member__member_id", "tx_hash"]


@admin.register(Round)
class RoundAdmin(ChainDataAdmin):
    list_display = ["__str__", "network", "duty", "key_block", "opened_at", "first_seen_block",
                    "consensus_status"]  # fmt: skip
    list_filter = ["network", "duty", "consensus__status"]
    list_select_related = ["consensus"]
    search_fields = ["key"]

    @admin.display(description="consensus", ordering="consensus__status")
    def consensus_status(self, sim_round: Round) -> str:
        outcome = getattr(sim_round, "consensus", None)
        return outcome.status if outcome else "-"


@admin.register(Submission)
class SubmissionAdmin(ChainDataAdmin):
    list_display = ["tx_hash", "round", "member", "block_number", "event_era", "delay_seconds",
                    "agrees_with_consensus", "late"]  # fmt: skip
    list_filter = ["network", "round__duty", "event_era", "late", "agrees_with_consensus",
                   "tx_type"]  # fmt: skip
    list_select_related = ["round", "member"]
    search_fields = ["tx_hash", "member__address", "member__member_id", "round__key"]
    date_hierarchy = "block_time"


@admin.register(Consensus)
class ConsensusAdmin(ChainDataAdmin):
    list_display = ["round", "status", "vote_count", "member_count", "block_number",
                    "dissent_count"]  # fmt: skip
    list_filter = ["status", "round__network", "round__duty"]
    list_select_related = ["round"]
    search_fields = ["round__key", "submission_key"]
    raw_id_fields = ["round", "crossing_submission", "onchain_update"]


@admin.register(OnChainUpdate)
class OnChainUpdateAdmin(ChainDataAdmin):
    list_display = ["round", "block_number", "tx_hash", "submission_key"]
    list_filter = ["network", "round__duty"]
    list_select_related = ["round"]
    search_fields = ["tx_hash", "round__key"]
    raw_id_fields = ["round"]


@admin.register(UndecodableLog)
class UndecodableLogAdmin(ChainDataAdmin):
    list_display = ["tx_hash", "log_index", "block_number", "network", "error"]
    list_filter = ["network"]
    search_fields = ["tx_hash", "error"]


@admin.register(ContractAddress)
class ContractAddressAdmin(ChainDataAdmin):
    list_display = ["name", "address", "network", "version", "from_block", "to_block"]
    list_filter = ["network", "name"]
    search_fields = ["name", "address"]


@admin.register(Minipool)
class MinipoolAdmin(ChainDataAdmin):
    list_display = ["address", "network", "created_block", "created_at"]
    list_filter = ["network"]
    search_fields = ["address"]


@admin.register(Checkpoint)
class CheckpointAdmin(ChainDataAdmin):
    list_display = ["network", "block_number", "block_hash", "updated_at"]


@admin.register(IndexedBlock)
class IndexedBlockAdmin(ChainDataAdmin):
    list_display = ["number", "network", "hash", "timestamp", "base_fee"]
    list_filter = ["network"]
    search_fields = ["hash"]
