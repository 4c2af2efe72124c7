"""Reading rewards files: paths, zstd, a real HTTP server on 127.0.0.1, IPFS URLs, and fuzzing.

The server is a real http.server in a thread, so the byte cap, the timeout, redirects and chunked
streams are exercised over a socket, not mocked.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diversity.rewardstree import (
    DecodeError,
    Limits,
    ReadError,
    RewardsFileError,
    verify_rewards_bytes,
    verify_rewards_file,
)
from diversity.rewardstree.reader import ZSTD_MAGIC, parse_json, read_bytes, resolve_source

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "rewards-trees"
SAMPLE = DATA / "rp-rewards-mainnet-51.json"  # the smallest-but-one, and the v4 format
SAMPLE_ROOT = "0x767f99e3831cf2d70ac45b0bc003dce3092205f87c27efd495ef20528d95ef77"
CID = "bafybeicfegv5do6selkuhrgqk2vo2sq24gr5bgsz5r54hgvumio2j2l4o4"


class Handler(BaseHTTPRequestHandler):
    """Routes: a file, its zstd form, redirects, a 404, oversized, endless and stalling bodies."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep pytest output clean
        pass

    def do_GET(self):  # noqa: N802 (http.server's naming)
        routes = {
            "/file.json": lambda: self._send(SAMPLE.read_bytes()),
            "/file.json.zst": lambda: self._send(zstandard.compress(SAMPLE.read_bytes())),
            f"/ipfs/{CID}/rp-rewards-mainnet-51.json": lambda: self._send(SAMPLE.read_bytes()),
            "/redirect": lambda: self._redirect("/file.json"),
            "/loop": lambda: self._redirect("/loop"),
            "/declared-2gb": self._declared_2gb,
            "/no-length-2mb": self._no_length,
            "/endless": self._endless,
            "/stall-body": self._stall_body,
            "/stall-headers": self._stall_headers,
        }
        route = routes.get(self.path)
        if route is None:
            self.send_error(404)
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            route()

    def _send(self, body: bytes):
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, where: str):
        self.send_response(302)
        self.send_header("Location", where)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _declared_2gb(self):
        self.send_response(200)
        self.send_header("Content-Length", str(2 * 1024**3))
        self.end_headers()
        self.wfile.write(b"{" * 65536)

    def _no_length(self):
        self.send_response(200)
        self.send_header("Connection", "close")
        self.end_headers()
        for _ in range(32):
            self.wfile.write(b" " * 65536)
        self.close_connection = True

    def _endless(self):
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b"%x\r\n%s\r\n" % (65536, b" " * 65536)
        for _ in range(200_000):  # ~13 GB: far past any cap; stops when the client hangs up
            if self.server.stop.is_set():
                return
            self.wfile.write(chunk)

    def _stall_body(self):
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.write(b"{")
        self.wfile.flush()
        self.server.stop.wait(10)

    def _stall_headers(self):
        self.server.stop.wait(10)


@contextlib.contextmanager
def serve():
    """A real HTTP server on an ephemeral 127.0.0.1 port; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.stop = threading.Event()  # releases stalling handlers at shutdown
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.stop.set()
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def base_url():
    with serve() as url:
        yield url


# -- local files and zstd ---------------------------------------------------------------------


def test_reads_a_local_file():
    assert read_bytes(SAMPLE) == SAMPLE.read_bytes()
    assert read_bytes(str(SAMPLE)) == SAMPLE.read_bytes()


def test_missing_file_is_a_read_error():
    with pytest.raises(ReadError, match="cannot read"):
        read_bytes(DATA / "no-such-file.json")


def test_local_file_over_the_cap_is_refused():
    with pytest.raises(ReadError, match="limit"):
        read_bytes(SAMPLE, Limits(max_bytes=1000))


def test_zstd_round_trip(tmp_path):
    compressed = tmp_path / "rp-rewards-mainnet-51.json.zst"
    compressed.write_bytes(zstandard.compress(SAMPLE.read_bytes(), 19))
    assert compressed.stat().st_size < SAMPLE.stat().st_size / 3
    assert read_bytes(compressed) == SAMPLE.read_bytes()
    report = verify_rewards_file(compressed, expected_roots=[SAMPLE_ROOT])
    assert report.passed, report.failures
    assert "0x" + report.computed_root.hex() == SAMPLE_ROOT


def test_zstd_bomb_is_refused(tmp_path):
    bomb = tmp_path / "bomb.json.zst"
    bomb.write_bytes(zstandard.compress(b" " * (8 * 1024 * 1024)))
    assert bomb.stat().st_size < 4096
    with pytest.raises(DecodeError, match="limit"):
        read_bytes(bomb, Limits(max_decompressed_bytes=1024 * 1024))
    report = verify_rewards_file(bomb, limits=Limits(max_decompressed_bytes=1024 * 1024))
    assert not report.passed and report.failures[0].name == "decode"


def test_corrupt_zstd_is_a_decode_error(tmp_path):
    bad = tmp_path / "bad.json.zst"
    bad.write_bytes(zstandard.compress(SAMPLE.read_bytes())[:5000])
    with pytest.raises(DecodeError, match="zstd"):
        read_bytes(bad)


# -- IPFS sources -----------------------------------------------------------------------------


def test_ipfs_sources_resolve_through_the_gateway_pattern():
    assert resolve_source(f"ipfs://{CID}") == f"https://ipfs.io/ipfs/{CID}"
    assert resolve_source(CID) == f"https://ipfs.io/ipfs/{CID}"
    assert (
        resolve_source(
            f"ipfs://{CID}/rp-rewards-mainnet-0.json.zst", "https://{cid}.ipfs.dweb.link"
        )
        == f"https://{CID}.ipfs.dweb.link/rp-rewards-mainnet-0.json.zst"
    )
    assert resolve_source("some/local/file.json") == Path("some/local/file.json")


def test_bad_cid_and_bad_gateway_pattern_are_read_errors():
    with pytest.raises(ReadError, match="CID"):
        resolve_source("ipfs://not-a-cid")
    with pytest.raises(ReadError, match="gateway"):
        resolve_source(CID, "https://gw/{nope}")


def test_ipfs_url_through_a_local_gateway(base_url):
    limits = Limits(gateway=base_url + "/ipfs/{cid}", timeout_s=5)
    report = verify_rewards_file(f"ipfs://{CID}/rp-rewards-mainnet-51.json", limits=limits)
    assert report.passed, report.failures


# -- HTTP -------------------------------------------------------------------------------------


def test_http_file_and_zstd_and_redirect(base_url):
    raw = SAMPLE.read_bytes()
    assert read_bytes(base_url + "/file.json", Limits(timeout_s=5)) == raw
    assert read_bytes(base_url + "/file.json.zst", Limits(timeout_s=5)) == raw
    assert read_bytes(base_url + "/redirect", Limits(timeout_s=5)) == raw


def test_http_errors_and_redirect_loops(base_url):
    with pytest.raises(ReadError, match="404"):
        read_bytes(base_url + "/missing", Limits(timeout_s=5))
    with pytest.raises(ReadError, match="redirects"):
        read_bytes(base_url + "/loop", Limits(timeout_s=5))
    with pytest.raises(ReadError):
        read_bytes("http://127.0.0.1:1/file.json", Limits(timeout_s=1))  # nothing listens


def test_declared_2gb_body_is_refused_before_reading(base_url):
    started = time.monotonic()
    with pytest.raises(ReadError, match="exceeds"):
        read_bytes(base_url + "/declared-2gb")  # default limits
    assert time.monotonic() - started < 1


def test_oversized_body_without_length_is_refused(base_url):
    with pytest.raises(ReadError, match="exceeds"):
        read_bytes(base_url + "/no-length-2mb", Limits(max_bytes=1024 * 1024, timeout_s=5))


def test_endless_chunked_stream_is_refused_by_the_default_byte_cap(base_url):
    started = time.monotonic()
    with pytest.raises(ReadError, match="exceeds the 67108864-byte limit"):
        read_bytes(base_url + "/endless")
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("route", ["/stall-body", "/stall-headers"])
def test_stalled_server_is_refused_by_the_total_timeout(base_url, route):
    started = time.monotonic()
    with pytest.raises(ReadError, match="timed out"):
        read_bytes(base_url + route, Limits(timeout_s=0.5))
    assert time.monotonic() - started < 1.5


def test_http_failure_becomes_a_failing_read_check(base_url):
    report = verify_rewards_file(base_url + "/stall-headers", limits=Limits(timeout_s=0.3))
    assert not report.passed
    assert [c.name for c in report.checks] == ["read"]
    assert "timed out" in report.checks[0].message


# -- decoding and fuzzing ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, fragment",
    [
        (b"", "invalid JSON"),
        (b'{"a": 1', "invalid JSON"),
        (b"\xff\xfe\x00garbage", "invalid JSON"),
        (b'{"a": NaN}', "NaN"),
        (b"[" * 100_000, "invalid JSON"),
    ],
)
def test_bad_json_is_a_decode_error(data, fragment):
    with pytest.raises(DecodeError, match=fragment):
        parse_json(data)


def test_duplicate_keys_are_remembered():
    obj = parse_json(b'{"a": 1, "b": 2, "a": 3}')
    assert obj == {"a": 3, "b": 2}
    assert obj.duplicates == ["a"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=30,
)
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _must_fail_cleanly(data: bytes) -> None:
    try:
        report = verify_rewards_bytes(data)
    except RewardsFileError:
        return
    assert not report.passed
    assert report.failures


@FUZZ
@given(st.binary(max_size=2000))
def test_fuzz_random_bytes(data):
    _must_fail_cleanly(data)


@FUZZ
@given(st.binary(max_size=2000))
def test_fuzz_random_zstd_frames(data):
    _must_fail_cleanly(ZSTD_MAGIC + data)
    _must_fail_cleanly(zstandard.compress(data))  # valid zstd, random content


@FUZZ
@given(json_values)
def test_fuzz_random_json(value):
    _must_fail_cleanly(json.dumps(value).encode())


HEADER = json.loads(SAMPLE.read_bytes())
HEADER["nodeRewards"] = dict(list(HEADER["nodeRewards"].items())[:3])
TOP_KEYS = sorted(HEADER)


@FUZZ
@given(st.sampled_from(TOP_KEYS), json_values, st.integers(0, 2), st.integers(-1, 10))
def test_fuzz_mutated_rewards_file(key, value, node_index, inner_index):
    """A near-valid file (3 real nodes, so the root is wrong anyway) with one field replaced."""
    doc = json.loads(json.dumps(HEADER))
    if inner_index >= 0:  # replace a field inside one node entry
        address = list(doc["nodeRewards"])[node_index]
        inner_keys = sorted(doc["nodeRewards"][address])
        doc["nodeRewards"][address][inner_keys[inner_index % len(inner_keys)]] = value
    else:
        doc[key] = value
    _must_fail_cleanly(json.dumps(doc).encode())


def test_the_package_does_not_import_django():
    code = (
        "import sys, diversity.rewardstree as r; "
        "r.verify_rewards_file(sys.argv[1]); "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'django'); "
        "sys.exit(f'imported {bad}' if bad else 0)"
    )
    project = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", code, str(SAMPLE)], cwd=project, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_deep_nesting_is_refused_even_after_web3_raised_the_recursion_limit():
    """py_ecc (imported with web3) sets the recursion limit to 100000; json.loads of a deep
    array would then overflow the C stack. Run in a child so a crash can't take pytest down."""
    program = (
        "import web3, sys\n"
        "from diversity.rewardstree import verify_rewards_bytes\n"
        "assert sys.getrecursionlimit() >= 100000\n"
        "report = verify_rewards_bytes(b'[' * 200000 + b']' * 200000)\n"
        "print(report.failures[0].name, report.failures[0].message)\n"
    )
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", program], cwd=root, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("decode invalid JSON: nested 200000 deep")
