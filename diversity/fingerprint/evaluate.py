"""Leave-one-member-out evaluation against the simulator's ground truth (devnet only).

The set-up mirrors the real situation: some members declare, the rest are inferred. A fraction
of the members active at the end sign true declarations (with their versions) with their devnet
keys, chosen to cover every implementation and release of both kinds where possible (the
classifier can't name an implementation nobody declared: that member is correctly "unknown",
which would measure the choice of declarers, not inference). Each member is then predicted by a
model that never saw it: undeclared members by the declared ones, declared members by the
*other* declared ones; every day's assignment is scored (scoring.py).

The model is built from the shipped profiles and the declarations. `profiles` is the extra file
the simulation ran with: members running a release or an implementation only that file
describes never declare, so the evaluation measures how the model generalises to behaviour it
was not built from (a new release should be named its implementation, a new implementation
should stay unknown).

Everything happens in a transaction that is rolled back: the declarations are signed with
devnet keys, and must not outlive the evaluation. `record_evaluation` keeps the figures.
"""

import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.db import transaction
from eth_account import Account
from eth_account.messages import encode_defunct

from diversity.fingerprint.assignments import KINDS, WINDOWS, infer
from diversity.fingerprint.declarations import (
    Claim,
    DeclarationBook,
    DeclarationError,
    declaration_text,
    record_declaration,
)
from diversity.fingerprint.features import Activity
from diversity.fingerprint.membership import latest_indexed_time
from diversity.fingerprint.refresh import refresh_assignments
from diversity.fingerprint.scoring import UNKNOWN_NAME, MemberDay, score
from diversity.fingerprint.shares import ShareBook
from diversity.models import Assignment, ModelEvaluation
from votes import state
from votes.devnet.members import member_key
from votes.devnet.profiles import DEFAULT_PROFILES, ProfileSet, load_profiles
from votes.models import Member


@dataclass
class KindReport:
    kind: str
    evaluated: int
    declared: int
    # At the end, as in the shares now, over the undeclared members that left evidence of this
    # kind: one that never acted (no rewards vote: no treegen trace) is "insufficient data",
    # the honest answer, and is listed apart rather than scored as misnamed.
    undeclared_accuracy: float | None
    undeclared_without_evidence: list[str]  # their addresses
    loo_accuracy: float | None
    member_days: int  # scored, held out
    skipped_member_days: dict  # not scored: too little evidence, or the only declarer of its kind
    implementations: list[dict]  # per implementation: tpr, ppv, members, member_days, named
    labels: list[str]
    confusion: list[list[int]]  # member-days; rows: truth, columns: predicted (labels order)
    calibration: list[dict]  # reliability bins: confidence range, count, mean confidence, accuracy
    generalisation: dict  # new releases named their implementation, new implementations unknown
    releases: dict  # of the right implementations on known releases: the release named right
    shares: list[dict]  # at the end: true share against the bounds
    bound_checks: int
    bound_violations: list[dict]
    infer_seconds: float


@dataclass
class Evaluation:
    network: str
    as_of: datetime
    declared_members: list[str]
    source: dict = field(default_factory=dict)
    kinds: dict[str, KindReport] = field(default_factory=dict)
    refresh_seconds: float = 0.0

    def as_dict(self) -> dict:
        return {**asdict(self), "as_of": self.as_of.isoformat()}


def truth_at(member: dict, kind: str, at: float) -> str | None:
    label = None
    for entry in member["history"]:
        if entry["from"] <= at:
            label = entry[kind]
    return label


def choose_declared(members: list[dict], fraction: float, count: int | None = None) -> list[dict]:
    """`fraction` of the members (or `count`), rarest software first, so that each is declared."""
    wanted = round(fraction * len(members)) if count is None else count
    chosen: list[dict] = []
    towers, treegens = Counter(), Counter()
    remaining = sorted(members, key=lambda m: m["index"])
    while remaining and len(chosen) < wanted:
        pick = min(remaining, key=lambda m: (towers[m["watchtower"]], treegens[m["treegen"]]))
        remaining.remove(pick)
        chosen.append(pick)
        towers[pick["watchtower"]] += 1
        treegens[pick["treegen"]] += 1
    return chosen


def sign_declaration(network: str, member: dict, seed: int, at: int, nonce: int = 1):
    """A true declaration from a simulated member, signed with its devnet key; software labels
    may carry the version (`smartnode@1.19.0`)."""
    watchtower, _, watchtower_version = member["watchtower"].partition("@")
    treegen, _, treegen_version = member["treegen"].partition("@")
    claim = Claim(network, member["address"], watchtower, watchtower_version, treegen,
                  treegen_version, at, nonce)  # fmt: skip
    text = declaration_text(claim)
    signed = Account.sign_message(encode_defunct(text=text), member_key(seed, member["index"]))
    return record_declaration(network, text, "0x" + signed.signature.hex().removeprefix("0x"))


def evaluate(network: str, truth: dict, declare_fraction: float = 0.5,
             windows: dict[str, timedelta] | None = None,
             profiles: Path | None = None) -> Evaluation:  # fmt: skip
    with transaction.atomic():
        report = _evaluate(network, truth, declare_fraction, windows or WINDOWS, profiles)
        transaction.set_rollback(True)
    return report


def record_evaluation(report: Evaluation) -> ModelEvaluation:
    """Keep the figures of an evaluation (after its rollback), for the model card."""
    evaluation = ModelEvaluation.objects.create(
        network=report.network, as_of=report.as_of, source=report.source,
        declared_members=len(report.declared_members), report=report.as_dict(),
    )  # fmt: skip
    state.bump(state.FINGERPRINT)
    return evaluation


class Software:
    """The releases the simulation ran (`simulated`) and those the model is built from."""

    def __init__(self, extra: Path | None):
        self.known, self.simulated = load_profiles(), load_profiles(extra)

    def label(self, kind: str, label: str) -> str:
        name, version = _table(self.simulated, kind).resolve(label)
        return f"{name}@{version}"

    def known_label(self, kind: str, label: str) -> bool:
        return self.label(kind, label) in _table(self.known, kind)

    def expected(self, kind: str, label: str) -> str:
        """What a perfect model names: the implementation if it knows it, else unknown."""
        name = label.partition("@")[0]
        return name if name in _table(self.known, kind) else UNKNOWN_NAME


def _table(profiles: ProfileSet, kind: str):
    return profiles.watchtowers if kind == "watchtower" else profiles.treegens


def _source(truth: dict, profiles: Path | None, declare_fraction: float) -> dict:
    files = [DEFAULT_PROFILES.name] + ([Path(profiles).name] if profiles else [])
    return {"simulation": {key: truth.get(key) for key in ("seed", "days", "started_at")},
            "members": len(truth["members"]), "profiles": files,
            "declare_fraction": declare_fraction}  # fmt: skip


def _evaluate(network: str, truth: dict, declare_fraction: float, windows,
              profiles: Path | None) -> Evaluation:  # fmt: skip
    software = Software(profiles)
    as_of = latest_indexed_time(network)
    activity = Activity(network)
    ids = dict(Member.objects.filter(network=network).values_list("address", "id"))
    active_ids = set(activity.membership.members_at(as_of))
    members = [m for m in truth["members"] if ids.get(m["address"]) in active_ids]
    current = [{**m, **{kind: software.label(kind, truth_at(m, kind, as_of.timestamp()))
                        for kind in KINDS}} for m in members]  # fmt: skip
    eligible = [m for m in current if all(software.known_label(k, m[k]) for k in KINDS)]
    declared = []
    for member in choose_declared(eligible, 0, round(declare_fraction * len(current))):
        try:
            since = max(e["from"] for e in member["history"] if e["from"] <= as_of.timestamp())
            sign_declaration(network, member, truth["seed"], since)
            declared.append(member["address"])
        except DeclarationError:
            continue  # e.g. a declaration already on record: that one stands
    report = Evaluation(network, as_of, declared, _source(truth, profiles, declare_fraction))
    report.refresh_seconds = round(refresh_assignments(network, windows).seconds, 3)
    book, shares = DeclarationBook(network), ShareBook(network)
    by_id = {ids[m["address"]]: m for m in truth["members"] if m["address"] in ids}
    for kind in KINDS:
        started = time.perf_counter()
        inferences = infer(activity, as_of, book, kind, windows[kind])
        elapsed = time.perf_counter() - started
        scored = [(by_id[i], inferences.get(i)) for i in sorted(active_ids) if i in by_id]
        days, skipped = member_days(network, kind, by_id, software)
        report.kinds[kind] = _kind_report(kind, as_of, scored, (days, skipped), shares, by_id,
                                          elapsed, software)  # fmt: skip
    return report


def member_days(network: str, kind: str, by_id: dict, software: Software):
    """Every held-out assignment of `kind` against the truth, and what was left out."""
    rows = Assignment.objects.filter(network=network, kind=kind).values_list(
        "member_id", "as_of", "source", "implementation__name", "inferred__name",
        "inferred_release__version", "inferred_probability", "flags",
    )  # fmt: skip
    declarers = Counter((at, name) for _, at, source, name, *_ in rows if source == "declared")
    days, skipped = [], Counter()
    for member_id, at, source, declared, inferred, release, probability, flags in rows:
        label = truth_at(by_id[member_id], kind, at.timestamp()) if member_id in by_id else None
        if label is None:
            continue
        if Assignment.Flag.INSUFFICIENT_DATA in flags:
            skipped["insufficient_data"] += 1
            continue
        if source == "declared" and declarers[(at, declared)] < 2:
            skipped["only_declarer"] += 1
            continue
        name, version = software.label(kind, label).split("@", 1)
        days.append(MemberDay(
            member_id=member_id, truth=name, release=version,
            expected=software.expected(kind, name),
            known_release=software.known_label(kind, label), predicted=inferred or UNKNOWN_NAME,
            predicted_release=release, probability=probability, flags=tuple(flags),
        ))  # fmt: skip
    return days, dict(skipped)


def _kind_report(kind, as_of, scored, member_scores, shares, by_id, elapsed,
                 software) -> KindReport:  # fmt: skip
    truths = [software.expected(kind, truth_at(member, kind, as_of.timestamp()))
              for member, _ in scored]  # fmt: skip
    predictions = [inference.prediction if inference else None for _, inference in scored]
    predicted = [(p.label if p and p.label else UNKNOWN_NAME) for p in predictions]
    is_declared = [bool(inference and inference.declared) for _, inference in scored]
    has_evidence = [bool(inference) and Assignment.Flag.INSUFFICIENT_DATA not in inference.flags
                    for _, inference in scored]  # fmt: skip
    rows = list(zip(scored, truths, predicted, is_declared, has_evidence, strict=True))
    undeclared = [truth == named for _, truth, named, declared, evidence in rows
                  if not declared and evidence]  # fmt: skip
    silent = [member["address"] for (member, _), _, _, declared, evidence in rows
              if not declared and not evidence]  # fmt: skip
    checks, violations, final = _bounds(kind, shares, by_id, as_of, software)
    days, skipped = member_scores
    return KindReport(
        kind=kind, evaluated=len(scored), declared=sum(is_declared),
        undeclared_accuracy=sum(undeclared) / len(undeclared) if undeclared else None,
        undeclared_without_evidence=silent,
        loo_accuracy=_mean([t == p for t, p in zip(truths, predicted, strict=True)]),
        skipped_member_days=skipped, **score(days), shares=final, bound_checks=checks,
        bound_violations=violations, infer_seconds=round(elapsed, 4),
    )  # fmt: skip


def _bounds(kind, shares: ShareBook, by_id: dict, as_of: datetime, software: Software):
    """The true share of every implementation against [lower, upper] at every assignment time."""
    checks, violations, final = 0, [], []
    for at in shares.times:
        members = [i for i in shares.membership.members_at(at) if i in by_id]
        true = Counter(software.label(kind, truth_at(by_id[i], kind, at.timestamp())).split("@")[0]
                       for i in members)  # fmt: skip
        for row in shares.shares(kind, at):
            if row.implementation == UNKNOWN_NAME:
                continue
            share = true.get(row.implementation, 0) / row.total
            checks += 1
            inside = row.lower - 1e-9 <= share <= row.upper + 1e-9
            entry = {"at": at.isoformat(), "implementation": row.implementation,
                     "true": round(share, 4), "lower": round(row.lower, 4),
                     "share": round(row.share, 4), "upper": round(row.upper, 4)}  # fmt: skip
            if not inside:
                violations.append(entry)
            if at == as_of:
                final.append(entry)
    return checks, violations, final


def _mean(values: list) -> float | None:
    return round(sum(values) / len(values), 4) if values else None
