"""Build the real Rocket Pool contracts (a release's own source, compiled by its own hardhat
setup with solc-js) and keep only what the devnet needs: each contract's ABI and bytecode.

The build is slow (npm ci and two solc-js compilers, about two minutes per release on two
cores) and its result depends only on the source, so it is cached under a machine-wide folder
keyed by the source's hash: a fresh clone, another test worker or CI on the same machine reuse
it, and any change to the source is noticed. Nothing of the protocol is kept in this project.
"""

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from votes.devnet.protocol.releases import RELEASES, Release
from votes.devnet.protocol.source import SOURCE_DIGEST_SKIP, cache_dir, release_source

OFFLINE_CONFIG = "hardhat-offline.config.js"


class BuildFailed(RuntimeError):
    """A step of the protocol build failed; the message names the step and its output."""


def source_digest(source: Path) -> str:
    """A hash of the contract source and build inputs, not of what a build writes beside them."""
    digest = hashlib.sha256()
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if path.is_dir() or relative.parts[0] in SOURCE_DIGEST_SKIP:
            continue
        digest.update(str(relative).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def say(message: str) -> None:
    """Progress on stderr: the first build takes minutes, and a silent wait reads as a hang."""
    print(f"==> rocketpool: {message}", file=sys.stderr, flush=True)


@contextmanager
def build_lock(path: Path):
    """One build per release at a time, across test workers and commands."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_step(description: str, args: list[str], cwd: Path, env: dict | None = None) -> None:
    started = time.monotonic()
    say(f"{description} …")
    result = subprocess.run(
        args, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True
    )
    if result.returncode != 0:
        tail = (result.stdout + result.stderr)[-4000:]
        raise BuildFailed(f"{description} failed in {cwd}:\n{tail}")
    say(f"{description}: {time.monotonic() - started:.0f} s")


def compile_tree(release: Release, tree: Path, config: Path) -> None:
    run_step("npm ci", ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], tree)
    aliases = [f"solc-{v}@npm:solc@{v}" for v in release.compilers]
    run_step(
        f"solc-js {', '.join(release.compilers)}",
        ["npm", "install", "--no-save", "--no-audit", "--no-fund", "--loglevel=error", *aliases],
        tree,
    )
    run_step("hardhat compile", ["npx", "hardhat", "compile", "--config", str(config)], tree)


def collect_artifacts(tree: Path) -> dict[str, dict]:
    """{contract name: {"abi", "bytecode", "source"}} from hardhat's artifacts, plus the
    precompiled beacon deposit contract the v1.3.1 deployment starts with."""
    artifacts = {}
    for path in sorted((tree / "artifacts" / "contracts").rglob("*.json")):
        if path.name.endswith(".dbg.json"):
            continue
        raw = json.loads(path.read_text())
        artifacts[raw["contractName"]] = {
            "abi": raw["abi"],
            "bytecode": raw["bytecode"],
            "source": raw["sourceName"],
        }
    casper = tree / "contracts" / "contract" / "casper" / "compiled"
    if casper.exists():
        artifacts["CasperDeposit"] = {
            "abi": json.loads((casper / "Deposit.abi").read_text()),
            "bytecode": "0x" + (casper / "Deposit.bin").read_text().strip().removeprefix("0x"),
            "source": "contracts/contract/casper/compiled/Deposit.bin",
        }
    return artifacts


def cached_artifacts_path(release: Release) -> tuple[Path, Path]:
    """(source folder, where its build is cached)."""
    source = release_source(release)
    return source, cache_dir() / "rocketpool" / f"{release.tag}-{source_digest(source)}.json"


def build_release(release: Release) -> Path:
    """The cached artifacts file of a release, building it first if needed."""
    source, target = cached_artifacts_path(release)
    if target.exists():
        return target
    with build_lock(target.with_suffix(".lock")):
        if target.exists():
            return target
        say(f"building {release.tag} (first time on this machine; cached afterwards)")
        tree = target.with_suffix(".tree")
        shutil.rmtree(tree, ignore_errors=True)
        shutil.copytree(source, tree, ignore=shutil.ignore_patterns(*SOURCE_DIGEST_SKIP))
        for path in tree.rglob("*"):  # a copy of read-only shared/ stays read-only
            path.chmod(path.stat().st_mode | 0o200)
        config = tree / OFFLINE_CONFIG
        shutil.copy(Path(__file__).with_name(OFFLINE_CONFIG), config)
        compile_tree(release, tree, config)
        artifacts = collect_artifacts(tree)
        partial = target.with_suffix(".partial")
        partial.write_text(json.dumps({"tag": release.tag, "artifacts": artifacts}))
        partial.rename(target)
        shutil.rmtree(tree, ignore_errors=True)
        say(f"{release.tag}: {len(artifacts)} contracts cached in {target}")
    return target


def build_all() -> None:
    """Build every release not yet cached, side by side: each build is mostly one solc-js
    process and npm's downloads, so two builds on two cores take little longer than one."""
    missing = [r for r in RELEASES.values() if not cached_artifacts_path(r)[1].exists()]
    with ThreadPoolExecutor(max_workers=max(1, len(missing))) as pool:
        for path in pool.map(build_release, missing):
            say(f"ready: {path.name}")


@cache
def load_release(tag: str) -> dict[str, dict]:
    """{contract name: artifact} of a release, built once per machine."""
    path = build_release(RELEASES[tag])
    return json.loads(path.read_text())["artifacts"]
