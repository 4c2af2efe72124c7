"""After each indexing pass, in this order: who runs what, then the reference verdicts, then
the dashboard's main pages, computed into the cache for the state that now holds.

Fingerprinting comes first so that a disagreement can name the implementation its member ran.
Alerts read the result on their own schedule (diversity.alerts.evaluate).
"""

from collections.abc import Iterator

from django.urls import reverse

from diversity.fingerprint.refresh import refresh_assignments
from diversity.reference.implementations import implementation_lookup
from diversity.reference.setup import compute_verdicts
from votes.chain.networks import NetworkConfig
from votes.indexing.indexer import Indexer
from votes.page_cache import warm

WARMED_PAGES = ("overview", "members", "rounds", "plan", "alerts:list")


def watch(config: NetworkConfig) -> Iterator[tuple[str, str]]:
    """Run every step once; yields (step, outcome) as each one finishes."""
    report = Indexer(config).run_pass()
    yield "index", f"{report.submissions} new submissions, lag {report.lag} blocks"
    refresh = refresh_assignments(config.name)
    yield "fingerprint", f"{refresh.assignments} assignments at {refresh.points} points"
    verdicts = compute_verdicts(config, implementation_lookup(config.name))
    yield "reference", ", ".join(f"{count} {outcome}" for outcome, count in verdicts.items())
    computed = warm([reverse(name) for name in WARMED_PAGES])
    yield "pages", f"{computed} pages computed into the cache"
