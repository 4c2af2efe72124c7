"""Compile the devnet contracts with the pinned solc-js, caching the result by source hash.

solc-js takes a few seconds; the cache makes every later start instant while still noticing
any edit to a .sol file.
"""

import hashlib
import json
import subprocess
from functools import cache
from pathlib import Path

from django.conf import settings

HERE = Path(__file__).resolve().parent
CONTRACTS_DIR = HERE / "contracts"


def _sources_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(CONTRACTS_DIR.glob("*.sol")) + [HERE / "compile.mjs"]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@cache
def load_artifacts() -> dict[str, dict]:
    """{contract name: {"abi": [...], "bytecode": "0x..."}} for every devnet contract."""
    cache_file = settings.VAR_DIR / "build" / f"contracts-{_sources_digest()}.json"
    if cache_file.exists():
        return json.loads(cache_file.read_text())
    result = subprocess.run(
        ["node", str(HERE / "compile.mjs")], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"solc failed to compile the devnet contracts:\n{result.stderr}")
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    cache_file.write_text(result.stdout)
    return json.loads(result.stdout)
