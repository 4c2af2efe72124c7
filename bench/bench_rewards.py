"""Time the rewards-tree verifier on the largest real file in ../shared/data/rewards-trees.

Run from anywhere: `python bench/bench_rewards.py [N]`. Prints, best of N runs, in ms: the stdlib
json.loads baseline (the floor), our careful parse (read + depth guard + decode of the whole file +
schema), the full verification as it runs (read, decode without the proofs' text, tree rebuild,
every check, all per-node proofs compared as text: `rewardstree.proof_text`), the careful
verification that a file takes when that shortcut cannot prove its proofs (the whole file
decoded), and each verification's ratio to the floor. The runs alternate between the floor and
the verifications, so load from other work on the machine weighs on all alike.
"""

from __future__ import annotations

import json
import sys
import time
from functools import partial
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from diversity.rewardstree import parse_rewards, verify_rewards_file  # noqa: E402
from diversity.rewardstree.reader import load_json  # noqa: E402
from diversity.rewardstree.verify import collector_paused  # noqa: E402

DATA = PROJECT.parent / "shared" / "data" / "rewards-trees"


def largest_file() -> Path:
    return max(DATA.glob("*.json*"), key=lambda p: p.stat().st_size)


def best_ms(fn, runs: int) -> float:
    """Fastest of `runs` calls, in milliseconds (the least disturbed by other load)."""
    return best_of_each([fn], runs)[0]


def best_of_each(fns: list, runs: int, in_a_row: int = 3) -> list[float]:
    """Fastest of `runs` turns of each function, in milliseconds; a turn is `in_a_row` calls.

    Taking turns spreads other load over all the functions alike. Calls in a row measure each
    in the state its own previous call left (the allocator's free memory, the caches), as a
    process that verifies file after file sees it: the first call after another function pays
    for that function's leftovers, by up to a fifth either way.
    """
    best = [float("inf")] * len(fns)
    for _ in range(runs):
        for i, fn in enumerate(fns):
            for _ in range(in_a_row):
                started = time.perf_counter()
                fn()
                best[i] = min(best[i], time.perf_counter() - started)
    return [b * 1000 for b in best]


def _decode_like_the_verifier(raw: bytes) -> object:
    """The floor under the verifier's own conditions: it pauses the cyclic collector, which
    otherwise runs several times while json.loads builds ~100,000 containers (4.8 ms paused
    against 6.5 ms here), so a floor measured with it running would flatter the ratio."""
    with collector_paused():
        return json.loads(raw)


def measure_rewards(runs: int = 20) -> dict:
    """The verify/parse figures `manage.py bench` reports (section "rewards")."""
    path = largest_file()
    raw = path.read_bytes()
    report = verify_rewards_file(path)
    if not report.passed:
        raise RuntimeError(f"verification of {path.name} failed: {report.failures}")
    floor, parse, verify, careful = best_of_each(
        [
            lambda: _decode_like_the_verifier(raw),
            lambda: parse_rewards(load_json(path)),
            lambda: verify_rewards_file(path),
            lambda: verify_rewards_file(path, careful=True),
        ],
        runs,
    )
    return {
        "file": path.name,
        "bytes": len(raw),
        "nodes": report.node_count,
        "json_parse_ms": round(floor, 1),
        "parse_ms": round(parse, 1),
        "verify_ms": round(verify, 1),
        "verify_to_parse_ratio": round(verify / floor, 2),
        "careful_verify_ms": round(careful, 1),
        "careful_to_parse_ratio": round(careful / floor, 2),
        "every_file": every_file(max(3, runs // 4)),
    }


def every_file(runs: int) -> dict[str, dict]:
    """Floor, verification and their ratio for each real file, best of `runs` turns each.

    The small testnet files show the verifier's fixed cost (a fraction of a millisecond: numpy
    buffers, the report) against a floor of microseconds."""
    figures = {}
    for path in sorted(DATA.glob("*.json*")):
        raw = path.read_bytes()
        floor, verify = best_of_each(
            [partial(_decode_like_the_verifier, raw), partial(verify_rewards_file, path)], runs
        )
        figures[path.name] = {
            "json_parse_ms": round(floor, 2),
            "verify_ms": round(verify, 2),
            "ratio": round(verify / floor, 2),
        }
    return figures


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    figures = measure_rewards(runs)
    print(f"file: {figures['file']} ({figures['bytes'] / 1e6:.2f} MB, {figures['nodes']} nodes)")
    print(f"best of {runs}, runs alternating")
    print(f"{'stdlib json.loads only (floor):':<34} {figures['json_parse_ms']:7.1f} ms")
    print(f"{'careful parse (read+depth+schema):':<34} {figures['parse_ms']:7.1f} ms")
    print(f"{'full verification:':<34} {figures['verify_ms']:7.1f} ms")
    print(f"{'verify / json.loads:':<34} {figures['verify_to_parse_ratio']:7.2f}x")
    print(f"{'careful verification:':<34} {figures['careful_verify_ms']:7.1f} ms")
    print(f"{'careful / json.loads:':<34} {figures['careful_to_parse_ratio']:7.2f}x")
    print("every real file: floor, verification, ratio")
    for name, each in figures["every_file"].items():
        print(
            f"  {name:<32} {each['json_parse_ms']:7.2f} ms {each['verify_ms']:7.2f} ms"
            f" {each['ratio']:6.2f}x"
        )


if __name__ == "__main__":
    main()
