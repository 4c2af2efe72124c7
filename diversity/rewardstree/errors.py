"""Error types of the rewards-tree verifier.

Every failure to obtain or decode a rewards file is a `RewardsFileError`, so a caller (or the
fuzz test) can tell "this input is bad" apart from a bug in the verifier.
"""


class RewardsFileError(Exception):
    """Base class: the rewards file could not be obtained or understood."""


class ReadError(RewardsFileError):
    """The source could not be read: missing file, HTTP error, size cap or timeout hit."""


class DecodeError(RewardsFileError):
    """The bytes were read but are not a rewards file: bad zstd frame, bad UTF-8, bad JSON."""
