"""Simulated oDAO members: deterministic keys from the seed, and who runs what since when."""

import random
from dataclasses import dataclass, field

from eth_utils import keccak

from votes.devnet.transactions import Signer


def member_key(seed: int, index: int) -> bytes:
    """The devnet private key of member `index` under `seed` (throwaway keys, devnet only)."""
    return keccak(f"towerwatch devnet member {seed} {index}".encode())


@dataclass
class SimMember:
    index: int
    signer: Signer
    member_id: str
    url: str
    watchtower: str
    treegen: str
    history: list[dict] = field(default_factory=list)
    joined_at: int | None = None
    left_at: int | None = None
    offline_until: int = 0

    @property
    def address(self) -> str:
        return self.signer.address

    @property
    def active(self) -> bool:
        return self.joined_at is not None and self.left_at is None

    def switch(self, timestamp: int, watchtower: str | None, treegen: str | None) -> None:
        self.watchtower = watchtower or self.watchtower
        self.treegen = treegen or self.treegen
        self.history.append(
            {"from": timestamp, "watchtower": self.watchtower, "treegen": self.treegen}
        )


def expand_mix(mix: dict[str, int], count: int, rng: random.Random) -> list[str]:
    """Spread `count` members over implementations in proportion to `mix`, shuffled by seed."""
    total = sum(mix.values())
    names = sorted(mix)
    labels = [name for name in names for _ in range(mix[name] * count // total)]
    while len(labels) < count:
        labels.append(max(names, key=lambda n: mix[n] * count / total - labels.count(n)))
    rng.shuffle(labels)
    return labels


def new_member(seed: int, index: int, watchtower: str, treegen: str) -> SimMember:
    return SimMember(
        index=index,
        signer=Signer.from_key(member_key(seed, index)),
        member_id=f"odao-{index:02d}",
        url=f"https://odao-{index:02d}.example.org",
        watchtower=watchtower,
        treegen=treegen,
    )
