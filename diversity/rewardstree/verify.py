"""One entry point: read a rewards file, rebuild its tree, run every check, report.

The report lists the checks that ran (each pass/fail with a message), the checks that did not
run and why, so "all green" never hides a check that was skipped, and warnings: fields the
checks do not need that the file leaves null or out. Reading or decoding failures become a
failing "read" / "decode" check rather than an exception; a file version the verifier does not
know becomes one failing "schema" check that says so.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import checks, proof_text, proofs
from .errors import DecodeError, ReadError
from .keccak import keccak256_many
from .merkle import MerkleTree, build_tree, packed_leaves
from .model import RewardSubmission
from .reader import DEFAULT_LIMITS, ZSTD_MAGIC, Limits, decompress_zstd, parse_json, read_bytes
from .schema import ParsedFile, parse_rewards
from .values import hash32

NOT_CHECKABLE = (
    "amounts-recomputed",
    "needs beacon-chain performance, smoothing-pool eligibility and the full ruleset",
)

STOPPED = "all other checks"  # the skipped entry when no file could be checked at all

RootsArg = Mapping[str, bytes | str] | Iterable[bytes | str] | None


@dataclass
class VerificationReport:
    """What was checked, with what outcome; `passed` is True only if every check that ran passed."""

    source: str
    checks: list[checks.CheckResult] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    computed_root: bytes | None = None
    file_root: bytes | None = None
    file_version: int | None = None
    ruleset_version: int | None = None
    index: int | None = None
    node_count: int = 0
    timings_s: dict[str, float] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def failures(self) -> list[checks.CheckResult]:
        return [c for c in self.checks if not c.passed]

    @property
    def elapsed_s(self) -> float:
        return sum(self.timings_s.values())

    def check(self, name: str) -> checks.CheckResult | None:
        return next((c for c in self.checks if c.name == name), None)

    def to_dict(self) -> dict:
        def hx(v: bytes | None) -> str | None:
            return "0x" + v.hex() if v else None

        return {
            "source": self.source,
            "passed": self.passed,
            "computed_root": hx(self.computed_root),
            "file_root": hx(self.file_root),
            "file_version": self.file_version,
            "ruleset_version": self.ruleset_version,
            "index": self.index,
            "node_count": self.node_count,
            "checks": [c.to_dict() for c in self.checks],
            "skipped": [{"name": n, "reason": r} for n, r in self.skipped],
            "warnings": list(self.warnings),
            "elapsed_ms": round(self.elapsed_s * 1000, 1),
        }


def normalise_roots(expected: RootsArg) -> dict[str, bytes]:
    """{label: 32-byte root} from a mapping or a list of bytes / 0x-hex; ValueError if malformed."""
    if expected is None:
        return {}
    items = (
        expected.items()
        if isinstance(expected, Mapping)
        else ((f"root #{i + 1}", r) for i, r in enumerate(expected))
    )
    out = {}
    for label, root in items:
        value = root if isinstance(root, bytes) and len(root) == 32 else hash32(root)
        if value is None:
            raise ValueError(f"{label}: {root!r} is not a 32-byte root")
        out[str(label)] = value
    return out


def verify_rewards_file(
    source: str | Path,
    expected_roots: RootsArg = None,
    submission: RewardSubmission | None = None,
    *,
    limits: Limits | None = None,
    careful: bool = False,
) -> VerificationReport:
    """Verify a rewards file from a path, http(s) URL, `ipfs://CID/...` or bare CID.

    `careful` decodes the whole file even when its proofs could be compared as text (the
    report is the same: this is for measuring and debugging the shortcut)."""
    report = VerificationReport(source=str(source))
    started = time.perf_counter()
    try:
        data = read_bytes(source, limits)
    except ReadError as exc:
        return _stopped(report, "read", str(exc), started)
    except DecodeError as exc:  # zstd problems surface while reading
        return _stopped(report, "decode", str(exc), started)
    report.timings_s["read"] = time.perf_counter() - started
    return _verify_data(report, data, expected_roots, submission, careful)


def verify_rewards_bytes(
    data: bytes,
    expected_roots: RootsArg = None,
    submission: RewardSubmission | None = None,
    *,
    label: str = "<bytes>",
    limits: Limits | None = None,
    careful: bool = False,
) -> VerificationReport:
    """Verify a rewards file already in memory (JSON, or zstd-compressed JSON); `careful` as
    for `verify_rewards_file`."""
    report = VerificationReport(source=label)
    if data[:4] == ZSTD_MAGIC:
        started = time.perf_counter()
        try:
            data = decompress_zstd(data, (limits or DEFAULT_LIMITS).max_decompressed_bytes)
        except DecodeError as exc:
            return _stopped(report, "decode", str(exc), started)
    return _verify_data(report, data, expected_roots, submission, careful)


def _verify_data(report, data, expected_roots, submission, careful) -> VerificationReport:
    roots = normalise_roots(expected_roots)
    with collector_paused():
        if not careful and (quick := _verify_with_cut_proofs(report, data, roots, submission)):
            return quick
        return _decode_and_verify(report, data, roots, submission)


@contextmanager
def collector_paused():
    """Pause Python's cyclic garbage collector, if it runs, for one verification.

    A verification allocates some 10,000 containers (the decoded document, the columns) and
    frees them all by reference counting when it ends: they form no cycles. The collector's
    passes over them, and in a large process (Django, web3) over everything else it tracks,
    find nothing, so they are skipped. Another thread's pause ending first can only turn the
    collector back on early, which is harmless.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _decode_and_verify(report, data, roots, submission) -> VerificationReport:
    started = time.perf_counter()
    try:
        obj = parse_json(data)
    except DecodeError as exc:
        return _stopped(report, "decode", str(exc), started)
    parsed = parse_rewards(obj, with_nodes=False)
    report.timings_s["parse"] = time.perf_counter() - started
    return verify_parsed(parsed, roots, submission, report=report)


def _verify_with_cut_proofs(report, data, roots, submission) -> VerificationReport | None:
    """The report, from the file decoded without its proofs' text (see `proof_text`), when its
    proofs are exactly the rebuilt tree's paths; None when the file must be decoded whole."""
    started = time.perf_counter()
    cut = proof_text.cut_arrays(data)
    if cut is None:
        return None
    try:
        document = parse_json(cut.rest)
    except DecodeError:
        return None
    if not proof_text.nodes_in_text_order(document):
        return None
    parsed = parse_rewards(document, with_nodes=False)
    if parsed.columns is None:  # some node entry is odd: its merkleProof may not be a list
        return None
    parsed_at = time.perf_counter()
    rebuilt = tree, leaves, _ = _rebuild(parsed)
    matched = tree is not None and tree.root == parsed.file.merkle_root
    if not (matched and proof_text.proofs_match(cut, tree, leaves)):
        return None
    report.timings_s["parse"] = parsed_at - started
    report.timings_s["tree"] = time.perf_counter() - parsed_at  # with the proofs' comparison
    return _report(parsed, roots, submission, report, rebuilt, proofs.all_verified(len(leaves)))


def _stopped(report: VerificationReport, stage: str, message: str, started: float):
    report.timings_s[stage] = time.perf_counter() - started
    report.checks.append(checks.CheckResult(stage, False, message))
    report.skipped.append((STOPPED, f"no file to check ({stage} failed)"))
    return report


def verify_parsed(
    parsed: ParsedFile,
    expected_roots: RootsArg = None,
    submission: RewardSubmission | None = None,
    *,
    report: VerificationReport | None = None,
) -> VerificationReport:
    """Run every check on an already parsed file."""
    report = report or VerificationReport(source="<parsed>")
    if parsed.format is None:
        report.checks.append(checks.check_schema(parsed))
        report.skipped.append((STOPPED, "not a rewards file version this verifier knows"))
        return report
    started = time.perf_counter()
    rebuilt = _rebuild(parsed)
    tree, leaves, _ = rebuilt
    report.timings_s["tree"] = time.perf_counter() - started
    node_proofs = proofs.check_node_proofs(parsed.file, parsed.node_columns(), tree, leaves)
    return _report(parsed, expected_roots, submission, report, rebuilt, node_proofs)


def _report(parsed, expected_roots, submission, report, rebuilt, node_proofs) -> VerificationReport:
    """Every check's result in `report`, given the rebuilt tree and the node-proofs check."""
    roots = normalise_roots(expected_roots)
    rf = parsed.file
    report.warnings += parsed.warnings
    report.file_root, report.file_version = rf.merkle_root or None, rf.version
    report.ruleset_version, report.index = rf.ruleset_version, rf.index
    columns = parsed.node_columns()
    report.node_count = len(columns)
    tree, _, why_not = rebuilt
    report.computed_root = tree.root if tree else None

    started = time.perf_counter()
    found = report.checks
    found += [
        checks.check_schema(parsed),
        checks.check_addresses(parsed),
        checks.check_amounts(parsed),
    ]
    found.append(checks.check_file_root(rf, report.computed_root, why_not))
    if roots:
        found.append(checks.check_submitted_roots(report.computed_root, roots))
    else:
        report.skipped.append(("submitted-roots", "no submitted roots given"))
    found.append(node_proofs)
    found += [checks.check_network_sums(rf, columns), checks.check_total_sums(rf, columns)]
    found.append(checks.check_smoothing_pool_split(rf, len(columns)))
    if submission is not None:
        found.append(checks.check_submission_header(rf, report.computed_root, submission))
        found.append(checks.check_submission_amounts(rf, submission))
    else:
        report.skipped.append(("submission-header/submission-amounts", "no submission given"))
    report.skipped.append(NOT_CHECKABLE)
    report.timings_s["checks"] = time.perf_counter() - started
    return report


def _rebuild(parsed: ParsedFile) -> tuple[MerkleTree | None, list[bytes], str]:
    """The tree over the file's nodes, or None and the reason it cannot be trusted/built."""
    leaves = keccak256_many(packed_leaves(parsed.node_columns()))
    if not parsed.complete:
        bad = "some node entries could not be read"
        return None, leaves, f"{bad} (see the schema / amounts / addresses checks)"
    if not leaves:
        return None, leaves, "the file has no node entries"
    return build_tree(leaves), leaves, ""
