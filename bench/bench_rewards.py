"""Time the rewards-tree verifier on the largest real file in ../shared/data/rewards-trees.

Run from anywhere: `python bench/bench_rewards.py [N]`. Prints, best of N runs, in ms: the stdlib
json.loads baseline (the floor), our parse (read + depth guard + decode + schema), and the full
verification (parse + tree rebuild + every check, including all per-node proofs), and the ratio
of full verification to the floor. The runs alternate between the floor and the verification,
so load from other work on the machine weighs on both alike.
"""

from __future__ import annotations

import json
import sys
import time
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


def best_of_each(fns: list, runs: int) -> list[float]:
    """Fastest of `runs` calls of each function, taking turns, in milliseconds."""
    best = [float("inf")] * len(fns)
    for _ in range(runs):
        for i, fn in enumerate(fns):
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
    floor, parse, verify = best_of_each(
        [
            lambda: _decode_like_the_verifier(raw),
            lambda: parse_rewards(load_json(path)),
            lambda: verify_rewards_file(path),
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
    }


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    figures = measure_rewards(runs)
    print(f"file: {figures['file']} ({figures['bytes'] / 1e6:.2f} MB, {figures['nodes']} nodes)")
    print(f"best of {runs}, runs alternating")
    print(f"{'stdlib json.loads only (floor):':<34} {figures['json_parse_ms']:7.1f} ms")
    print(f"{'parse (read+depth+decode+schema):':<34} {figures['parse_ms']:7.1f} ms")
    print(f"{'full verification:':<34} {figures['verify_ms']:7.1f} ms")
    print(f"{'verify / json.loads:':<34} {figures['verify_to_parse_ratio']:7.2f}x")


if __name__ == "__main__":
    main()
