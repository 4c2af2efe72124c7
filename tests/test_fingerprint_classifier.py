"""The classifier alone, on made-up feature vectors: labels, probabilities, novelty, evidence."""

import numpy as np
import pytest

from diversity.fingerprint.classifier import NOVELTY_THRESHOLD, UNKNOWN, Fingerprinter

RESOLUTION = [0.1, 0.1]
TRAIN = np.array([[0.0, 1.0], [0.02, 1.01], [1.0, 0.0], [1.01, 0.03], [0.5, 3.0]])
LABELS = ["a", "a", "b", "b", "c"]


def model() -> Fingerprinter:
    return Fingerprinter(RESOLUTION).fit(TRAIN, LABELS)


def test_a_member_next_to_a_class_gets_its_label_with_confidence():
    [prediction] = model().predict(np.array([[0.01, 0.99]]), [100])
    assert prediction.label == "a"
    assert prediction.probability > 0.95
    assert sum(prediction.probabilities.values()) == pytest.approx(1.0)


def test_a_member_far_from_every_class_is_unknown_not_the_nearest():
    far = 0.1 * NOVELTY_THRESHOLD * 3
    [prediction] = model().predict(np.array([[1.0 + far, 0.0]]), [100])
    assert prediction.label is None and prediction.is_novel
    assert prediction.nearest == "b"  # the nearest class is still on record


def test_little_evidence_makes_a_modest_guess():
    point = np.array([[0.0, 1.0]])
    [plenty] = model().predict(point, [100])
    [scarce] = model().predict(point, [1])
    assert plenty.label == scarce.label == "a"
    assert scarce.probability < 0.6 < plenty.probability


def test_a_difference_below_the_resolution_is_not_novel():
    """Every declared "c" has exactly 3.0; a member at 3.05 is still "c", not a new class."""
    [prediction] = model().predict(np.array([[0.5, 3.05]]), [100])
    assert prediction.label == "c"


def test_missing_features_take_the_declared_median():
    [prediction] = model().predict(np.array([[np.nan, 1.0]]), [100])
    assert prediction.label is not None


def test_nothing_declared_means_nothing_known():
    untrained = Fingerprinter(RESOLUTION).fit(np.empty((0, 2)), [])
    assert untrained.predict(np.array([[0.0, 1.0]]), [10]) == [UNKNOWN]


def test_probabilities_do_not_favour_the_class_with_more_declared_members():
    """Between a (two members) and c (one), halfway in scaled distance: no prior for a."""
    lone = Fingerprinter([0.1]).fit(np.array([[0.0], [0.0], [1.0]]), ["a", "a", "c"])
    [prediction] = lone.predict(np.array([[0.5]]), [10**6])
    assert prediction.probabilities["a"] == pytest.approx(prediction.probabilities["c"])


# --- releases: behaviours a release changes ------------------------------------------------------
BEHAVIOURS = ["fees", "fees", "fees", "timing", "late votes", "duties"]
RELEASE_TRAIN = np.array([[0.0] * 6, [0.0] * 6, [5.0] * 6, [5.0] * 6])


def release_model() -> Fingerprinter:
    return Fingerprinter([0.1] * 6, BEHAVIOURS).fit(RELEASE_TRAIN, ["a", "a", "b", "b"])


def test_unlike_a_class_in_one_behaviour_only_is_its_unrecognised_release():
    """Far from every declared member (new fees), like "a" in everything else: "a", with the
    changed behaviour named and less confidence than a match."""
    [prediction] = release_model().predict(np.array([[3.0, 3.0, 3.0, 0.0, 0.0, 0.0]]), [10**6])
    assert prediction.novelty > 1 and not prediction.is_novel
    assert prediction.label == "a" and prediction.changed == ("fees",)
    [match] = release_model().predict(np.array([[0.0] * 6]), [10**6])
    assert match.changed == () and prediction.probability < match.probability


def test_unlike_every_class_in_three_behaviours_is_a_new_implementation():
    [prediction] = release_model().predict(np.array([[3.0, 3.0, 3.0, 3.0, 3.0, 0.0]]), [10**6])
    assert prediction.label is None and prediction.is_novel
    assert set(prediction.changed) == {"fees", "timing", "late votes"}


def test_new_fees_and_a_new_scheduler_are_a_new_implementation_not_a_release():
    """Two changes, but timing is the code's structure: a release that rewrites its scheduler
    keeps its fee rule; one with new fees and a new scheduler is another program."""
    [prediction] = release_model().predict(np.array([[3.0, 3.0, 3.0, 3.0, 0.0, 0.0]]), [10**6])
    assert prediction.label is None and prediction.is_novel
    assert set(prediction.changed) == {"fees", "timing"}


def test_a_new_scheduler_alone_is_a_release():
    [prediction] = release_model().predict(np.array([[0.0, 0.0, 0.0, 3.0, 0.0, 0.0]]), [10**6])
    assert prediction.novelty > 1 and prediction.label == "a"
    assert prediction.changed == ("timing",)


def test_new_fee_and_gas_rules_are_a_release():
    """Both settings changed (smartnode 1.21.0 in the acceptance's profiles): still "a"."""
    behaviours = ["fees", "fees", "gas limit", "gas limit", "timing", "duties"]
    model = Fingerprinter([0.1] * 6, behaviours).fit(RELEASE_TRAIN, ["a", "a", "b", "b"])
    [prediction] = model.predict(np.array([[3.0, 3.0, 3.0, 3.0, 0.0, 0.0]]), [10**6])
    assert prediction.label == "a"
    assert set(prediction.changed) == {"fees", "gas limit"}


def test_a_behaviour_counts_once_however_many_features_show_it():
    """Unlike "a" in fees (three features) and "b" in timing (one): each is one change, and
    the member is the release of the class it shares the other behaviours with most closely."""
    model = Fingerprinter([0.1] * 6, BEHAVIOURS).fit(
        np.array([[0.0] * 6, [0.0] * 6, [0.0, 0.0, 0.0, 5.0, 0.3, 0.0], [0.0, 0.0, 0.0, 5.0,
                  0.3, 0.0]]), ["a", "a", "b", "b"])  # fmt: skip
    [prediction] = model.predict(np.array([[3.0, 3.0, 3.0, 0.0, 0.0, 0.0]]), [10**6])
    assert prediction.label == "a"


def test_without_behaviours_nothing_is_a_release():
    [prediction] = Fingerprinter([0.1] * 6).fit(RELEASE_TRAIN, ["a", "a", "b", "b"]).predict(
        np.array([[3.0, 3.0, 3.0, 0.0, 0.0, 0.0]]), [10**6])  # fmt: skip
    assert prediction.label is None
