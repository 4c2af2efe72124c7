"""Which implementation a member's features look like: a label, a probability, or "unknown".

Why a kernel-weighted nearest-neighbour classifier:
- the labelled set is tiny (the declared members: often one or two per implementation), so
  anything with parameters to learn overfits; k-NN learns nothing and adds a class the moment
  one member declares it;
- implementations are code, so members running one sit in a tight cluster: distances are
  meaningful, and the distance to the nearest declared member is also the novelty test that
  lets a member match *no* known implementation instead of being forced into one;
- probabilities come from a Gaussian kernel whose width is the within-class spread, so they are
  calibrated by construction rather than by a fit that a handful of members cannot support.

Each feature is scaled by its pooled within-class standard deviation among the declared
members, never below the feature's resolution (so that a feature every declared member shares
exactly neither divides by zero nor turns one missed round into a new implementation):
distances are then in units of "how much members of one implementation differ", the same for
every feature.

The neighbour search is plain numpy: with a dozen declared members it takes microseconds,
where scikit-learn's NearestNeighbors spends 5-20 ms per call on input validation and thread
dispatch, and the leave-one-out refits of every declared member on every day of a year of
history make that minutes. (scikit-learn still builds the evaluation's confusion matrix.)

The probability is finally shrunk toward "no idea" by the amount of evidence: a treegen guess
from two rewards rounds is worth less than a watchtower guess from sixty votes, whatever the
kernel says (`EVIDENCE_PRIOR` observations' worth of doubt).

Releases: a new release of an implementation changes a behaviour or two (smartnode changed its
fee rule twice and its forced gas limit once) and keeps the rest of its code: its scheduling,
duties, late votes, calldata. Features are therefore grouped into behaviours (traits.BEHAVIOURS),
and a member far from every declared member overall, but like one of them in all behaviours
except a few whose changes cost at most `RELEASE_CHANGES`, is that member's implementation in a
release nobody declared; one unlike every declared member in more is a new codebase. A setting
(traits.SETTINGS: the fee and gas rules) costs one change, a behaviour of the code's structure
(its scheduling, duties, late votes...) two: a release changes its fee and gas rules, or
rewrites one part of its code alone, but a member with new fees *and* a new scheduler is
another program. (Some differences take weeks of rounds to show: a late-vote rate, a duty
done once per rewards interval, a gas rule whose limits coincide with another's at the usual
gas use. Counted alike, a new codebase's first weeks read "new fees and a new scheduler,
nothing else": two changes, a release.)
The scale is measured within releases, so that declared releases of one implementation do not
blur the features that tell implementations apart.
"""

import warnings
from dataclasses import dataclass

import numpy as np

from diversity.fingerprint.traits import SETTINGS

NOVELTY_THRESHOLD = 5.0  # RMS within-class deviations per feature from every declared member
EVIDENCE_PRIOR = 2.0
RELEASE_CHANGES = 2  # what a release may change and still be its implementation's (release_cost)


@dataclass(frozen=True)
class Prediction:
    """`label` is None when the member matches no known implementation (or nothing is known).

    `changed` are the behaviours in which the member is unlike even the declared member of its
    implementation it resembles most (of the nearest one when unlabelled), and `resembles` that
    member's release label (`name@version`, or the name when it declared no version).
    """

    label: str | None
    probability: float
    probabilities: dict[str, float]
    nearest: str | None
    novelty: float | None  # distance to the nearest declared member / NOVELTY_THRESHOLD
    changed: tuple[str, ...] = ()
    resembles: str | None = None

    @property
    def is_novel(self) -> bool:
        """Like no known implementation, not even as a new release of one."""
        return self.label is None and self.novelty is not None and self.novelty > 1.0


UNKNOWN = Prediction(None, 0.0, {}, None, None)


class Fingerprinter:
    """fit(features of declared members, their labels) then predict(features, evidence).

    `resolution` is the smallest meaningful difference of each feature (see traits.RESOLUTION);
    `behaviours` names the behaviour each feature belongs to (without them, no release is
    told apart from a new implementation), `settings` those a release changes cheaply.
    """

    def __init__(self, resolution: np.ndarray, behaviours: list[str] | None = None,
                 settings: frozenset[str] = SETTINGS):  # fmt: skip
        self.resolution = np.asarray(resolution, dtype=float)
        self.behaviours = sorted(set(behaviours or []))
        self.grouping = np.array(
            [[b == name for name in self.behaviours] for b in behaviours or []], dtype=float
        ).reshape(len(self.resolution), len(self.behaviours))
        self.group_sizes = self.grouping.sum(axis=0)
        self.costs = np.array([release_cost(name, settings) for name in self.behaviours])

    def fit(self, features: np.ndarray, labels: list[str], releases: list[str] | None = None):
        """`releases`: each member's release label (`name@version`), for the scale."""
        self.trained = len(labels) > 0
        if not self.trained:
            return self
        self.labels = np.asarray(labels)
        self.releases = np.asarray(releases if releases is not None else labels)
        self.classes = sorted(set(labels))
        known = np.asarray(features, dtype=float)
        with warnings.catch_warnings():  # a feature no declared member has is simply 0
            warnings.simplefilter("ignore", RuntimeWarning)
            self.medians = np.nan_to_num(np.nanmedian(known, axis=0))
        known = self.impute(known)
        self.scale = np.maximum(within_class_scale(known, self.releases), self.resolution)
        self.train = known / self.scale
        return self

    def predict(self, features: np.ndarray, evidence: list[int]) -> list[Prediction]:
        if not self.trained:
            return [UNKNOWN for _ in evidence]
        points = self.impute(np.asarray(features, dtype=float)) / self.scale
        squared = (points[:, None, :] - self.train[None, :, :]) ** 2  # member, declared, feature
        return [self._prediction(row, seen) for row, seen in zip(squared, evidence, strict=True)]

    def impute(self, features: np.ndarray) -> np.ndarray:
        """A missing feature takes the declared members' median: it then tells nothing."""
        return np.where(np.isnan(features), self.medians, features)

    def _prediction(self, squared: np.ndarray, seen: int) -> Prediction:
        """Kernel class probabilities; two members of one class differ by ~N(0, 2) per feature.

        Near a declared member, every declared member counts by its distance. Far from all, only
        those from which it differs by changes costing at most RELEASE_CHANGES count, by a
        distance in which every behaviour weighs the same (its mean square deviation per
        feature) and one they differ in counts as the threshold, however far: the member is then
        one of their implementations' releases, the one that shares most of its behaviour, and
        the probabilities are scaled by the share of behaviours in common (the rest is the
        chance that it is none of them): one changed behaviour in seven can be a confident
        guess, two can't.
        """
        total = squared.sum(axis=1)
        novelty = float(np.sqrt(total.min() / squared.shape[1]) / NOVELTY_THRESHOLD)
        unlike = self._unlike(squared)
        changes = unlike.sum(axis=1)
        cost = unlike @ self.costs if self.behaviours else changes
        if novelty <= 1.0:
            log_kernel = -total / 4
        elif self.behaviours and (cost <= RELEASE_CHANGES).any():
            per_behaviour = squared @ self.grouping / self.group_sizes
            capped = np.where(unlike, NOVELTY_THRESHOLD**2, per_behaviour).sum(axis=1)
            features_per_behaviour = squared.shape[1] / len(self.behaviours)
            log_kernel = np.where(cost <= RELEASE_CHANGES,
                                  -capped * features_per_behaviour / 4, -np.inf)  # fmt: skip
        else:
            near = int(np.argmin(total))
            return Prediction(None, 0.0, {}, str(self.labels[near]), novelty,
                              self._names(unlike[near]), str(self.releases[near]))  # fmt: skip
        probabilities = self._probabilities(log_kernel, seen)
        best = max(probabilities, key=probabilities.get)
        mine = np.flatnonzero(self.labels == best)
        closest = mine[np.lexsort((total[mine], cost[mine]))[0]]
        if novelty > 1.0:  # resemblance, not a match: worth the share of behaviour in common
            shared = 1 - changes[closest] / len(self.behaviours)
            probabilities = {name: p * shared for name, p in probabilities.items()}
        return Prediction(
            best, probabilities[best], probabilities, str(self.labels[np.argmin(total)]), novelty,
            self._names(unlike[closest]), str(self.releases[closest]),
        )  # fmt: skip

    def _unlike(self, squared: np.ndarray) -> np.ndarray:
        """Per declared member and behaviour: some feature of it lies beyond the threshold."""
        worst = np.stack(
            [np.where(self.grouping[:, g] > 0, squared, 0).max(axis=1)
             for g in range(len(self.behaviours))], axis=1,
        ) if self.behaviours else np.zeros((len(squared), 0))  # fmt: skip
        return worst > NOVELTY_THRESHOLD**2

    def _probabilities(self, log_kernel: np.ndarray, seen: int) -> dict[str, float]:
        scores = {}
        for name in self.classes:
            members = log_kernel[self.labels == name]
            scores[name] = np.logaddexp.reduce(members) - np.log(len(members))
        top = max(scores.values())
        raw = {name: np.exp(score - top) for name, score in scores.items()}
        total = sum(raw.values())
        weight = seen / (seen + EVIDENCE_PRIOR)
        return {
            name: float(weight * value / total + (1 - weight) / len(raw))
            for name, value in raw.items()
        }

    def _names(self, unlike: np.ndarray) -> tuple[str, ...]:
        return tuple(name for name, changed in zip(self.behaviours, unlike, strict=True) if changed)


def release_cost(behaviour: str, settings: frozenset[str]) -> int:
    """What changing `behaviour` costs a release: one for a setting, all of RELEASE_CHANGES
    for a part of the code's structure (a release may rewrite one alone, nothing besides)."""
    return 1 if behaviour in settings else RELEASE_CHANGES


def within_class_scale(features: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Pooled within-class standard deviation per feature; zero (the resolution then stands in)
    when no class has two declared members to measure it on."""
    classes = sorted(set(labels))
    freedom = len(features) - len(classes)
    if freedom < 1:
        return np.zeros(features.shape[1])
    residuals = np.concatenate(
        [features[labels == name] - features[labels == name].mean(axis=0) for name in classes]
    )
    return np.sqrt((residuals**2).sum(axis=0) / freedom)
