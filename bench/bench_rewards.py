"""Time the rewards-tree verifier on the largest mainnet file in ../shared/data/rewards-trees.

Run from anywhere: `python bench/bench_rewards.py [N]`. Prints, best of N runs, in ms:
the stdlib json.loads baseline, our parse (read + decode + schema), and the full verification
(parse + tree rebuild + every check, including all per-node proofs).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from diversity.rewardstree import parse_rewards, verify_rewards_file  # noqa: E402
from diversity.rewardstree.keccak import fast_path_enabled  # noqa: E402
from diversity.rewardstree.reader import load_json  # noqa: E402

DATA = PROJECT.parent / "shared" / "data" / "rewards-trees"


def best_ms(fn, runs: int) -> float:
    """Fastest of `runs` calls, in milliseconds (the least disturbed by other load)."""
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    largest = max(DATA.glob("*.json*"), key=lambda p: p.stat().st_size)
    raw = largest.read_bytes()
    report = verify_rewards_file(largest)
    if not report.passed:
        raise SystemExit(f"verification of {largest.name} failed: {report.failures}")
    print(f"file: {largest.name} ({len(raw) / 1e6:.2f} MB, {report.node_count} nodes)")
    print(f"keccak fast path: {'on' if fast_path_enabled() else 'off'}; best of {runs}")
    timings = {
        "stdlib json.loads only": best_ms(lambda: json.loads(raw), runs),
        "parse (read+decode+schema)": best_ms(lambda: parse_rewards(load_json(largest)), runs),
        "full verification": best_ms(lambda: verify_rewards_file(largest), runs),
    }
    for label, ms in timings.items():
        print(f"{label + ':':<28} {ms:7.1f} ms")


if __name__ == "__main__":
    main()
