"""The oDAO's validator duties in a simulation: minipools to scrub and penalise before Saturn,
bond-reduction cancels (a vote in Houston), and after Saturn megapools to penalise and their
validators' exits to challenge.

The validators are made through the real contracts by node operators (see
`protocol.validators`); each round is a `SimRound` the members vote on like any other.
"""

import random

from votes.devnet.duties import SimRound
from votes.devnet.protocol import node_operators, validators
from votes.devnet.protocol.beacon_verifier import install_beacon_state_verifier_mock
from votes.devnet.protocol.deposit_data import withdrawal_credentials
from votes.devnet.protocol.driver import merge_stages
from votes.devnet.protocol.validator_duties import challenge_exit
from votes.devnet.protocol.validator_setup import participant_key
from votes.devnet.transactions import Signer, fund

ETHER = 10**18
NODE_OPERATORS = 3
MEGAPOOL_VALIDATORS = 3
SCRUB_SHARE = 0.35  # of new minipools whose withdrawal credentials don't match: scrubbed
# (every N days, on day index % N == phase, opener): a minipool caught with a wrong fee
# recipient, a bond reduction the oDAO cancels (Houston), a megapool penalty and an exit
# challenge (Saturn). An opener that doesn't apply in the era at hand does nothing.
VALIDATOR_RHYTHM = (
    (4, 1, "penalty"),
    (3, 2, "bond_cancel"),
    (4, 3, "megapool_penalty"),
    (5, 4, "exit_challenge"),
)
PENALTY_AMOUNT = ETHER // 10  # a megapool penalty, in ETH
STAKE_MARGIN_PERCENT = 150


class ValidatorRounds:
    def __init__(self, rng: random.Random, seed: int):
        self.rng, self.seed = rng, seed
        self.nodes: list[Signer] = []
        self.minipools: list[str] = []
        self.megapool_validators: list[validators.PlannedValidator] = []
        self.challenged: set[tuple[str, int]] = set()

    def setup(self, sim) -> None:
        """Node operators registered before history starts (one block for all)."""
        for index in range(NODE_OPERATORS):
            node = Signer.from_key(participant_key(self.seed, "node", index), sim.w3)
            fund(sim.w3, node.address, 10**6 * ETHER)
            self.nodes.append(node)
        sim.run_stages(merge_stages([node_operators.register_node_stages(sim.system, node)
                                     for node in self.nodes]))  # fmt: skip
        self.new_minipool(sim)  # one minipool from the start, for the first penalty or cancel

    # --- Houston ------------------------------------------------------------------------------
    def new_minipool(self, sim) -> SimRound | None:
        """A vacant minipool (a solo staker migrating in); some are to be scrubbed."""
        if sim.system.addresses.upgraded or _minipool_limit_reached(sim.system):
            return None  # Saturn makes no new minipools; Houston at most its global limit
        node = self.rng.choice(self.nodes)
        self._top_up_rpl_stake(sim, node)
        minipool = validators.vacant_minipool(sim.system, node, len(self.minipools))
        sim.run_stages(minipool.stages)
        self.minipools.append(minipool.address)
        sim.beacon.add_solo(minipool.pubkey)
        if self.rng.random() < SCRUB_SHARE:
            return SimRound("scrub", sim.chain.timestamp, minipool.address)
        return None

    def _top_up_rpl_stake(self, sim, node: Signer) -> None:
        """Stake what one more minipool needs at today's RPL price, with a margin for the price
        moving before the next one."""
        minipools = sim.system.contract("rocketMinipoolManager").functions
        count = minipools.getNodeMinipoolCount(node.address).call()
        needed = node_operators.minipool_rpl_stake(sim.system, 8 * ETHER, count + 1)
        staked = sim.system.contract("rocketNodeStaking").functions
        missing = needed * STAKE_MARGIN_PERCENT // 100 - staked.getNodeRPLStake(node.address).call()
        if missing > 0:
            stages = node_operators.rpl_stake_stages(sim.system, sim.guardian, node, missing)
            sim.run_stages(stages)

    def penalty(self, sim) -> SimRound | None:
        if not self.minipools:
            return None
        minipool = self.rng.choice(self.minipools)
        block = sim.mine(sim.now()).number
        return SimRound("penalty", sim.chain.timestamp, minipool, {"block": block})

    def bond_cancel(self, sim) -> SimRound | None:
        if sim.system.addresses.upgraded or not self.minipools:
            return None
        return SimRound("bond_cancel", sim.now(), self.rng.choice(self.minipools))

    # --- Saturn -------------------------------------------------------------------------------
    def after_saturn(self, sim) -> None:
        """A megapool with staked validators, checked by the mock beacon-state verifier (the
        devnet has no beacon chain to prove against)."""
        sim.mine(sim.now())
        install_beacon_state_verifier_mock(sim.chain, sim.system, sim.guardian)
        node = self.nodes[0]
        for validator_id in range(MEGAPOOL_VALIDATORS):
            validator = validators.megapool_validator(sim.system, node, validator_id)
            deposit = node_operators.staker_deposit(sim.system, sim.staker,
                                                    32 * ETHER - validator.bond)  # fmt: skip
            fund(
                sim.w3, sim.staker.address, sim.w3.eth.get_balance(sim.staker.address) + 32 * ETHER
            )
            sim.run_stages([[deposit], *validator.stages])
            self.megapool_validators.append(validator)
        slot = sim.chain.timestamp
        sim.run_stages([[validators.stake_validator(sim.system, node, v, slot)
                         for v in self.megapool_validators]])  # fmt: skip
        for validator in self.megapool_validators:
            credentials = withdrawal_credentials(validator.megapool)
            sim.beacon.add_staked(validator.pubkey, credentials, sim.chain.timestamp)

    def megapool_penalty(self, sim) -> SimRound | None:
        if not self.megapool_validators:
            return None
        megapool = self.megapool_validators[0].megapool
        block = sim.mine(sim.now()).number
        return SimRound("megapool_penalty", sim.chain.timestamp, megapool,
                        {"block": block, "amount": PENALTY_AMOUNT})  # fmt: skip

    def exit_challenge(self, sim) -> None:
        """One member challenges a validator it sees exiting unannounced: an action of one
        member, not a vote (the contract acts on the call at once)."""
        open_validators = [v for v in self.megapool_validators
                           if (v.megapool, v.validator_id) not in self.challenged]  # fmt: skip
        challengers = [m for m in sim.members if m.active]
        if not open_validators or not challengers:
            return
        validator = self.rng.choice(open_validators)
        member = self.rng.choice(challengers)
        self.challenged.add((validator.megapool, validator.validator_id))
        planned = challenge_exit(sim.system, member.signer,
                                 {validator.megapool: [validator.validator_id]})  # fmt: skip
        sim.send_planned([planned])
        sim.result.actions["exit_challenge"] += 1


def _minipool_limit_reached(system) -> bool:
    """Whether Houston's global limit (`minipool.maximum.count`, 14 as deployed) forbids one more
    active minipool: a long Houston era reaches it within weeks, and the node would revert."""
    active = system.contract("rocketMinipoolManager").functions.getActiveMinipoolCount().call()
    limit = system.contract("rocketDAOProtocolSettingsMinipool").functions.getMaximumCount().call()
    return active >= limit
