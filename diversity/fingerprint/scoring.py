"""Fingerprinting scored against a simulation's ground truth, member-day by member-day, the way
blockprint reports its classifier: per implementation the true-positive rate (of the member-days
it really ran, the share named it) and the positive predictive value (of the member-days named
it, the share that really ran it), the confusion matrix, the calibration, and how the model
generalises to behaviour it was not built from: new releases of an implementation it knows
(should be named that implementation) and new implementations (should stay unknown).

Every member-day is held out: an undeclared member is predicted by the declared ones, a declared
member by the other declared ones (assignments.py). Member-days with too little evidence to
infer anything are left out, and counted.
"""

from collections import Counter
from dataclasses import dataclass

from sklearn.metrics import confusion_matrix

from diversity.fingerprint.shares import UNKNOWN_NAME
from diversity.models import Assignment

BINS = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001)
Flag = Assignment.Flag


@dataclass(frozen=True)
class MemberDay:
    """One member at one assignment time: what it ran, what a perfect model would name, and
    what the model named."""

    member_id: int
    truth: str  # the implementation it ran
    release: str  # the release it ran
    expected: str  # the implementation if the model knows it, else UNKNOWN_NAME
    known_release: bool  # whether the model's profiles describe that release
    predicted: str  # the inferred implementation, or UNKNOWN_NAME
    predicted_release: str | None
    probability: float | None
    flags: tuple[str, ...]

    @property
    def right(self) -> bool:
        return self.predicted == self.expected


def score(days: list[MemberDay]) -> dict:
    """Every figure of one kind, as plain values (they go to JSON, the database and pages)."""
    truths, predicted = [d.truth for d in days], [d.predicted for d in days]
    labels = sorted(set(truths) | set(predicted))
    return {
        "member_days": len(days),
        "implementations": rates(days),
        "labels": labels,
        "confusion": confusion_matrix(truths, predicted, labels=labels).tolist() if days else [],
        "calibration": calibration(days),
        "generalisation": generalisation(days),
        "releases": release_accuracy(days),
    }


def rates(days: list[MemberDay]) -> list[dict]:
    """TPR and PPV per implementation (and for "unknown": the new implementations)."""
    classes = sorted({d.expected for d in days} | {d.predicted for d in days})
    rows = []
    for name in classes:
        truly = [d for d in days if d.expected == name]
        named = [d for d in days if d.predicted == name]
        hits = sum(1 for d in truly if d.right)
        rows.append({
            "implementation": name, "members": len({d.member_id for d in truly}),
            "member_days": len(truly), "named": len(named),
            "tpr": _ratio(hits, len(truly)), "ppv": _ratio(hits, len(named)),
        })  # fmt: skip
    return rows


def calibration(days: list[MemberDay]) -> list[dict]:
    """Reliability bins: of the labels given with confidence in [low, high), how many were
    right. Well calibrated means accuracy close to the mean confidence in every bin."""
    pairs = [(d.probability, d.right) for d in days
             if d.predicted != UNKNOWN_NAME and d.probability is not None]  # fmt: skip
    bins = []
    for low, high in zip(BINS, BINS[1:], strict=False):
        inside = [(c, ok) for c, ok in pairs if low <= c < high]
        confidences, right = [c for c, _ in inside], [ok for _, ok in inside]
        bins.append({"confidence": f"{low:.1f}-{min(high, 1.0):.1f}", "count": len(inside),
                     "mean_confidence": _mean(confidences), "accuracy": _mean(right)})  # fmt: skip
    return bins


def generalisation(days: list[MemberDay]) -> dict:
    """Behaviour the model was not built from, per release the simulation ran."""
    novel = [d for d in days if not d.known_release]
    groups: dict[str, list[MemberDay]] = {}
    for day in novel:
        groups.setdefault(f"{day.truth}@{day.release}", []).append(day)
    return {
        "new_releases": _outcome([d for d in novel if d.expected != UNKNOWN_NAME]),
        "new_implementations": _outcome([d for d in novel if d.expected == UNKNOWN_NAME]),
        "by_release": {label: _outcome(group) for label, group in sorted(groups.items())},
    }


def _outcome(days: list[MemberDay]) -> dict:
    """How often the right call was made: the implementation named, or unknown said."""
    flags = Counter(flag for d in days for flag in d.flags)
    return {
        "member_days": len(days), "right": sum(1 for d in days if d.right),
        "rate": _ratio(sum(1 for d in days if d.right), len(days)),
        "flagged_unrecognised_release": flags[Flag.UNRECOGNISED_RELEASE],
        "flagged_unknown_implementation": flags[Flag.UNKNOWN_IMPLEMENTATION],
    }  # fmt: skip


def release_accuracy(days: list[MemberDay]) -> dict:
    """Of the member-days on a known release named the right implementation: the release named
    right, named wrong, or not named (the evidence did not tell, or the release looked new)."""
    named = [d for d in days if d.right and d.known_release and d.expected != UNKNOWN_NAME]
    right = sum(1 for d in named if d.predicted_release == d.release)
    missing = sum(1 for d in named if d.predicted_release is None)
    return {"member_days": len(named), "right": right, "not_named": missing,
            "wrong": len(named) - right - missing,
            "rate": _ratio(right, len(named))}  # fmt: skip


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _mean(values: list) -> float | None:
    return round(sum(values) / len(values), 4) if values else None
