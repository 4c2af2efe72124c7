"""What each scripted scenario event does to a simulation on the real protocol.

Membership changes take the real path: joining by registration, bond, invitation and
`actionJoin`; leaving and kicking by an oDAO proposal that members vote for and execute, after
the proposal's voting delay (see `oracle_dao.PROPOSAL_SETTINGS`).
"""

import math

from votes.devnet.members import new_member
from votes.devnet.protocol import oracle_dao
from votes.devnet.scenario import ScenarioEvent

SLOT = 12
KICK_FINE_SHARE = 10  # percent of the bond a kicked member is fined


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
    sim.join([member])


def _leave(sim, fields) -> None:
    member = _member(sim, fields)
    payload = oracle_dao.leave_payload(member.address)
    _by_proposal(sim, member, "leave", payload, then=lambda: _action_leave(sim, member))


def _kick(sim, fields) -> None:
    member = _member(sim, fields)
    proposer = next(m for m in sim.members if m.active and m is not member)
    dao = sim.system.contract("rocketDAONodeTrusted").functions
    fine = dao.getMemberRPLBondAmount(member.address).call() * KICK_FINE_SHARE // 100
    payload = oracle_dao.kick_payload(member.address, fine)
    _by_proposal(sim, proposer, "kick", payload, then=lambda: _mark_left(sim, member))


def _by_proposal(sim, proposer, message: str, payload: bytes, then) -> None:
    """Propose now; once the voting delay has passed, a quorum votes for it, then it is
    executed, then `then` runs — each step in a block of its own."""
    proposal_id = oracle_dao.next_proposal_id(sim.system)
    voters = [m.signer for m in sim.members if m.active][: oracle_dao.quorum_votes(sim.system)]
    sim.send_planned([oracle_dao.propose(sim.system, proposer.signer, message, payload)])
    sim.mine(sim.now())
    opens = sim.chain.timestamp + oracle_dao.PROPOSAL_SETTINGS["proposal.vote.delay.time"] + SLOT
    sim.at(opens, lambda: sim.send_planned(oracle_dao.votes_for(sim.system, voters, proposal_id)))
    sim.at(opens + SLOT, lambda: sim.send_planned(
        [oracle_dao.execute(sim.system, proposer.signer, proposal_id)]))  # fmt: skip
    sim.at(opens + 2 * SLOT, then)


def _action_leave(sim, member) -> None:
    sim.send_planned([oracle_dao.action_leave(sim.system, member.signer)])
    _mark_left(sim, member)


def _mark_left(sim, member) -> None:
    member.left_at = sim.now()


def _offline(sim, fields) -> None:
    _member(sim, fields).offline_until = _now(sim) + int(float(fields["days"]) * 86400)


def _upgrade(sim, fields) -> None:
    sim.upgrade()


def _setting(sim, fields) -> None:
    """The guardian changes a setting while bootstrap mode lasts: oDAO settings through
    RocketDAONodeTrusted, protocol settings through RocketDAOProtocol."""
    settings_contract, path, value = fields["contract"], fields["path"], fields["value"]
    dao = "rocketDAONodeTrusted" if "NodeTrusted" in settings_contract else "rocketDAOProtocol"
    setter = "bootstrapSettingBool" if isinstance(value, bool) else "bootstrapSettingUint"
    planned = oracle_dao.call(sim.system, sim.guardian, dao, setter, settings_contract, path,
                              value if isinstance(value, bool) else int(value))  # fmt: skip
    sim.send_planned([planned])


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
    "setting": _setting,
}
