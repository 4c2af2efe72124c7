"""Where a release's source comes from: the read-only copy in `../shared/rocketpool/` when this
workplace has one, otherwise a shallow clone of the tag from the protocol's public repository,
checked against the pinned commit."""

import os
import subprocess
from pathlib import Path

from django.conf import settings

from votes.devnet.protocol.releases import REPOSITORY, Release

# Folders that a build writes (or a checkout carries) and the source hash must ignore.
SOURCE_DIGEST_SKIP = ("node_modules", "artifacts", "cache", ".git", "deployments")


def cache_dir() -> Path:
    """Where builds live: `TOWERWATCH_CACHE_DIR`, else ~/.cache/towerwatch (outside the work
    tree, so that a fresh clone on the same machine starts from the cache)."""
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "towerwatch"
    return Path(os.environ.get("TOWERWATCH_CACHE_DIR", default))


def shared_source_dir() -> Path:
    default = settings.BASE_DIR.parent / "shared" / "rocketpool"
    return Path(os.environ.get("ROCKETPOOL_SOURCE_DIR", default))


def release_source(release: Release) -> Path:
    local = shared_source_dir() / release.tag
    if (local / "contracts").is_dir():
        return local
    return fetched_source(release)


def fetched_source(release: Release) -> Path:
    target = cache_dir() / "rocketpool" / "src" / release.tag
    if not (target / "contracts").is_dir():
        target.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["git", "clone", "--quiet", "--depth", "1", "--branch", release.tag, REPOSITORY,
             str(target)],
            check=True,
        )  # fmt: skip
    head = subprocess.run(
        ["git", "-C", str(target), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    if head != release.commit:
        raise RuntimeError(f"{REPOSITORY} {release.tag} is {head}, expected {release.commit}")
    return target
