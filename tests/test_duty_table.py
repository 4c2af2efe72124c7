"""The duty table against the real releases' source: every function carrying the
`onlyTrustedNode` modifier is either an indexed duty or listed as no vote; the README's table is
the one the table renders."""

import re
from pathlib import Path

import pytest

from votes.chain.duty_table import INDEXED_DUTIES, NOT_VOTES, RELEASES, markdown_table

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "rocketpool"
# A function header up to its body or `;`: name, then everything before the brace.
FUNCTION = re.compile(r"function\s+(\w+)\s*\(([^{;]*)[{;]", re.S)


def trusted_node_functions(tag: str) -> set[tuple[str, str]]:
    """(contract, function) for each function whose modifiers include onlyTrustedNode."""
    found = set()
    for path in (SOURCE / tag / "contracts" / "contract").rglob("*.sol"):
        text = re.sub(r"//[^\n]*", "", path.read_text())
        for name, header in FUNCTION.findall(text):
            if re.search(r"\bonlyTrustedNode\s*\(", header):
                found.add((path.stem, name))
    return found


def listed(tag: str) -> set[tuple[str, str]]:
    duties = {(d.contract, d.function.split("(")[0]) for d in INDEXED_DUTIES if d.release == tag}
    return duties | {(n.contract, n.function) for n in NOT_VOTES if n.release == tag}


@pytest.mark.parametrize("tag", RELEASES)
def test_every_only_trusted_node_function_is_a_duty_or_not_a_vote(tag):
    if not (SOURCE / tag / "contracts").is_dir():
        pytest.skip(f"no Rocket Pool source at {SOURCE / tag}")
    found = trusted_node_functions(tag)
    assert len(found) >= 10  # the parser sees the DAO's own functions
    assert found - listed(tag) == set()


@pytest.mark.parametrize("tag", RELEASES)
def test_a_function_the_table_lists_exists_in_the_release(tag):
    if not (SOURCE / tag / "contracts").is_dir():
        pytest.skip(f"no Rocket Pool source at {SOURCE / tag}")
    names = {(p.stem, n) for p in (SOURCE / tag / "contracts" / "contract").rglob("*.sol")
             for n, _ in FUNCTION.findall(p.read_text())}  # fmt: skip
    assert listed(tag) - names == set()


def test_the_readme_table_is_the_rendered_duty_table():
    readme = (ROOT / "README.md").read_text()
    start = readme.index("<!-- duty table -->\n") + len("<!-- duty table -->\n")
    end = readme.index("<!-- /duty table -->")
    assert readme[start:end] == markdown_table()
