"""What each scripted scenario event does to a running simulation."""

import math

from votes.devnet.deploy import contract
from votes.devnet.members import new_member
from votes.devnet.scenario import ScenarioEvent
from votes.devnet.transactions import guardian_fees


def apply_event(sim, event: ScenarioEvent) -> None:
    HANDLERS[event.type](sim, event.fields)


def _now(sim) -> int:
    return sim.now()


def _member(sim, fields):
    return sim.members[int(fields["member"])]


def _switch(sim, fields) -> None:
    for index in fields["members"]:
        sim.members[index].switch(_now(sim), fields.get("watchtower"), fields.get("treegen"))


def _reach_share(sim, fields) -> None:
    """Switch the fewest members needed for one implementation to run on `share` of the oDAO."""
    kind = "watchtower" if "watchtower" in fields else "treegen"
    target = fields[kind]
    active = [m for m in sim.members if m.active]
    running = [m for m in active if getattr(m, kind) == target]
    needed = math.ceil(float(fields["share"]) * len(active) - 1e-9) - len(running)
    if needed > 0:
        candidates = [m for m in active if getattr(m, kind) != target][:needed]
        for member in candidates:
            member.switch(_now(sim), **{kind: target, _other(kind): None})
    elif needed < 0:
        pool = sim.profiles.watchtowers if kind == "watchtower" else sim.profiles.treegens
        others = [name for name in pool if name != target and name in _in_mix(sim, kind)]
        for position, member in enumerate(reversed(running[needed:])):
            replacement = others[position % len(others)]
            member.switch(_now(sim), **{kind: replacement, _other(kind): None})


def _other(kind: str) -> str:
    return "treegen" if kind == "watchtower" else "watchtower"


def _in_mix(sim, kind: str) -> set[str]:
    return set(sim.profiles.default_mix[kind + "s"])


def _fault(duty: str):
    def handler(sim, fields) -> None:
        fault = {"duty": duty, "implementation": fields["implementation"],
                 "delta_ppm": int(fields.get("delta_ppm", 10_000))}  # fmt: skip
        sim.__dict__.setdefault("scripted_faults", []).append(fault)

    return handler


def _wrong_root(sim, fields) -> None:
    sim.rewards.wrong_root_treegens.add(fields["treegen"])


def _join(sim, fields) -> None:
    mix = sim.profiles.default_mix
    tower = fields.get("watchtower") or sim.rng.choice(sorted(mix["watchtowers"]))
    treegen = fields.get("treegen") or sim.rng.choice(sorted(mix["treegens"]))
    member = new_member(sim.seed, len(sim.members), tower, treegen)
    sim.members.append(member)
    sim.join(member)
    sim.mine(sim.now())
    sim.mark_joined(member, sim.chain.timestamp)


def _leave(sim, fields) -> None:
    member = _member(sim, fields)
    actions = sim.deployment.current("rocketDAONodeTrustedActions")
    data = contract(sim.w3, "RocketDAONodeTrustedActions", actions).encode_abi(
        "actionLeave", [member.address]
    )
    tx = {"to": actions, "data": data, "gas": 500_000, **guardian_fees(sim.chain.base_fee)}
    member.signer.send(sim.w3, tx)
    sim.mine(sim.now())
    member.left_at = sim.chain.timestamp


def _kick(sim, fields) -> None:
    member = _member(sim, fields)
    actions = sim.deployment.current("rocketDAONodeTrustedActions")
    sim.guardian_call("RocketDAONodeTrustedActions", actions, "actionKick", [member.address, 0])
    sim.mine(sim.now())
    member.left_at = sim.chain.timestamp


def _offline(sim, fields) -> None:
    _member(sim, fields).offline_until = _now(sim) + int(float(fields["days"]) * 86400)


def _upgrade(sim, fields) -> None:
    sim.upgrade()


HANDLERS = {
    "switch": _switch,
    "reach_share": _reach_share,
    "wrong_balance": _fault("balances"),
    "wrong_price": _fault("prices"),
    "wrong_root": _wrong_root,
    "join": _join,
    "leave": _leave,
    "kick": _kick,
    "offline": _offline,
    "upgrade": _upgrade,
}
