"""A local beacon node for the devnet: a real HTTP server speaking the standard beacon API.

The simulator knows every validator's balance and status at every slot it cares about; this
server publishes them through the endpoints and JSON shapes of the Ethereum beacon-node API, so
the client towerwatch runs against a mainnet beacon node is the code that runs on the devnet:

- GET /eth/v1/beacon/genesis
- GET /eth/v1/config/spec (SECONDS_PER_SLOT, SLOTS_PER_EPOCH)
- GET /eth/v1/beacon/states/{state_id}/validators[?id=...] (pubkeys or indices, repeated or
  comma-separated; state_id a slot, "head", "genesis", "finalized" or "justified")

States are recorded as snapshots (`SimulatedBeaconChain.record`): the state at a slot is the
latest snapshot at or before it, as balances only change where the simulator moves them. A slot
before the first snapshot or after the head is answered 404 "State not found", as a real node
answers for a state it does not have. Numbers are decimal strings, as the standard requires.
"""

from __future__ import annotations

import bisect
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from votes.devnet.loopback_server import LoopbackServer

FAR_FUTURE_EPOCH = 2**64 - 1
MAX_EFFECTIVE_BALANCE_GWEI = 32 * 10**9
GWEI_PER_ETH = 10**9
STATUSES = (
    "pending_initialized",
    "pending_queued",
    "active_ongoing",
    "active_exiting",
    "active_slashed",
    "exited_unslashed",
    "exited_slashed",
    "withdrawal_possible",
    "withdrawal_done",
)
NAMED_STATES = ("head", "genesis", "finalized", "justified")
STATES_PREFIX, VALIDATORS_SUFFIX = "/eth/v1/beacon/states/", "/validators"


@dataclass(frozen=True)
class SimulatedValidator:
    """One validator as the beacon chain sees it at some slot (balances in gwei)."""

    pubkey: str  # 0x + 96 hex digits
    index: int
    balance_gwei: int
    status: str = "active_ongoing"
    withdrawal_credentials: str = "0x" + "00" * 32
    activation_epoch: int = 0
    exit_epoch: int = FAR_FUTURE_EPOCH
    withdrawable_epoch: int = FAR_FUTURE_EPOCH
    slashed: bool = False

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"unknown validator status {self.status!r}")

    @property
    def effective_balance_gwei(self) -> int:
        """Whole ETH, capped at 32 (the phase-0 rule; hysteresis is not simulated)."""
        whole = self.balance_gwei - self.balance_gwei % GWEI_PER_ETH
        return min(whole, MAX_EFFECTIVE_BALANCE_GWEI)

    def to_json(self) -> dict:
        return {
            "index": str(self.index),
            "balance": str(self.balance_gwei),
            "status": self.status,
            "validator": {
                "pubkey": self.pubkey,
                "withdrawal_credentials": self.withdrawal_credentials,
                "effective_balance": str(self.effective_balance_gwei),
                "slashed": self.slashed,
                "activation_eligibility_epoch": str(self.activation_epoch),
                "activation_epoch": str(self.activation_epoch),
                "exit_epoch": str(self.exit_epoch),
                "withdrawable_epoch": str(self.withdrawable_epoch),
            },
        }


@dataclass
class SimulatedBeaconChain:
    """Validators by slot, as snapshots; the newest snapshot's slot is the head."""

    genesis_time: int
    seconds_per_slot: int = 12
    slots_per_epoch: int = 32
    _slots: list[int] = field(default_factory=list, init=False, repr=False)
    _states: dict[int, dict[str, SimulatedValidator]] = field(
        default_factory=dict, init=False, repr=False
    )
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def record(self, slot: int, validators: Iterable[SimulatedValidator]) -> None:
        """The validator set from `slot` on (replacing any snapshot at that slot)."""
        state = {v.pubkey.lower(): v for v in validators}
        with self._lock:
            if slot not in self._states:
                bisect.insort(self._slots, slot)
            self._states[slot] = state

    def slot_at(self, timestamp: int) -> int:
        return (timestamp - self.genesis_time) // self.seconds_per_slot

    def state(self, state_id: str) -> dict[str, SimulatedValidator] | None:
        """The validators at a state id (a slot or a named state), or None if there is none."""
        with self._lock:
            if not self._slots:
                return None
            if state_id in NAMED_STATES:
                slot = self._slots[0] if state_id == "genesis" else self._slots[-1]
                return self._states[slot]
            if not state_id.isdigit() or int(state_id) > self._slots[-1]:
                return None
            at = bisect.bisect_right(self._slots, int(state_id))
            return self._states[self._slots[at - 1]] if at else None


class BeaconApiServer(LoopbackServer):
    """Serves a SimulatedBeaconChain on 127.0.0.1 until closed (also a context manager)."""

    def __init__(self, chain: SimulatedBeaconChain, port: int = 0):
        self.chain = chain
        super().__init__(_handler_for(chain), port, name="beacon-api")

    @property
    def url(self) -> str:
        return self.base_url


def answer(chain: SimulatedBeaconChain, path: str, query: dict[str, list[str]]):
    """(HTTP status, JSON body) for a GET, in the beacon API's shapes."""
    if path == "/eth/v1/beacon/genesis":
        return 200, {"data": {
            "genesis_time": str(chain.genesis_time),
            "genesis_validators_root": "0x" + "00" * 32,
            "genesis_fork_version": "0x00000000",
        }}  # fmt: skip
    if path == "/eth/v1/config/spec":
        return 200, {"data": {
            "SECONDS_PER_SLOT": str(chain.seconds_per_slot),
            "SLOTS_PER_EPOCH": str(chain.slots_per_epoch),
        }}  # fmt: skip
    if path.startswith(STATES_PREFIX) and path.endswith(VALIDATORS_SUFFIX):
        return _validators(chain, path[len(STATES_PREFIX) : -len(VALIDATORS_SUFFIX)], query)
    return 404, _error(404, "Not found")


def _validators(chain: SimulatedBeaconChain, state_id: str, query: dict[str, list[str]]):
    state = chain.state(state_id)
    if state is None:
        return 404, _error(404, "State not found")
    ids = [i for value in query.get("id", []) for i in value.split(",") if i]
    if not ids:
        chosen = list(state.values())
    else:
        by_index = {str(v.index): v for v in state.values()}
        chosen = [state.get(i.lower()) or by_index.get(i) for i in ids]
        chosen = [v for v in chosen if v is not None]  # unknown ids are left out, not errors
    return 200, {
        "execution_optimistic": False,
        "finalized": True,
        "data": [v.to_json() for v in sorted(set(chosen), key=lambda v: v.index)],
    }


def _error(code: int, message: str) -> dict:
    return {"code": code, "message": message}


def _handler_for(chain: SimulatedBeaconChain):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the http.server API)
            parts = urlsplit(self.path)
            status, body = answer(chain, parts.path, parse_qs(parts.query))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):  # keep test and devnet output clean
            pass

    return Handler
