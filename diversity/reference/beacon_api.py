"""A beacon node's standard HTTP API: validator balances and statuses by pubkey, at a slot.

This is the half of a real-network `BeaconBalanceSource` that talks to the consensus layer:
given the protocol's validator pubkeys (enumerated from execution-layer state by the caller) and
a slot, it returns each validator's balance and status. A post-merge block's timestamp fixes
its slot (genesis time + SECONDS_PER_SLOT), and the standard accepts a slot as a state id, so
`/eth/v1/beacon/genesis`, `/eth/v1/config/spec` and `/eth/v1/beacon/states/{slot}/validators`
(pubkeys as `id` filters, in batches) are all it needs.

Never a wrong value: a slow node (one deadline per request covers connect, headers and body), a
state the node does not have (404), any other error status, an optimistic answer, or a body that
is not the standard JSON shape all become a `ValidatorsAtSlot` whose `unchecked` says why, with
no validators in it. Pubkeys the node does not know at that state are listed in `not_found`
(a deposit not yet seen by the beacon chain); what they count for is the protocol's rule, and
so the caller's decision.
"""

from __future__ import annotations

import http.client
import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

GWEI = 10**9
DEFAULT_TIMEOUT_S = 10.0
DEFAULT_BATCH = 64  # pubkeys per GET: a ~6.5 kB URL, under the 8 kB many servers allow
MAX_BODY_BYTES = 32 * 1024 * 1024
STATUSES = frozenset({
    "pending_initialized", "pending_queued", "active_ongoing", "active_exiting",
    "active_slashed", "exited_unslashed", "exited_slashed", "withdrawal_possible",
    "withdrawal_done",
})  # fmt: skip
_PUBKEY = re.compile(r"0x[0-9a-f]{96}")
_HASH32 = re.compile(r"0x[0-9a-fA-F]{64}")


class BeaconUnavailable(Exception):
    """The node did not give a usable answer; the message is the reason, for the report."""


@dataclass(frozen=True)
class ValidatorState:
    """One validator at a state, as the beacon node reports it (balances in gwei)."""

    pubkey: str
    index: int
    status: str
    balance_gwei: int
    effective_balance_gwei: int
    slashed: bool
    activation_epoch: int
    exit_epoch: int
    withdrawable_epoch: int
    withdrawal_credentials: str

    @property
    def balance_wei(self) -> int:
        return self.balance_gwei * GWEI


@dataclass(frozen=True)
class ValidatorsAtSlot:
    """The validators asked for at a slot, or why they could not be read (`unchecked`)."""

    slot: int | None
    validators: dict[str, ValidatorState] = field(default_factory=dict)  # by lower-case pubkey
    not_found: tuple[str, ...] = ()
    unchecked: str | None = None

    @property
    def checked(self) -> bool:
        return self.unchecked is None


class BeaconApiClient:
    """Reads validators from one beacon node; every call returns or raises within its timeout."""

    def __init__(self, base_url: str, timeout_s: float = DEFAULT_TIMEOUT_S,
                 batch_size: int = DEFAULT_BATCH):  # fmt: skip
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.batch_size = batch_size
        self._slot_clock: tuple[int, int, int] | None = None  # genesis, slot s, slots/epoch

    def validators_at_time(self, pubkeys: Sequence[str], timestamp: int) -> ValidatorsAtSlot:
        """The validators at the slot of a (post-merge) block timestamp."""
        try:
            slot = self.slot_at(timestamp)
        except BeaconUnavailable as error:
            return ValidatorsAtSlot(None, unchecked=str(error))
        return self.validators_at_slot(pubkeys, slot)

    def validators_at_slot(self, pubkeys: Sequence[str], slot: int) -> ValidatorsAtSlot:
        """Balances and statuses of these pubkeys in the state at `slot`."""
        wanted = [_pubkey(p) for p in pubkeys]
        found: dict[str, ValidatorState] = {}
        try:
            for start in range(0, len(wanted), self.batch_size):
                batch = wanted[start : start + self.batch_size]
                path = f"/eth/v1/beacon/states/{slot}/validators"
                body = self._get(path, [("id", pubkey) for pubkey in batch])
                found.update(_validators(body, set(batch), slot))
        except BeaconUnavailable as error:
            return ValidatorsAtSlot(slot, unchecked=str(error))
        missing = tuple(p for p in wanted if p not in found)
        return ValidatorsAtSlot(slot, found, missing)

    def slot_at(self, timestamp: int) -> int:
        """The slot whose time is `timestamp` (genesis and spec are read once)."""
        if self._slot_clock is None:
            genesis = _uint(_data(self._get("/eth/v1/beacon/genesis"), dict), "genesis_time")
            spec = _data(self._get("/eth/v1/config/spec"), dict)
            self._slot_clock = (genesis, _uint(spec, "SECONDS_PER_SLOT"),
                                _uint(spec, "SLOTS_PER_EPOCH"))  # fmt: skip
        genesis, seconds, _ = self._slot_clock
        if timestamp < genesis or seconds == 0:
            raise BeaconUnavailable(f"time {timestamp} is before the beacon chain's genesis")
        return (timestamp - genesis) // seconds

    def epoch_of(self, slot: int) -> int:
        """The epoch of a slot (after `slot_at` has read the spec)."""
        if self._slot_clock is None or self._slot_clock[2] == 0:
            raise BeaconUnavailable("the beacon node's spec has no SLOTS_PER_EPOCH")
        return slot // self._slot_clock[2]

    def _get(self, path: str, query: list[tuple[str, str]] = ()) -> dict:
        url = self.base_url + path + ("?" + urlencode(query) if query else "")
        status, body = http_get(url, self.timeout_s, MAX_BODY_BYTES)
        if status == 404:
            raise BeaconUnavailable(f"the beacon node has no such state or resource ({path})")
        if status != 200:
            raise BeaconUnavailable(f"the beacon node answered HTTP {status} for {path}")
        try:
            decoded = json.loads(body)
        except (ValueError, UnicodeDecodeError) as error:
            raise BeaconUnavailable(f"the beacon node's answer to {path} is not JSON") from error
        if not isinstance(decoded, dict):
            raise BeaconUnavailable(f"the beacon node's answer to {path} is not a JSON object")
        return decoded


def http_get(url: str, timeout_s: float, max_bytes: int) -> tuple[int, bytes]:
    """(status, body) of a GET; one deadline covers connect, headers and the whole body."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BeaconUnavailable(f"not an http(s) URL: {url!r}")
    deadline = time.monotonic() + timeout_s
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = None
    try:
        conn = kind(parts.hostname, parts.port, timeout=timeout_s)
        conn.connect()
        sock = conn.sock  # kept: the response reads from it, with a shrinking timeout
        conn.request("GET", parts.path + ("?" + parts.query if parts.query else ""),
                     headers={"Accept": "application/json"})  # fmt: skip
        sock.settimeout(_left(deadline))
        response = conn.getresponse()
        chunks, total = [], 0
        while True:
            sock.settimeout(_left(deadline))
            if not (chunk := response.read1(256 * 1024)):
                break
            total += len(chunk)
            if total > max_bytes:
                raise BeaconUnavailable(f"the beacon node's answer exceeds {max_bytes} bytes")
            chunks.append(chunk)
        return response.status, b"".join(chunks)
    except TimeoutError as error:
        raise BeaconUnavailable(f"the beacon node did not answer within {timeout_s:g} s") from error
    except (OSError, ValueError, http.client.HTTPException) as error:
        raise BeaconUnavailable(f"the beacon node cannot be reached: {error}") from error
    finally:
        if conn is not None:
            conn.close()


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return left


def _pubkey(value: str) -> str:
    key = value.lower()
    if not _PUBKEY.fullmatch(key):
        raise ValueError(f"{value!r} is not a 0x-prefixed 48-byte validator pubkey")
    return key


def _validators(body: dict, asked: set[str], slot: int) -> dict[str, ValidatorState]:
    """The validators in a states/{slot}/validators answer, checked against the standard."""
    if body.get("execution_optimistic") is True:
        raise BeaconUnavailable(f"the state at slot {slot} is optimistic (not yet verified)")
    found = {}
    for record in _data(body, list):
        state = _validator(record)
        if state.pubkey not in asked or state.pubkey in found:
            raise BeaconUnavailable(
                f"the beacon node returned {state.pubkey[:12]}…, not asked for or twice"
            )
        found[state.pubkey] = state
    return found


def _validator(record: object) -> ValidatorState:
    inner = record.get("validator") if isinstance(record, dict) else None
    if not isinstance(inner, dict):
        raise BeaconUnavailable("a validator record is not the standard shape")
    pubkey, status = inner.get("pubkey"), record.get("status")
    credentials = inner.get("withdrawal_credentials")
    if not (
        isinstance(pubkey, str)
        and _PUBKEY.fullmatch(pubkey.lower())
        and status in STATUSES
        and type(inner.get("slashed")) is bool
        and isinstance(credentials, str)
        and _HASH32.fullmatch(credentials)
    ):
        raise BeaconUnavailable("a validator record has a malformed pubkey, status or field")
    return ValidatorState(
        pubkey=pubkey.lower(),
        index=_uint(record, "index"),
        status=status,
        balance_gwei=_uint(record, "balance"),
        effective_balance_gwei=_uint(inner, "effective_balance"),
        slashed=inner["slashed"],
        activation_epoch=_uint(inner, "activation_epoch"),
        exit_epoch=_uint(inner, "exit_epoch"),
        withdrawable_epoch=_uint(inner, "withdrawable_epoch"),
        withdrawal_credentials=credentials.lower(),
    )


def _data(body: dict, kind: type):
    data = body.get("data")
    if not isinstance(data, kind):
        raise BeaconUnavailable(f"the beacon node's answer has no '{kind.__name__}' in 'data'")
    return data


def _uint(obj: dict, name: str) -> int:
    """A uint64 the standard writes as a decimal string."""
    value = obj.get(name)
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 20:
        number = int(value)
        if number < 2**64:
            return number
    raise BeaconUnavailable(f"{name} is {value!r}, not a decimal uint64 string")
