"""Leave-one-member-out evaluation against the simulator's ground truth (devnet only).

The set-up mirrors the real situation: some members declare, the rest are inferred. A fraction
of the members active at the end sign true declarations with their devnet keys, chosen to
cover every implementation of both kinds where possible (the classifier can't name an
implementation nobody declared: that member is correctly "unknown", which would measure the
choice of declarers, not inference). Each member is then predicted by a model that never saw
it: undeclared members by the declared ones, declared members by the *other* declared ones.

Everything happens in a transaction that is rolled back: the declarations are signed with
devnet keys, and must not outlive the evaluation.
"""

import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from eth_account import Account
from eth_account.messages import encode_defunct
from sklearn.metrics import confusion_matrix

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
from diversity.fingerprint.shares import UNKNOWN_NAME, ShareBook
from votes.devnet.members import member_key
from votes.models import Member

BINS = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001)


@dataclass
class KindReport:
    kind: str
    evaluated: int
    declared: int
    undeclared_accuracy: float | None
    loo_accuracy: float | None
    labels: list[str]
    confusion: list[list[int]]  # rows: truth, columns: predicted (labels order)
    calibration: list[dict]  # reliability bins: confidence range, count, mean confidence, accuracy
    shares: list[dict]  # at the end: true share against the bounds
    bound_checks: int
    bound_violations: list[dict]
    infer_seconds: float


@dataclass
class Evaluation:
    network: str
    as_of: datetime
    declared_members: list[str]
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


def choose_declared(members: list[dict], fraction: float) -> list[dict]:
    """`fraction` of the members, rarest implementations first, so that each is declared."""
    wanted = round(fraction * len(members))
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
    """A true declaration from a simulated member, signed with its devnet key."""
    claim = Claim(network, member["address"], member["watchtower"], "", member["treegen"], "",
                  at, nonce)  # fmt: skip
    text = declaration_text(claim)
    signed = Account.sign_message(encode_defunct(text=text), member_key(seed, member["index"]))
    return record_declaration(network, text, "0x" + signed.signature.hex().removeprefix("0x"))


def evaluate(network: str, truth: dict, declare_fraction: float = 0.5,
             windows: dict[str, timedelta] | None = None) -> Evaluation:  # fmt: skip
    with transaction.atomic():
        report = _evaluate(network, truth, declare_fraction, windows or WINDOWS)
        transaction.set_rollback(True)
    return report


def _evaluate(network: str, truth: dict, declare_fraction: float, windows) -> Evaluation:
    as_of = latest_indexed_time(network)
    activity = Activity(network)
    ids = dict(Member.objects.filter(network=network).values_list("address", "id"))
    active_ids = set(activity.membership.members_at(as_of))
    members = [m for m in truth["members"] if ids.get(m["address"]) in active_ids]
    current = [{**m, "watchtower": truth_at(m, "watchtower", as_of.timestamp()),
                "treegen": truth_at(m, "treegen", as_of.timestamp())} for m in members]  # fmt: skip
    declared = []
    for member in choose_declared(current, declare_fraction):
        try:
            since = max(e["from"] for e in member["history"] if e["from"] <= as_of.timestamp())
            sign_declaration(network, member, truth["seed"], since)
            declared.append(member["address"])
        except DeclarationError:
            continue  # e.g. a declaration already on record: that one stands
    report = Evaluation(network, as_of, declared)
    report.refresh_seconds = round(refresh_assignments(network, windows).seconds, 3)
    book, shares = DeclarationBook(network), ShareBook(network)
    by_id = {ids[m["address"]]: m for m in truth["members"] if m["address"] in ids}
    for kind in KINDS:
        started = time.perf_counter()
        inferences = infer(activity, as_of, book, kind, windows[kind])
        elapsed = time.perf_counter() - started
        scored = [(by_id[i], inferences.get(i)) for i in sorted(active_ids) if i in by_id]
        report.kinds[kind] = _kind_report(kind, as_of, scored, shares, by_id, elapsed)
    return report


def _kind_report(kind, as_of, scored, shares, by_id, elapsed) -> KindReport:
    truths = [truth_at(member, kind, as_of.timestamp()) for member, _ in scored]
    predictions = [inference.prediction if inference else None for _, inference in scored]
    predicted = [(p.label if p and p.label else UNKNOWN_NAME) for p in predictions]
    is_declared = [bool(inference and inference.declared) for _, inference in scored]
    labels = sorted(set(truths) | set(predicted))
    undeclared = [t == p for t, p, d in zip(truths, predicted, is_declared, strict=True) if not d]
    checks, violations, final = _bounds(kind, shares, by_id, as_of)
    return KindReport(
        kind=kind, evaluated=len(scored), declared=sum(is_declared),
        undeclared_accuracy=sum(undeclared) / len(undeclared) if undeclared else None,
        loo_accuracy=_mean([t == p for t, p in zip(truths, predicted, strict=True)]),
        labels=labels, confusion=confusion_matrix(truths, predicted, labels=labels).tolist(),
        calibration=calibration(predictions, truths), shares=final, bound_checks=checks,
        bound_violations=violations, infer_seconds=round(elapsed, 4),
    )  # fmt: skip


def calibration(predictions: list, truths: list[str]) -> list[dict]:
    """Reliability bins: of the labels given with confidence in [low, high), how many were
    right. Well calibrated means accuracy close to the mean confidence in every bin."""
    pairs = [(p.probability, p.label == t) for p, t in zip(predictions, truths, strict=True)
             if p is not None and p.label is not None]  # fmt: skip
    bins = []
    for low, high in zip(BINS, BINS[1:], strict=False):
        inside = [(c, ok) for c, ok in pairs if low <= c < high]
        confidences, right = [c for c, _ in inside], [ok for _, ok in inside]
        bins.append({"confidence": f"{low:.1f}-{min(high, 1.0):.1f}", "count": len(inside),
                     "mean_confidence": _mean(confidences), "accuracy": _mean(right)})  # fmt: skip
    return bins


def _bounds(kind, shares: ShareBook, by_id: dict, as_of: datetime):
    """The true share of every implementation against [lower, upper] at every assignment time."""
    checks, violations, final = 0, [], []
    for at in shares.times:
        members = [i for i in shares.membership.members_at(at) if i in by_id]
        true = Counter(truth_at(by_id[i], kind, at.timestamp()) for i in members)
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
