"""The implementations towerwatch knows of, and their releases: those the shipped profiles
describe, plus any a member declares. Kept as data, read from the profiles file, so that a new
implementation or release is a JSON entry and not a code change."""

from dataclasses import asdict
from pathlib import Path

from diversity.models import Declaration, Implementation, Kind, Release
from votes.devnet.profiles import load_profiles


def sync_implementations(extra_profiles: Path | None = None) -> list[Implementation]:
    """Create the profiles' implementations that are missing, and bring their releases up to
    date; never delete or rename one."""
    profiles = load_profiles(extra_profiles)
    implementations = []
    for kind, table in ((Kind.WATCHTOWER, profiles.watchtowers), (Kind.TREEGEN, profiles.treegens)):
        for name in table:
            implementation = Implementation.objects.get_or_create(
                kind=kind,
                name=name,
                defaults={"version": table[name].version, "source": "profiles"},
            )[0]
            for release in table.releases_of(name):
                behaviour = {
                    k: v for k, v in asdict(release).items() if k not in ("name", "version")
                }
                Release.objects.update_or_create(
                    implementation=implementation, version=release.version,
                    defaults={"source": "profiles", "behaviour": behaviour},
                )  # fmt: skip
            implementations.append(implementation)
    sync_declared_releases()
    return implementations


def sync_declared_releases() -> None:
    """Every version a declaration names is a release, described or not."""
    for kind in (Kind.WATCHTOWER, Kind.TREEGEN):
        declared = Declaration.objects.exclude(**{f"{kind}_version": ""})
        for implementation_id, version in declared.values_list(kind, f"{kind}_version").distinct():
            Release.objects.get_or_create(
                implementation_id=implementation_id, version=version,
                defaults={"source": "declaration"},
            )  # fmt: skip
