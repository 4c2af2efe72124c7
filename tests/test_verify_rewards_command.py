"""`manage.py verify_rewards`: output, --json, --root, limits, and the exit status."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.test_rewards_reader import serve

PROJECT = Path(__file__).resolve().parents[1]
DATA = PROJECT.parent / "shared" / "data" / "rewards-trees"
FILE = DATA / "rp-rewards-mainnet-33.json"
ROOT = "0x6c71cf2beb6bf80c90a0bed50b2eff376919bf3016ac5102ce403a4bd74c35b3"


def run(*args) -> str:
    out = io.StringIO()
    call_command("verify_rewards", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def run_failing(*args) -> tuple[str, str]:
    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("verify_rewards", *[str(a) for a in args], stdout=out)
    return out.getvalue(), str(caught.value)


def test_human_output_lists_root_checks_and_time():
    text = run(FILE, "--root", ROOT)
    assert f"computed root: {ROOT}" in text
    for name in ("schema", "addresses", "amounts", "merkle-root", "submitted-roots", "node-proofs"):
        assert f"PASS {name}" in text
    assert "not run: amounts-recomputed" in text
    assert "elapsed:" in text and " ms" in text
    assert text.rstrip().endswith("result: PASS")


def test_json_output():
    report = json.loads(run(FILE, "--json", "--root", ROOT))
    assert report["passed"] is True
    assert report["computed_root"] == report["file_root"] == ROOT
    assert report["node_count"] == 1979
    assert all(c["passed"] for c in report["checks"])


def test_tampered_file_fails_naming_the_checks(tmp_path):
    d = json.loads(FILE.read_bytes())
    first = next(iter(d["nodeRewards"].values()))
    first["collateralRpl"] = str(int(first["collateralRpl"]) + 1)
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(d))
    text, error = run_failing(bad)
    assert "FAIL merkle-root" in text
    assert "merkle-root" in error and "node-proofs" in error
    report_json, _ = run_failing(bad, "--json")
    assert json.loads(report_json)["passed"] is False


def test_wrong_submitted_root_fails():
    _, error = run_failing(FILE, "--root", "0x" + "ab" * 32)
    assert "submitted-roots" in error


def test_unreadable_input_is_one_clear_line(tmp_path):
    text, error = run_failing(tmp_path / "missing.json")
    assert text == ""
    assert error.startswith("cannot verify") and "read failed" in error and "\n" not in error


def test_corrupt_json_is_one_clear_line(tmp_path):
    bad = tmp_path / "corrupt.json"
    bad.write_bytes(FILE.read_bytes()[:1000])
    _, error = run_failing(bad)
    assert "decode failed: invalid JSON" in error


def test_byte_cap_option():
    _, error = run_failing(FILE, "--max-bytes", 1000)
    assert "1000-byte limit" in error


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--root", "0x1234"], "64 hex digits"),
        (["--timeout", "0"], "--timeout: '0' is not a number above 0"),
        (["--max-bytes", "-5"], "--max-bytes: '-5' is not a whole number of at least 1"),
    ],
)
def test_bad_options_are_refused(args, fragment):
    _, error = run_failing(FILE, *args)
    assert fragment in error


def test_url_source_and_timeout_option():
    with serve() as url:
        assert "result: PASS" in run(url + "/file.json", "--timeout", 5)
        _, error = run_failing(url + "/stall-headers", "--timeout", "0.3")
    assert "timed out" in error


def test_exit_status_from_the_command_line(tmp_path):
    def status(*args) -> subprocess.CompletedProcess:
        cmd = [sys.executable, "manage.py", "verify_rewards", *map(str, args)]
        return subprocess.run(cmd, cwd=PROJECT, capture_output=True, text=True, timeout=60)

    ok = status(FILE)
    assert ok.returncode == 0, ok.stderr
    missing = status(tmp_path / "nope.json")
    assert missing.returncode != 0
    assert "cannot verify" in missing.stderr
