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
"""

import warnings
from dataclasses import dataclass

import numpy as np

NOVELTY_THRESHOLD = 5.0  # RMS within-class deviations per feature from every declared member
EVIDENCE_PRIOR = 2.0


@dataclass(frozen=True)
class Prediction:
    """`label` is None when the member matches no known implementation (or nothing is known)."""

    label: str | None
    probability: float
    probabilities: dict[str, float]
    nearest: str | None
    novelty: float | None  # distance to the nearest declared member / NOVELTY_THRESHOLD

    @property
    def is_novel(self) -> bool:
        return self.novelty is not None and self.novelty > 1.0


UNKNOWN = Prediction(None, 0.0, {}, None, None)


class Fingerprinter:
    """fit(features of declared members, their labels) then predict(features, evidence).

    `resolution` is the smallest meaningful difference of each feature (see traits.RESOLUTION).
    """

    def __init__(self, resolution: np.ndarray):
        self.resolution = np.asarray(resolution, dtype=float)

    def fit(self, features: np.ndarray, labels: list[str]) -> "Fingerprinter":
        self.trained = len(labels) > 0
        if not self.trained:
            return self
        self.labels = np.asarray(labels)
        self.classes = sorted(set(labels))
        known = np.asarray(features, dtype=float)
        with warnings.catch_warnings():  # a feature no declared member has is simply 0
            warnings.simplefilter("ignore", RuntimeWarning)
            self.medians = np.nan_to_num(np.nanmedian(known, axis=0))
        known = self.impute(known)
        self.scale = np.maximum(within_class_scale(known, self.labels), self.resolution)
        self.train = known / self.scale
        return self

    def predict(self, features: np.ndarray, evidence: list[int]) -> list[Prediction]:
        if not self.trained:
            return [UNKNOWN for _ in evidence]
        points = self.impute(np.asarray(features, dtype=float)) / self.scale
        distances = np.sqrt(((points[:, None, :] - self.train[None, :, :]) ** 2).sum(axis=2))
        indices = np.argsort(distances, axis=1)
        distances = np.take_along_axis(distances, indices, axis=1)
        dimensions = points.shape[1]
        return [
            self._prediction(row_distances / np.sqrt(dimensions), row_indices, dimensions, seen)
            for row_distances, row_indices, seen in zip(distances, indices, evidence, strict=True)
        ]

    def impute(self, features: np.ndarray) -> np.ndarray:
        """A missing feature takes the declared members' median: it then tells nothing."""
        return np.where(np.isnan(features), self.medians, features)

    def _prediction(self, rms: np.ndarray, indices: np.ndarray, dimensions: int, seen: int):
        """Kernel class probabilities; two members of one class differ by ~N(0, 2) per feature."""
        log_kernel = -dimensions * rms**2 / 4
        scores = {}
        for name in self.classes:
            members = log_kernel[self.labels[indices] == name]
            scores[name] = np.logaddexp.reduce(members) - np.log(len(members))
        top = max(scores.values())
        raw = {name: np.exp(score - top) for name, score in scores.items()}
        total = sum(raw.values())
        weight = seen / (seen + EVIDENCE_PRIOR)
        probabilities = {
            name: float(weight * value / total + (1 - weight) / len(raw))
            for name, value in raw.items()
        }
        nearest = str(self.labels[indices[0]])
        novelty = float(rms[0] / NOVELTY_THRESHOLD)
        best = max(probabilities, key=probabilities.get)
        label = None if novelty > 1.0 else best
        return Prediction(label, probabilities[best], probabilities, nearest, novelty)


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
