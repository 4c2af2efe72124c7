"""The implementations towerwatch knows of: those the shipped profiles describe, plus any a
member declares. Kept as data, read from the profiles file, so that a new implementation is a
JSON entry and not a code change."""

from pathlib import Path

from diversity.models import Implementation, Kind
from votes.devnet.profiles import load_profiles


def sync_implementations(extra_profiles: Path | None = None) -> list[Implementation]:
    """Create the profiles' implementations that are missing; never delete or rename one."""
    profiles = load_profiles(extra_profiles)
    described = [(Kind.WATCHTOWER, p.name, p.version) for p in profiles.watchtowers.values()]
    described += [(Kind.TREEGEN, p.name, p.version) for p in profiles.treegens.values()]
    return [
        Implementation.objects.get_or_create(
            kind=kind, name=name, defaults={"version": version, "source": "profiles"}
        )[0]
        for kind, name, version in described
    ]
