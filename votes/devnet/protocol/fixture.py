"""A ready real-protocol devnet for tests and tools that drive the contracts directly (the
simulator builds its own history on top of the same pieces)."""

import copy
from contextlib import contextmanager
from dataclasses import dataclass

from votes.devnet.chain import DevnetChain
from votes.devnet.deploy import Deployment, guardian_signer
from votes.devnet.members import SimMember, new_member
from votes.devnet.protocol.devnet import join_members
from votes.devnet.protocol.driver import run_stages
from votes.devnet.protocol.oracle_dao import PlannedTx
from votes.devnet.protocol.system import ProtocolAddresses, ProtocolSystem
from votes.devnet.transactions import Signer


@dataclass
class RocketPoolDevnet:
    chain: DevnetChain
    deployment: Deployment
    system: ProtocolSystem
    guardian: Signer
    members: list[SimMember]

    def run(self, *stages: list[PlannedTx], check: bool = True):
        """Mine each stage in a block of its own; returns the sent transactions."""
        return run_stages(self.chain, list(stages), check=check)

    def upgrade_to_saturn(self) -> int:
        """Execute the staged v1.4 upgrade; returns its block."""
        from votes.devnet.protocol.driver import send

        upgrade = self.system.contract("rocketUpgradeOneDotFour")
        planned = PlannedTx(self.guardian, upgrade.address, upgrade.encode_abi("execute", []),
                            gas=30_000_000)  # fmt: skip
        send(self.chain, planned)
        block = self.chain.mine()
        self.system.addresses.upgraded_block = block.number
        return block.number

    @contextmanager
    def restored_after(self):
        snapshot = self.chain.rpc("evm_snapshot", [])
        saved = (self.chain.timestamp, self.chain.base_fee, copy.deepcopy(self.system.addresses),
                 self.guardian.nonce, [m.signer.nonce for m in self.members])  # fmt: skip
        try:
            yield self
        finally:
            self.chain.rpc("evm_revert", [snapshot])
            timestamp, base_fee, addresses, self.guardian.nonce, nonces = saved
            self.chain.timestamp, self.chain.base_fee = timestamp, base_fee
            self.system.addresses.__dict__.update(addresses.__dict__)
            for member, nonce in zip(self.members, nonces, strict=True):
                member.signer.nonce = nonce


@contextmanager
def open_rocketpool_devnet(members: int = 15, seed: int = 1):
    from votes.devnet.session import open_devnet

    with open_devnet(protocol="rocketpool") as (chain, deployment):
        system = ProtocolSystem(chain.w3, ProtocolAddresses(**deployment.protocol))
        guardian = guardian_signer(chain)
        joined = [new_member(seed, index, "smartnode", "smartnode") for index in range(members)]
        join_members(chain, system, guardian, joined)
        for member in joined:
            member.joined_at = chain.timestamp
        yield RocketPoolDevnet(chain, deployment, system, guardian, joined)
