"""Network balances from the beacon chain and execution-layer state, as the oDAO reports them.

`RocketNetworkBalances.submitBalances(block, slotTimestamp, totalEth, stakingEth, rethSupply)`
only stores what members agree on; the contracts do not say how totalEth is made up. What a
member is meant to report is what the stock watchtower computes (smartnode,
`rocketpool/watchtower/submit-network-balances.go`, Saturn-era version), term by term, and each
term is read here from the contract that owns it (../shared/rocketpool/v1.3.1 and v1.4), at the
round's block, with the beacon state at that block's slot:

    totalEth   = RocketDepositPool.getUserBalance()          (vault balance - node ETH in queue)
               - sum over nodes of RocketNodeDeposit.getNodeDepositCredit(node)
               + the ETH balance of the RocketTokenRETH contract
               + sum over minipools of the user's share (below)
               + sum over megapools of the user's share (below, v1.4)
               + sum over node fee distributors of RocketNodeDistributorDelegate.getUserShare()
               + the rETH share of the smoothing pool (see "not computed")
    stakingEth = the minipool user shares of staking minipools + the megapools' staking capital
    rethSupply = RocketTokenRETH.totalSupply()                (balances.py)

A minipool's user share (smartnode's getMinipoolBalanceDetails): 0 if vacant (a migrating solo
validator has no user ETH), dissolved or finalised; `getUserDepositBalance()` while initialised
or in prelaunch, or while its validator is unknown to the beacon chain or not yet active at the
slot's epoch; otherwise the minipool's own `calculateUserShare(beacon balance + minipool ETH
balance - getNodeRefundBalance())`, and it is staking while its exit epoch is after that epoch.

A megapool's user share (v1.4): `getUserCapital()` plus the rETH part of its rewards, as its own
`calculateRewards(rewards)` splits them (rethRewards), where rewards = `getPendingRewards()` (its
ETH balance less refund and assigned value) + for each of its validators seen on the beacon
chain, its balance less what was deposited for it (`ValidatorInfo.depositValue`, milli-ETH),
when that sum is positive. Its staking ETH is that user capital less the user's part of the
validators still in prestake (`lastRequestedValue - lastRequestedBond`, which `stake` clears):
capital counts as staking once all 32 ETH went to the beacon deposit contract. Where this
differs from the smartnode version read (it counts beacon balance + contract balance - user
capital as rewards, so the node's bond too, and stakes balance - 4 ETH per validator), the
contracts' accounting is taken; debt (`getDebt()`) is not counted, as in smartnode.

Not computed, so reported unchecked rather than guessed: the smoothing pool's rETH share (the
watchtower approximates it by generating the interval's rewards tree) when the smoothing pool
holds ETH, and pre-Atlas full minipools awaiting their refund (smartnode subtracts 16 ETH).
A beacon node that fails in any way leaves totalEth and stakingEth unchecked with its reason.
"""

from collections import defaultdict
from dataclasses import dataclass

from eth_abi import decode as abi_decode

from diversity.reference.beacon_api import BeaconApiClient, BeaconUnavailable, ValidatorsAtSlot
from diversity.reference.sources import BeaconBalances
from votes.chain.client import ChainClient, RpcError, encode_call
from votes.chain.registry import ZERO, address_at

MILLI_ETH = 10**15
STATUS_PRELAUNCH, STATUS_DISSOLVED = 1, 4  # MinipoolStatus: Initialised 0 ... Dissolved 4
DEPOSIT_TYPE_FULL = 1
CONTRACTS = ("rocketDepositPool", "rocketTokenRETH", "rocketNodeManager", "rocketNodeDeposit",
             "rocketNodeDistributorFactory", "rocketMinipoolManager", "rocketMegapoolManager",
             "rocketSmoothingPool")  # fmt: skip
MEGAPOOL_VALIDATOR = ("bytes", "(uint32,uint32,uint32,uint32,bool,bool,bool,bool,bool,bool,bool,"
                      "bool,uint64,uint64)", "address", "uint32")  # fmt: skip


class Unchecked(Exception):
    """A term of the definition that cannot be computed here; the message says why."""


@dataclass
class Share:
    total: int = 0
    staking: int = 0


class Views:
    """Batched eth_calls at one block: one JSON-RPC batch per list of calls."""

    def __init__(self, client: ChainClient, block: int):
        self.client, self.block = client, hex(block)

    def call(self, calls: list[tuple[str, str, tuple, tuple]]) -> list[tuple]:
        """[(to, signature, args, returns)] -> the decoded results, in order."""
        params = [[{"to": to, "data": encode_call(sig, args)}, self.block]
                  for to, sig, args, _ in calls]  # fmt: skip
        raws = self.client.batch("eth_call", params)
        return [abi_decode(list(returns), bytes.fromhex(raw[2:]))
                for raw, (_, _, _, returns) in zip(raws, calls, strict=True)]  # fmt: skip

    def each(self, to: str, signature: str, args_list, returns=("uint256",)) -> list:
        """One view on one contract for many argument tuples: the first value of each."""
        return [r[0] for r in self.call([(to, signature, a, returns) for a in args_list])]

    def on_each(self, addresses, signature: str, returns=("uint256",)) -> list:
        """One argument-less view on many contracts: the first value of each."""
        return [r[0] for r in self.call([(a, signature, (), returns) for a in addresses])]

    def balances(self, addresses: list[str]) -> list[int]:
        raws = self.client.batch("eth_getBalance", [[a, self.block] for a in addresses])
        return [int(raw, 16) for raw in raws]


class ProtocolBalanceSource:
    """A `BeaconBalanceSource` for any network running the real protocol (v1.3.1 or v1.4)."""

    def __init__(self, client: ChainClient, rocket_storage: str, beacon: BeaconApiClient):
        self.client, self.storage, self.beacon = client, rocket_storage, beacon
        self.name = f"protocol views + beacon API ({beacon.base_url})"

    def balances_at(self, block: int) -> BeaconBalances:
        try:
            return self._balances(block)
        except (Unchecked, BeaconUnavailable) as reason:
            return BeaconBalances(None, None, str(reason))
        except (RpcError, ValueError, TypeError, KeyError) as error:
            return BeaconBalances(None, None, f"the execution node could not answer: {error}")

    def _balances(self, block: int) -> BeaconBalances:
        names = {n: address_at(self.client, self.storage, n, block) for n in CONTRACTS}
        views = Views(self.client, block)
        timestamp = int(self.client.get_block(block)["timestamp"], 16)
        minipools = self._minipools(views, names["rocketMinipoolManager"])
        megapool_validators = self._megapool_validators(views, names["rocketMegapoolManager"])
        pubkeys = [m["pubkey"] for m in minipools if on_beacon_chain(m)]
        pubkeys += [v["pubkey"] for v in megapool_validators]
        beacon = self.beacon.validators_at_time(pubkeys, timestamp)
        if not beacon.checked:
            raise Unchecked(f"beacon state unavailable: {beacon.unchecked}")
        parts = [
            self._pools_and_nodes(views, names),
            minipool_shares(views, minipools, beacon, self._epoch(beacon)),
            megapool_shares(views, megapool_validators, beacon),
        ]
        return BeaconBalances(sum(p.total for p in parts), sum(p.staking for p in parts))

    def _epoch(self, beacon: ValidatorsAtSlot) -> int:
        return self.beacon.epoch_of(beacon.slot)

    def _pools_and_nodes(self, views: Views, names: dict[str, str]) -> Share:
        """The deposit pool's user ETH less node credit, rETH's own ETH, the distributors' user
        share; the smoothing pool must be empty (its share is not computed here)."""
        smoothing = names["rocketSmoothingPool"]
        if smoothing != ZERO and (held := views.balances([smoothing])[0]):
            raise Unchecked(f"the smoothing pool holds {held} wei, whose rETH share needs the "
                            "interval's rewards tree (not computed here)")  # fmt: skip
        (user_balance,), = views.call([(names["rocketDepositPool"], "getUserBalance()", (),
                                        ("int256",))])  # fmt: skip
        reth_held = views.balances([names["rocketTokenRETH"]])[0]
        nodes = self._nodes(views, names["rocketNodeManager"])
        credit = sum(views.each(names["rocketNodeDeposit"], "getNodeDepositCredit(address)",
                                [(n,) for n in nodes]))  # fmt: skip
        return Share(user_balance - credit + reth_held + self._distributors(views, names, nodes))

    def _nodes(self, views: Views, node_manager: str) -> list[str]:
        (count,) = views.call([(node_manager, "getNodeCount()", (), ("uint256",))])[0]
        return views.each(node_manager, "getNodeAt(uint256)", [(i,) for i in range(count)],
                          ("address",))  # fmt: skip

    def _distributors(self, views: Views, names: dict[str, str], nodes: list[str]) -> int:
        """The user's share held in node fee distributors (only those holding ETH are asked:
        one that was never deployed has no code to answer)."""
        factory = names["rocketNodeDistributorFactory"]
        addresses = views.each(factory, "getProxyAddress(address)", [(n,) for n in nodes],
                               ("address",))  # fmt: skip
        holding = [a for a, held in zip(addresses, views.balances(addresses), strict=True) if held]
        return sum(views.on_each(holding, "getUserShare()"))

    def _minipools(self, views: Views, manager: str) -> list[dict]:
        (count,) = views.call([(manager, "getMinipoolCount()", (), ("uint256",))])[0]
        addresses = views.each(manager, "getMinipoolAt(uint256)", [(i,) for i in range(count)],
                               ("address",))  # fmt: skip
        if not addresses:
            return []
        pubkeys = views.each(manager, "getMinipoolPubkey(address)", [(a,) for a in addresses],
                             ("bytes",))  # fmt: skip
        fields = {"status": ("getStatus()", "uint8"), "vacant": ("getVacant()", "bool"),
                  "finalised": ("getFinalised()", "bool"),
                  "deposit_type": ("getDepositType()", "uint8"),
                  "user_deposit": ("getUserDepositBalance()", "uint256"),
                  "refund": ("getNodeRefundBalance()", "uint256")}  # fmt: skip
        read = {key: views.on_each(addresses, sig, (kind,)) for key, (sig, kind) in fields.items()}
        held = views.balances(addresses)
        return [
            {"address": a, "pubkey": "0x" + pubkeys[i].hex(), "held": held[i],
             **{key: values[i] for key, values in read.items()}}
            for i, a in enumerate(addresses)
        ]  # fmt: skip

    def _megapool_validators(self, views: Views, manager: str) -> list[dict]:
        if manager == ZERO:
            return []  # before Saturn
        (count,) = views.call([(manager, "getValidatorCount()", (), ("uint256",))])[0]
        rows = views.call([(manager, "getValidatorInfo(uint256)", (i,), MEGAPOOL_VALIDATOR)
                           for i in range(count)])  # fmt: skip
        return [
            {"pubkey": "0x" + pubkey.hex(), "megapool": megapool, "requested": info[1],
             "bond": info[2], "deposited": info[3], "exited": info[5], "in_prestake": info[7],
             "dissolved": info[9]}
            for pubkey, info, megapool, _ in rows
        ]  # fmt: skip


def on_beacon_chain(pool: dict) -> bool:
    """Whether a minipool's share depends on its validator's beacon state."""
    counted = not (pool["vacant"] or pool["finalised"] or pool["status"] == STATUS_DISSOLVED)
    return counted and pool["status"] > STATUS_PRELAUNCH


def minipool_shares(views: Views, minipools: list[dict], beacon: ValidatorsAtSlot,
                    epoch: int) -> Share:  # fmt: skip
    """Each minipool's user share by the rules in the module docstring; the active ones are
    priced by their own `calculateUserShare` (one batch)."""
    share, priced, staking = Share(), [], []
    for pool in minipools:
        if pool["vacant"] or pool["finalised"] or pool["status"] == STATUS_DISSOLVED:
            continue
        validator = beacon.validators.get(pool["pubkey"]) if on_beacon_chain(pool) else None
        if validator is None or validator.activation_epoch >= epoch:
            share.total += pool["user_deposit"]
            continue
        if pool["user_deposit"] == 0 and pool["deposit_type"] == DEPOSIT_TYPE_FULL:
            raise Unchecked(f"minipool {pool['address']} is a full minipool awaiting its refund "
                            "(the watchtower's special rule is not computed here)")  # fmt: skip
        balance = validator.balance_wei + pool["held"] - pool["refund"]
        priced.append((pool["address"], "calculateUserShare(uint256)", (balance,), ("uint256",)))
        staking.append(validator.exit_epoch > epoch)
    for (user,), is_staking in zip(views.call(priced), staking, strict=True):
        share.total += user
        share.staking += user if is_staking else 0
    return share


def megapool_shares(views: Views, validators: list[dict], beacon: ValidatorsAtSlot) -> Share:
    """Each megapool's user capital plus the rETH part of its rewards (its own split); its
    staking ETH is that capital less what prestaked validators have not yet deposited."""
    share = Share()
    by_megapool: dict[str, list[dict]] = defaultdict(list)
    for validator in validators:
        by_megapool[validator["megapool"]].append(validator)
    for megapool, members in by_megapool.items():
        (capital,), (pending,) = views.call(
            [
                (megapool, "getUserCapital()", (), ("uint256",)),
                (megapool, "getPendingRewards()", (), ("uint256",)),
            ]
        )
        rewards, waiting = pending, 0
        for v in members:
            if v["exited"] or v["dissolved"]:
                continue
            if v["in_prestake"]:
                waiting += (v["requested"] - v["bond"]) * MILLI_ETH
            if (state := beacon.validators.get(v["pubkey"])) is not None:
                rewards += state.balance_wei - v["deposited"] * MILLI_ETH
        share.total += capital + reth_rewards(views, megapool, rewards)
        share.staking += capital - waiting
    return share


def reth_rewards(views: Views, megapool: str, rewards: int) -> int:
    """The rETH part of `rewards` as the megapool's own `calculateRewards` splits it."""
    if rewards <= 0:
        return 0
    split = ("uint256", "uint256", "uint256", "uint256")
    return views.call([(megapool, "calculateRewards(uint256)", (rewards,), split)])[0][3]
