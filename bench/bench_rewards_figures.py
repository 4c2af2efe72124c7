"""Rewards-file figures for `manage.py bench`: parse-only floor vs full verification."""

import json

from bench.bench_rewards import DATA, best_ms
from diversity.rewardstree import verify_rewards_file


def measure_rewards(runs: int = 10) -> dict:
    largest = max(DATA.glob("*.json*"), key=lambda p: p.stat().st_size)
    raw = largest.read_bytes()
    return {
        "file": largest.name,
        "bytes": len(raw),
        "json_parse_ms": round(best_ms(lambda: json.loads(raw), runs), 1),
        "verify_ms": round(best_ms(lambda: verify_rewards_file(largest), runs), 1),
    }
