"""Issue 13, item 3: a refresh recomputes only the points whose inputs changed, and what it
stores is exactly what a full recomputation stores.

On the session's indexed 30-day simulation (real anvil, real indexer) with half the members
declared: a new day of data, a declaration dated in the past, a reorg's rollback (and the rows
indexed again under new ids), rows another writer deleted, changed windows, and a refresh with
nothing new. After each, every stored row (all columns but the primary key and the time it was
computed) equals the rows of a full recomputation made in a savepoint that is rolled back.
"""

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import transaction

from bench.bench_fingerprint import (
    STORED_PER_RANGE,
    hold_back,
    store_again,
    stored_after,
    stored_rows,
)
from diversity.fingerprint.assignments import WINDOWS
from diversity.fingerprint.evaluate import choose_declared, sign_declaration
from diversity.fingerprint.refresh import refresh_assignments
from diversity.models import Assignment, Declaration, Kind
from tests.test_fingerprint_acceptance import NETWORK, indexed_snapshot, restore
from votes import state
from votes.indexing.reorg import roll_back
from votes.models import IndexedBlock, MembershipEvent, Round, StateVersion, Submission

pytestmark = [pytest.mark.chain, pytest.mark.slow]


@pytest.fixture
def history(simulated_devnet, django_db_blocker, db):
    """The indexed simulation with half the members declared from when they joined; returns
    the ground truth and the declared members."""
    _, deployment, _, truth = simulated_devnet
    restore(indexed_snapshot(deployment, django_db_blocker))
    declared = choose_declared(truth["members"], 0.5)
    for member in declared:
        sign_declaration(NETWORK, member, truth["seed"], at=(member["joined_at"] or 0) + 60)
    return truth, declared


def full_recomputation() -> list[tuple]:
    """The rows a full recomputation stores, in a savepoint rolled back afterwards."""
    with transaction.atomic():
        refresh_assignments(NETWORK, full=True)
        rows = stored_rows(NETWORK)
        transaction.set_rollback(True)
    return rows


def fingerprint_token() -> str | None:
    version = StateVersion.objects.filter(part=state.FINGERPRINT)
    return version.values_list("token", flat=True).first()


def midnight(at: datetime) -> datetime:
    return at.replace(hour=0, minute=0, second=0, microsecond=0)


def last_block_time() -> datetime:
    block = IndexedBlock.objects.filter(network=NETWORK).order_by("-number").first()
    return datetime.fromtimestamp(block.timestamp, UTC)


def first_vote_time() -> datetime:
    return Submission.objects.filter(network=NETWORK).order_by("block_time").first().block_time


def stored_points_since(at: datetime) -> int:
    points = Assignment.objects.filter(network=NETWORK, as_of__gte=at).order_by()
    return points.values_list("as_of", flat=True).distinct().count()


def first_change(kept: dict) -> datetime:
    """The earliest time the held-back rows speak of: a round may open before it is first seen."""
    return min([vote.block_time for vote in kept[Submission]]
               + [r.opened_at for r in kept[Round] if r.opened_at is not None]
               + [event.timestamp for event in kept[MembershipEvent]])  # fmt: skip


def rolled_back_after(cut: datetime) -> dict:
    """A reorg's rollback of the blocks after `cut` (votes.indexing.reorg), returning copies of
    the rows it deletes."""
    block = IndexedBlock.objects.filter(network=NETWORK, timestamp__lte=cut.timestamp())
    fork = block.order_by("-number").first()
    kept = {model: list(rows) for model, rows in stored_after(NETWORK, fork.number).items()}
    roll_back(NETWORK, fork.number, fork.hash)
    assert kept[Submission] and kept[Round], "the rolled-back blocks must hold votes and rounds"
    return kept


def current_as_of(client) -> set[str]:
    """The times of the current assignments, as the (cached) API serves them."""
    page = client.get("/api/assignments/?current=true").json()
    return {row["as_of"][:19] for row in page["results"]}


def test_a_new_day_recomputes_only_the_new_points_and_equals_a_full_recomputation(history, client):
    kept = hold_back(NETWORK, last_block_time() - timedelta(days=1))
    assert kept[Submission], "the newest day holds votes"
    before = refresh_assignments(NETWORK)
    assert before.full and before.points == before.total_points
    assert current_as_of(client) == {before.as_of.isoformat()[:19]}
    earlier = {row.as_of: row.id for row in Assignment.objects.filter(network=NETWORK)}
    token = fingerprint_token()
    store_again(kept)  # the indexer's next pass stores the day
    after = refresh_assignments(NETWORK)
    assert current_as_of(client) == {after.as_of.isoformat()[:19]}, "the cached list moved on"
    assert not after.full
    assert after.recomputed_from == midnight(first_change(kept))
    assert after.points == stored_points_since(after.recomputed_from) <= 4
    assert after.total_points == before.total_points + 1
    unchanged = Assignment.objects.filter(network=NETWORK, as_of__lt=after.recomputed_from)
    assert {row.as_of: row.id for row in unchanged} == {  # the old latest point is gone
        at: row_id for at, row_id in earlier.items() if before.as_of != at < after.recomputed_from
    }
    assert fingerprint_token() != token, "cached pages must see the new assignments"
    assert stored_rows(NETWORK) == full_recomputation()


def test_a_refresh_with_nothing_new_changes_nothing(history):
    refresh_assignments(NETWORK)
    rows = list(Assignment.objects.filter(network=NETWORK).values_list("id", "computed_at"))
    token = fingerprint_token()
    again = refresh_assignments(NETWORK)
    assert (again.points, again.assignments, again.full) == (0, 0, False)
    assert list(Assignment.objects.filter(network=NETWORK).values_list("id", "computed_at")) == rows
    assert fingerprint_token() == token, "nothing changed: cached pages stay valid"


def test_a_declaration_dated_in_the_past_recomputes_from_its_day(history):
    truth, declared = history
    first = refresh_assignments(NETWORK)
    at = first_vote_time() + timedelta(days=12, hours=5)
    member = next(m for m in truth["members"] if m not in declared and m["left_at"] is None
                  and (m["joined_at"] or 0) < at.timestamp())  # fmt: skip
    declaration = sign_declaration(NETWORK, member, truth["seed"], at=int(at.timestamp()))
    refresh = refresh_assignments(NETWORK)
    assert not refresh.full
    assert refresh.recomputed_from == midnight(at)
    assert refresh.points == stored_points_since(midnight(at)) < first.total_points
    mine = Assignment.objects.filter(
        network=NETWORK, member=declaration.member, kind=Kind.WATCHTOWER
    )
    assert {row.source for row in mine.filter(as_of__gte=at)} == {Assignment.Source.DECLARED}
    assert Assignment.Source.DECLARED not in {row.source for row in mine.filter(as_of__lt=at)}
    assert stored_rows(NETWORK) == full_recomputation()


def test_a_rollback_and_the_rows_indexed_again_equal_a_full_recomputation(history):
    refresh_assignments(NETWORK)
    kept = rolled_back_after(last_block_time() - timedelta(days=8, hours=7))
    rolled = refresh_assignments(NETWORK)
    assert not rolled.full and rolled.recomputed_from == midnight(first_change(kept))
    assert stored_rows(NETWORK) == full_recomputation()
    indexed_again = refresh_after_indexing_again(kept)
    assert not indexed_again.full
    assert indexed_again.recomputed_from == midnight(first_change(kept))
    assert stored_rows(NETWORK) == full_recomputation()


def refresh_after_indexing_again(kept: dict):
    """Store the rolled-back rows again as the indexer would, under new primary keys."""
    old_round_ids = [sim_round.pk for sim_round in kept[Round]]
    for model in STORED_PER_RANGE:
        for row in kept[model]:
            row.pk = None
    Round.objects.bulk_create(kept[Round])
    new_ids = dict(zip(old_round_ids, (r.pk for r in kept[Round]), strict=True))
    for vote in kept[Submission]:
        vote.round_id = new_ids.get(vote.round_id, vote.round_id)
    for model in STORED_PER_RANGE[1:]:
        model.objects.bulk_create(kept[model])
    return refresh_assignments(NETWORK)


def test_rows_written_by_someone_else_or_other_windows_mean_a_full_recomputation(history):
    refresh_assignments(NETWORK)
    victim = Assignment.objects.filter(network=NETWORK).order_by("as_of").first()
    victim.delete()
    assert refresh_assignments(NETWORK).full
    assert stored_rows(NETWORK) == full_recomputation()
    windows = {**WINDOWS, Kind.WATCHTOWER: timedelta(days=20)}
    assert refresh_assignments(NETWORK, windows).full
    assert not refresh_assignments(NETWORK, windows).points
    assert refresh_assignments(NETWORK).full  # back to the default windows


def test_the_declarations_keep_counting_after_a_refresh(history):
    """The fixture's declarations are in force: the comparisons above compare something."""
    refresh = refresh_assignments(NETWORK)
    declared = Assignment.objects.filter(network=NETWORK, as_of=refresh.as_of,
                                         source=Assignment.Source.DECLARED)  # fmt: skip
    truth, members = history
    still_members = [m for m in members if m["left_at"] is None]
    assert still_members and declared.count() == 2 * len(still_members)
    assert Declaration.objects.filter(network=NETWORK).count() == len(members)
    inferred = Assignment.objects.filter(network=NETWORK, as_of=refresh.as_of,
                                         source=Assignment.Source.INFERRED)  # fmt: skip
    assert inferred.exists()


def test_the_fingerprint_command_recomputes_what_changed_or_everything_with_full(history):
    def run(*flags) -> dict:
        out = io.StringIO()
        call_command("fingerprint", "--json", *flags, stdout=out)
        return json.loads(out.getvalue())

    first = run()
    assert first["points"] == stored_points_since(midnight(first_vote_time()))
    assert run()["points"] == 0
    forced = run("--full")
    assert forced["points"] == first["points"] and forced["shares"] == first["shares"]
