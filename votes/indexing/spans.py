"""How many blocks the indexer reads and writes as one range (one transaction with its checkpoint).

Density differs by orders of magnitude: a devnet day of 40 blocks holds as many votes as a
mainnet day of 7,200. A fixed block count either makes mainnet pay a dozen round trips for
every ten votes or loads a dense chain's whole history into one transaction. So the span
adapts to what the last one held: it doubles while ranges carry under half of `TARGET_ROWS`
events and halves above twice that, between one log range and `largest` blocks. The logs of a
span are still asked in ranges the node accepts (LogRangeWalker.fetch_all).
"""

TARGET_ROWS = 2000  # events a range should carry: bulk writes pay off, a crash loses little


class SpanPlanner:
    def __init__(self, smallest: int, largest: int):
        self.smallest = smallest
        self.largest = max(smallest, largest)
        self.span = smallest

    def after(self, rows: int) -> int:
        """The next span, given the events the last one held."""
        if rows < TARGET_ROWS // 2:
            self.span *= 2
        elif rows > 2 * TARGET_ROWS:
            self.span //= 2
        self.span = max(self.smallest, min(self.largest, self.span))
        return self.span
