"""Rules about votes: disagreement with consensus and the reference, slow consensus, silence.

Every query stops at `situation.now`, so replaying an evaluation at a past moment sees what
towerwatch knew then (up to what the indexer has stored).
"""

from datetime import timedelta

from diversity.alerts.models import Rule, Severity
from diversity.alerts.situation import Condition, Situation, member_label, moment
from diversity.models.verdicts import Verdict
from diversity.reference.verdicts import compared_fields
from votes.models import Consensus, Member, Round, Submission

KIND_OF_DUTY = {"rewards": "treegen"}  # every other duty is the watchtower's


def kind_of(duty: str) -> str:
    return KIND_OF_DUTY.get(duty, "watchtower")


def differing_fields(duty: str, submitted: dict, consensus: dict | None) -> dict[str, list[str]]:
    """{field: [submitted, consensus]} for the fields a reference can check; a duty without
    such fields (scrub) compares the whole vote."""
    mine, theirs = compared_fields(duty, submitted), compared_fields(duty, consensus or {})
    if not mine:
        return {"vote": ["a different vote", "the consensus vote"]}
    return {f: [v, theirs.get(f, "none")] for f, v in mine.items() if v != theirs.get(f)}


def round_label(sim_round: Round) -> str:
    return f"{sim_round.duty} round {sim_round.key} (opened {moment(sim_round.opened_at)})"


def _reached(situation: Situation, duties: list[str]):
    return Consensus.objects.filter(
        round__network=situation.network,
        round__duty__in=duties,
        status=Consensus.Status.REACHED,
        crossing_submission__block_time__lte=situation.now,
    ).select_related("round")


def member_disagrees(situation: Situation, params: dict) -> list[Condition]:
    """A member whose latest decided vote (per duty) differs from consensus. It lasts until the
    member votes with consensus again; the rounds it disagreed in pile up in `details`."""
    since = situation.now - timedelta(days=params["lookback_days"])
    votes = (
        Submission.objects.filter(
            network=situation.network,
            round__duty__in=params["duties"],
            agrees_with_consensus__isnull=False,
            block_time__gt=since,
            block_time__lte=situation.now,
        )
        .select_related("member", "round", "round__consensus")
        .order_by("-block_number", "-log_index")
    )
    latest: dict[tuple[str, int], Submission] = {}
    for vote in votes:
        latest.setdefault((vote.round.duty, vote.member_id), vote)
    conditions = []
    for (duty, _), vote in sorted(latest.items(), key=lambda item: item[1].block_number):
        if vote.agrees_with_consensus:
            continue
        fields = differing_fields(duty, vote.values, vote.round.consensus.values)
        who = member_label(vote.member)
        conditions.append(
            Condition(
                rule=Rule.MEMBER_DISAGREES,
                key=f"member_disagrees:{duty}:{vote.member.address}",
                severity=Severity.WARNING,
                title=f"{who} disagrees with consensus on {duty}",
                message=f"{who} voted differently from consensus in {round_label(vote.round)}: "
                + "; ".join(f"{f} {s} where consensus has {c}" for f, (s, c) in fields.items()),
                details={
                    "member": vote.member.address,
                    "duty": duty,
                    "round": vote.round_id,
                    "round_key": vote.round.key,
                    "tx_hash": vote.tx_hash,
                    "fields": fields,
                },
            )
        )
    return conditions


def implementation_disagrees(situation: Situation, params: dict) -> list[Condition] | None:
    """Every member of one implementation that voted in the latest decided round of a duty
    voted against consensus: the implementation, not a member, is likely wrong."""
    if situation.implementation_of is None:
        return None
    conditions = []
    for duty in params["duties"]:
        consensus = _reached(situation, [duty]).order_by("-round__key_block", "-id").first()
        if consensus is None:
            continue
        conditions += _implementations_against(situation, consensus)
    return conditions


def _implementations_against(situation: Situation, consensus: Consensus) -> list[Condition]:
    sim_round, kind = consensus.round, kind_of(consensus.round.duty)
    votes = Submission.objects.filter(
        round=sim_round, agrees_with_consensus__isnull=False, block_time__lte=situation.now
    ).select_related("member")
    groups: dict[str, list[Submission]] = {}
    for vote in votes:
        name = situation.implementation_of(vote.member.address, kind, vote.block_time)
        if name:
            groups.setdefault(name, []).append(vote)
    verdict = Verdict.objects.filter(round=sim_round).first()
    reference = (verdict.reference_values or {}) if verdict else {}
    conditions = []
    for name, group in sorted(groups.items()):
        if any(vote.agrees_with_consensus for vote in group):
            continue
        conditions.append(
            _implementation_condition(name, kind, sim_round, consensus, group, reference)
        )
    return conditions


def _implementation_condition(name, kind, sim_round, consensus, group, reference) -> Condition:
    duty = sim_round.duty
    fields: dict[str, dict] = {}
    for vote in group:
        for field, (submitted, agreed) in differing_fields(
            duty, vote.values, consensus.values
        ).items():
            entry = fields.setdefault(
                field, {"submitted": [], "consensus": agreed, "reference": reference.get(field)}
            )
            if submitted not in entry["submitted"]:
                entry["submitted"].append(submitted)
    members = [member_label(vote.member) for vote in group]
    lines = [
        f"Every {name} member that voted in {round_label(sim_round)} voted against "
        f"consensus: {', '.join(members)}."
    ]
    for field, entry in fields.items():
        line = (
            f"{field}: submitted {' / '.join(entry['submitted'])}, consensus {entry['consensus']}"
        )
        if entry["reference"] is not None:
            line += f", reference {entry['reference']}"
        lines.append(line + ".")
    return Condition(
        rule=Rule.IMPLEMENTATION_DISAGREES,
        key=f"implementation_disagrees:{duty}:{kind}:{name}",
        severity=Severity.CRITICAL,
        title=f"{name} ({kind}) votes against consensus on {duty}",
        message="\n".join(lines),
        details={
            "implementation": name,
            "kind": kind,
            "duty": duty,
            "round": sim_round.id,
            "round_key": sim_round.key,
            "block": sim_round.key_block,
            "members": [vote.member.address for vote in group],
            "member_labels": members,
            "fields": fields,
        },
    )


def consensus_wrong(situation: Situation, params: dict) -> list[Condition]:
    """The latest checked round of a duty reached a consensus that the reference contradicts."""
    conditions = []
    for duty in params["duties"]:
        verdict = (
            Verdict.objects.filter(
                round__network=situation.network,
                round__duty=duty,
                round__opened_at__lte=situation.now,
                outcome__in=[Verdict.Outcome.AGREES, Verdict.Outcome.DISAGREES],
            )
            .select_related("round")
            .order_by("-round__key_block", "-id")
            .first()
        )
        if verdict is None or verdict.outcome != Verdict.Outcome.DISAGREES:
            continue
        conditions.append(_wrong_condition(duty, verdict))
    return conditions


def _wrong_condition(duty: str, verdict: Verdict) -> Condition:
    agreed = compared_fields(duty, verdict.consensus_values or {})
    reference = verdict.reference_values or {}
    fields = {
        f: [v, reference[f]]
        for f, v in agreed.items()
        if reference.get(f) is not None and v != str(reference[f]).lower()
    }
    failed = [check["message"] for check in verdict.checks if not check.get("passed", True)]
    lines = [
        f"Consensus in {round_label(verdict.round)} differs from towerwatch's reference "
        f"({verdict.source})."
    ]
    lines += [f"{f}: consensus {c}, reference {r}." for f, (c, r) in fields.items()]
    lines += [f"Check failed: {message}" for message in failed]
    return Condition(
        rule=Rule.CONSENSUS_WRONG,
        key=f"consensus_wrong:{duty}",
        severity=Severity.EMERGENCY,
        title=f"Consensus on {duty} differs from the reference",
        message="\n".join(lines),
        details={
            "duty": duty,
            "round": verdict.round_id,
            "round_key": verdict.round.key,
            "fields": fields,
            "failed_checks": failed,
        },
    )


def consensus_late(situation: Situation, params: dict) -> list[Condition]:
    """The newest round of a duty has waited longer than `minutes` without consensus."""
    deadline = situation.now - timedelta(minutes=params["minutes"])
    conditions = []
    for duty in params["duties"]:
        newest = (
            Round.objects.filter(network=situation.network, duty=duty, opened_at__lte=situation.now)
            .select_related("consensus")
            .order_by("-key_block", "-first_seen_block")
            .first()
        )
        if newest is None or newest.opened_at > deadline or _decided_by(newest, situation.now):
            continue
        waited = int((situation.now - newest.opened_at).total_seconds() // 60)
        votes = newest.submissions.filter(block_time__lte=situation.now).count()
        conditions.append(
            Condition(
                rule=Rule.CONSENSUS_LATE,
                key=f"consensus_late:{duty}:{newest.key}",
                severity=Severity.CRITICAL,
                title=f"No consensus on {duty} after {waited} minutes",
                message=f"{round_label(newest)} has {votes} votes and no value has reached the "
                f"threshold after {waited} minutes (limit {params['minutes']}).",
                details={
                    "duty": duty,
                    "round": newest.id,
                    "round_key": newest.key,
                    "waited_minutes": waited,
                    "votes": votes,
                },
            )
        )
    return conditions


def _decided_by(sim_round: Round, now) -> bool:
    consensus = getattr(sim_round, "consensus", None)
    if consensus is None or consensus.status != Consensus.Status.REACHED:
        return False
    crossing = consensus.crossing_submission
    return crossing is None or crossing.block_time <= now


def missed_rounds(situation: Situation, params: dict) -> list[Condition]:
    """A member that cast no vote in the last `rounds` rounds of a duty it could vote in.

    A round that reached consensus with no vote cast after it is not held against anyone: in
    such rounds (before Houston late votes reverted) a slower member had nothing left to do.
    Rounds younger than `grace_minutes` are not judged yet."""
    conditions = []
    members = [
        member
        for member in Member.objects.filter(network=situation.network)
        if member.left_at is None or member.left_at > situation.now
    ]
    for duty in params["duties"]:
        rounds = _judged_rounds(situation, duty, params)
        for member in members:
            missed = _missed_in_a_row(member, rounds, params["rounds"])
            if len(missed) < params["rounds"]:
                continue
            who = member_label(member)
            conditions.append(
                Condition(
                    rule=Rule.MISSED_ROUNDS,
                    key=f"missed_rounds:{duty}:{member.address}",
                    severity=Severity.WARNING,
                    title=f"{who} missed {len(missed)} {duty} rounds in a row",
                    message=f"{who} cast no vote in the last {len(missed)} {duty} rounds it could "
                    f"vote in, the latest {round_label(missed[0])}.",
                    details={
                        "member": member.address,
                        "duty": duty,
                        "rounds": [r.key for r in missed],
                    },
                )
            )
    return conditions


def _judged_rounds(situation: Situation, duty: str, params: dict) -> list[Round]:
    """The duty's rounds old enough to judge, newest first, each with the voters it had."""
    until = situation.now - timedelta(minutes=params["grace_minutes"])
    rounds = list(
        Round.objects.filter(network=situation.network, duty=duty, opened_at__lte=until)
        .select_related("consensus")
        .order_by("-key_block", "-first_seen_block")[: params["rounds"] * 10]
    )
    votes = Submission.objects.filter(round__in=rounds, block_time__lte=situation.now)
    voters: dict[int, set[int]] = {r.id: set() for r in rounds}
    late: set[int] = set()
    for round_id, member_id, is_late in votes.values_list("round_id", "member_id", "late"):
        voters[round_id].add(member_id)
        if is_late:
            late.add(round_id)
    for sim_round in rounds:
        sim_round.voters = voters[sim_round.id]
        sim_round.excused = _decided_by(sim_round, situation.now) and sim_round.id not in late
    return rounds


def _missed_in_a_row(member: Member, rounds: list[Round], limit: int) -> list[Round]:
    missed = []
    for sim_round in rounds:
        if member.joined_at and sim_round.opened_at < member.joined_at:
            break
        if member.id in sim_round.voters:
            break
        if not sim_round.excused:
            missed.append(sim_round)
            if len(missed) == limit:
                break
    return missed
