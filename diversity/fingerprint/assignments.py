"""Declarations and inference combined: per member and kind, what it runs, how sure, and flags.

For each kind the classifier is trained on the members with a declaration in force and
predicts everyone. A declared member is predicted by a model trained on the *other* declared
members (leave-one-out), so that its own label can't vouch for itself: that prediction is what
the "behaves like another implementation" flag compares with the declaration, and it is also
exactly what the leave-one-member-out evaluation scores.

A silent switch shows as the two halves of the window looking like two different known
implementations, each with confidence. Watchtowers vote daily, so 30 days is plenty; a treegen
shows itself only once per rewards interval (28 days on mainnet), hence its longer window.

The release comes after the implementation: from the declaration when it names a version, else
from the behaviour (releases.py).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from diversity.fingerprint.classifier import UNKNOWN, Fingerprinter, Prediction
from diversity.fingerprint.declarations import DeclarationBook
from diversity.fingerprint.features import Activity, MemberWindow, window_features
from diversity.fingerprint.releases import ReleaseCatalogue
from diversity.fingerprint.traits import BEHAVIOURS, RESOLUTION, WATCHTOWER_FEATURES
from diversity.models import Assignment, Implementation, Kind

CONFIDENT = 0.8
KINDS = (Kind.WATCHTOWER, Kind.TREEGEN)
WINDOWS = {Kind.WATCHTOWER: timedelta(days=30), Kind.TREEGEN: timedelta(days=180)}
MIN_EVIDENCE = {Kind.WATCHTOWER: 5, Kind.TREEGEN: 1}
MODEL_FEATURES = {
    Kind.WATCHTOWER: [
        *WATCHTOWER_FEATURES, "participation_balances", "participation_prices",
        "participation_scrub", "participation_rewards", "calldata_excess",
    ],
    Kind.TREEGEN: ["rewards_excess"],
}  # fmt: skip
Flag = Assignment.Flag


@dataclass
class MemberInference:
    """The inference for one member and kind: `prediction` is leave-one-out when declared."""

    member_id: int
    kind: str
    prediction: Prediction
    evidence: int
    declared: str | None
    features: dict = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    release: str | None = None  # the inferred release (leave-one-out when declared)


def usable(window: MemberWindow, kind: str) -> bool:
    if window.evidence.get(kind, 0) < MIN_EVIDENCE[kind]:
        return False
    return kind != Kind.TREEGEN or window.values.get("rewards_excess") is not None


def matrix(windows: list[MemberWindow], kind: str) -> np.ndarray:
    names = MODEL_FEATURES[kind]
    values = [np.nan if w.values.get(n) is None else w.values[n] for w in windows for n in names]
    return np.array(values, dtype=float).reshape(len(windows), len(names))


class KindModel:
    """The classifier of one kind at one time: trained on the declared, refitted without any
    one declared member on demand. `versions` are the declared versions, where given."""

    def __init__(self, kind: str, windows: list[MemberWindow], declared: dict[int, str],
                 versions: dict[int, str] | None = None):  # fmt: skip
        self.kind = kind
        self.training = [w for w in windows if usable(w, kind) and w.member_id in declared]
        self.labels = [declared[w.member_id] for w in self.training]
        versions = versions or {}
        self.releases = [f"{declared[w.member_id]}@{versions[w.member_id]}"
                         if versions.get(w.member_id) else declared[w.member_id]
                         for w in self.training]  # fmt: skip
        self.full = self._fit(None)

    def _fit(self, without: int | None) -> Fingerprinter:
        kept = [i for i, w in enumerate(self.training) if w.member_id != without]
        rows = matrix([self.training[i] for i in kept], self.kind)
        names = MODEL_FEATURES[self.kind]
        behaviours = [BEHAVIOURS[name] for name in names] if self.kind == Kind.WATCHTOWER else None
        return Fingerprinter([RESOLUTION[name] for name in names], behaviours).fit(
            rows, [self.labels[i] for i in kept], [self.releases[i] for i in kept]
        )

    def has_peers(self, member_id: int, label: str | None) -> bool:
        """Whether another declared member declared `label`."""
        return any(w.member_id != member_id and known == label
                   for w, known in zip(self.training, self.labels, strict=True))  # fmt: skip

    def predictions(self, views: dict[int, list[MemberWindow | None]]) -> dict[int, list]:
        """Predictions of each member's windows (whole, halves): by the model trained on all
        declared members, or for a declared member, on all others. Batched: one query per
        model, because each costs the same for one row or thirty."""
        trained = {w.member_id for w in self.training}
        groups = [[m for m in views if m not in trained]] + [[m] for m in views if m in trained]
        results = {}
        for members in groups:
            model = self.full if members and members[0] not in trained else self._fit(members[0])
            results.update(self._predict(model, {m: views[m] for m in members}))
        return results

    def _predict(self, model: Fingerprinter, views: dict[int, list]) -> dict[int, list]:
        asked = [(m, i, w) for m, ws in views.items() for i, w in enumerate(ws)
                 if w is not None and usable(w, self.kind)]  # fmt: skip
        results = {m: [UNKNOWN] * len(ws) for m, ws in views.items()}
        if asked and model.trained:
            rows = matrix([w for _, _, w in asked], self.kind)
            evidence = [w.evidence[self.kind] for _, _, w in asked]
            for (m, i, _), prediction in zip(asked, model.predict(rows, evidence), strict=True):
                results[m][i] = prediction
        return results


def infer(activity: Activity, as_of: datetime, book: DeclarationBook, kind: str,
          window: timedelta | None = None,
          releases: ReleaseCatalogue | None = None) -> dict[int, MemberInference]:  # fmt: skip
    """Every member who voted in the window: its (leave-one-out) prediction, release and
    flags. `releases`: the known releases of `kind` (read from the database if not given)."""
    releases = releases or ReleaseCatalogue(kind)
    span = window or WINDOWS[kind]
    windows = window_features(activity, as_of - span, as_of, kind)
    halves = [
        {w.member_id: w for w in window_features(activity, start, end, kind)}
        for start, end in ((as_of - span, as_of - span / 2), (as_of - span / 2, as_of))
    ]
    declared = book.labels(kind, as_of)
    versions = {m: getattr(book.in_force(m, as_of), f"{kind}_version") for m in declared}
    model = KindModel(kind, windows, declared, versions)
    views = {w.member_id: [w, *(half.get(w.member_id) for half in halves)] for w in windows}
    predicted = model.predictions(views)
    inferences = {}
    for member_window in windows:
        member_id = member_window.member_id
        whole, *halves_predicted = predicted[member_id]
        inference = MemberInference(
            member_id, kind, whole, member_window.evidence.get(kind, 0), declared.get(member_id),
            {name: member_window.values.get(name) for name in MODEL_FEATURES[kind]},
        )  # fmt: skip
        if not usable(member_window, kind):
            inference.flags = [Flag.INSUFFICIENT_DATA]
        elif whole is not UNKNOWN:
            peers = model.has_peers(member_id, declared.get(member_id))
            inference.flags = flags(inference, halves_predicted, peers)
            guess = releases.guess(whole, inference.features)
            inference.release = guess.version
            mine = declared.get(member_id) in (None, whole.label)
            if guess.unrecognised and mine and not versions.get(member_id):
                inference.flags.append(Flag.UNRECOGNISED_RELEASE)
        inferences[member_id] = inference
    return inferences


def flags(inference: MemberInference, halves: list[Prediction], peers: bool) -> list[str]:
    """The flags of a member with enough evidence, judged by a model that has training.

    A declared member is compared with the other declared members: if none declared the same
    implementation (`peers` False), looking like none of them is expected, not news, and so is
    resembling another implementation's release more than any of them.
    """
    prediction, raised = inference.prediction, []
    declared = inference.declared
    like_none = prediction.novelty is not None and prediction.novelty > 1.0
    if prediction.is_novel:
        if peers or not declared:
            raised.append(Flag.UNKNOWN_IMPLEMENTATION)
    elif (declared and prediction.label != declared and prediction.probability >= CONFIDENT
          and (peers or not like_none)):  # fmt: skip
        raised.append(Flag.BEHAVES_LIKE_OTHER)
    sure = [h.label for h in halves if h.label is not None and h.probability >= CONFIDENT]
    if len(sure) == 2 and sure[0] != sure[1]:
        raised.append(Flag.SILENT_SWITCH)
    return raised


def assignments_at(activity: Activity, as_of: datetime, book: DeclarationBook,
                   implementations: dict[tuple[str, str], Implementation],
                   windows: dict[str, timedelta] | None = None,
                   catalogues: dict[str, ReleaseCatalogue] | None = None,
                   ) -> list[Assignment]:  # fmt: skip
    """Unsaved Assignment rows for every member at `as_of`, both kinds. `catalogues`: the
    known releases per kind, when many points are computed at once (read here if not given)."""
    members = activity.membership.members_at(as_of)
    rows = []
    for kind in KINDS:
        releases = catalogues[kind] if catalogues else ReleaseCatalogue(kind)
        inferences = infer(activity, as_of, book, kind, (windows or WINDOWS)[kind], releases)
        for member_id in members:
            inference = inferences.get(member_id) or MemberInference(
                member_id, kind, UNKNOWN, 0, None, flags=[Flag.INSUFFICIENT_DATA]
            )
            declaration = book.in_force(member_id, as_of)
            rows.append(_assignment(activity.network, as_of, kind, inference, declaration,
                                    implementations, (windows or WINDOWS)[kind],
                                    releases))  # fmt: skip
    return rows


def _assignment(network, as_of, kind, inference, declaration, implementations, window, releases):
    prediction = inference.prediction
    inferred = implementations.get((kind, prediction.label)) if prediction.label else None
    inferred_release = releases.release(prediction.label, inference.release)
    release = inferred_release
    if declaration is not None:
        chosen, source, confidence = getattr(declaration, kind), Assignment.Source.DECLARED, 1.0
        version = getattr(declaration, f"{kind}_version")
        if version or inferred != chosen:
            release = releases.release(chosen.name, version)
    elif inferred is not None:
        chosen, source, confidence = inferred, Assignment.Source.INFERRED, prediction.probability
    else:  # the nearest class's probability stays in `probabilities`, with the novelty
        chosen, source, confidence = None, Assignment.Source.UNKNOWN, 0.0
    return Assignment(
        network=network, member_id=inference.member_id, kind=kind, as_of=as_of,
        window_days=window.total_seconds() / 86400, implementation=chosen, source=source,
        confidence=confidence, declaration=declaration, inferred=inferred,
        inferred_probability=prediction.probability if prediction.label else None,
        release=release, inferred_release=inferred_release,
        probabilities=prediction.probabilities, novelty=prediction.novelty,
        evidence=inference.evidence, flags=list(inference.flags),
        features={k: v for k, v in inference.features.items() if v is not None},
    )  # fmt: skip
