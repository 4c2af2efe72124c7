"""The Rocket Pool releases the devnet runs, as data: which tag, which commit, which compilers.

Houston (v1.3.1) is what the devnet deploys; Saturn (v1.4) is the upgrade it applies mid-history,
as mainnet did. The commits pin the tags so that a fetched tree is the same code as a local one.
"""

from dataclasses import dataclass

REPOSITORY = "https://github.com/rocket-pool/rocketpool.git"


@dataclass(frozen=True)
class Release:
    tag: str
    commit: str
    name: str
    compilers: tuple[str, ...]


HOUSTON = Release(
    tag="v1.3.1",
    commit="8d4d5c0f1b810f97ca42cd1ceece0e7c81eb81ee",
    name="Houston",
    compilers=("0.7.6", "0.8.18"),
)
SATURN = Release(
    tag="v1.4",
    commit="fb7d9c428dc3dddc3fbd3e634e3cb365655df89e",
    name="Saturn",
    compilers=("0.7.6", "0.8.30"),
)
RELEASES = {release.tag: release for release in (HOUSTON, SATURN)}
