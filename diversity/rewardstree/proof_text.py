"""The nodes' merkleProof arrays checked as the text the file writes, without decoding them.

Four in five bytes of a mainnet rewards file are proof hashes, and decoding them into ~30,000
Python strings is most of json.loads' time. Yet the proofs check only asks whether each
published proof is the rebuilt tree's path: a question about text. So the verifier first cuts
the content out of every array (`cut_arrays`), decodes the much smaller rest, and compares each
cut content with the path the tree gives, written in the file's own layout (`proofs_match`).

This proves what decoding would, or the verifier decodes the whole file instead:
- every `[` opens a node's merkleProof: the rest must decode with one node per `[`, each
  merkleProof a list, so no `[` was in a string or opened another array; and with no node key
  repeated, the k-th array is the k-th node's (JSON keeps their order);
- each array ends at the first `]` after its `[`, and its content equals, byte for byte, the
  expected hashes in quotes, separated by a comma and JSON whitespace. That text is plain (hex
  digits in quotes, commas, whitespace: no escape, no bracket), so it is valid JSON for exactly
  those strings.
A bracket in a string, a layout that changes between arrays, an escape or one wrong digit fails
one of these, and the careful path then names what is wrong.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import numpy as np

from .merkle import MerkleTree
from .proofs import CHUNK_TEXT, sibling_rows

QUOTED_HASH = 68  # '"0x' + 64 hex digits + '"'
SCAN_BLOCK = 120 * 1024  # bytes searched for brackets at a time: under malloc's mmap threshold
_WHITESPACE = re.compile(rb"[ \t\n\r]*")
_SEPARATOR = re.compile(rb"[ \t\n\r]*,[ \t\n\r]*")


@dataclass(frozen=True)
class CutProofs:
    """A file with the content of every array cut out; the k-th array spans opens[k]..closes[k]."""

    data: bytes
    opens: np.ndarray
    closes: np.ndarray
    rest: bytes  # `data` with every array emptied

    def __len__(self) -> int:
        return len(self.opens)

    def content(self, k: int) -> bytes:
        return self.data[self.opens[k] + 1 : self.closes[k]]


def cut_arrays(data: bytes) -> CutProofs | None:
    """The file with its arrays emptied, if its brackets pair up flatly; None otherwise."""
    if json.detect_encoding(data) not in ("utf-8", "utf-8-sig"):
        return None
    codes = np.frombuffer(data, dtype=np.uint8)
    opens, closes = _brackets(codes)
    if len(opens) == 0 or len(opens) != len(closes):
        return None
    if not (np.all(opens < closes) and np.all(closes[:-1] < opens[1:])):
        return None  # nested, or a `]` before its `[`
    view = memoryview(data)
    starts, ends = [0, *closes.tolist()], [*(opens + 1).tolist(), len(data)]
    rest = b"".join(map(view.__getitem__, map(slice, starts, ends)))
    return CutProofs(data, opens, closes, rest)


def nodes_in_text_order(document: object) -> bool:
    """False if nodeRewards repeats a key: a repeated key keeps its first place with its last
    value, so the k-th node would no longer be the one whose entry holds the k-th array."""
    nodes = document.get("nodeRewards") if isinstance(document, dict) else None
    return not getattr(nodes, "duplicates", None)


def _brackets(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The offsets of every `[` and every `]`.

    `[` (0x5B) and `]` (0x5D) differ only in the bits 0x06, so one masked comparison finds both
    (with the `Y` and `_` that share the mask, set aside after). It runs a block at a time in
    two reused buffers: whole-file temporaries would be 3 MB each of fresh memory, whose page
    faults cost more than the comparison.
    """
    masked = np.empty(min(SCAN_BLOCK, len(codes)), dtype=np.uint8)
    hits = np.empty(len(masked), dtype=bool)
    found = [np.empty(0, dtype=np.intp)]
    for start in range(0, len(codes), SCAN_BLOCK):
        block = codes[start : start + SCAN_BLOCK]
        size = len(block)
        np.bitwise_and(block, ~np.uint8(0x06), out=masked[:size])
        np.equal(masked[:size], 0x59, out=hits[:size])
        found.append(np.flatnonzero(hits[:size]) + start)
    candidates = np.concatenate(found)
    marks = codes[candidates]
    return candidates[marks == ord("[")], candidates[marks == ord("]")]


def proofs_match(cut: CutProofs, tree: MerkleTree | None, leaves: list[bytes]) -> bool:
    """True if every array's content is exactly its node's path in the tree, as JSON text.

    `leaves` are those of the nodes read from `cut.rest` column-wise, so each node's merkleProof
    was a list there: with as many arrays as leaves, every array is a node's proof, in order.
    All contents must have the length the layout gives, so that comparing a few dozen of them
    joined is comparing each: a shorter one could otherwise lend its end to the next.
    """
    if tree is None or tree.depth < 2 or len(leaves) != len(cut):
        return False
    layout = _layout(cut.content(0))
    if layout is None:
        return False
    prefix, separator, suffix = layout
    rows, siblings = sibling_rows(tree, leaves, b'"0x', b'"' + separator)
    body = tree.depth * rows.itemsize - len(separator)
    length = len(prefix) + body + len(suffix)
    if not np.all(cut.closes - cut.opens - 1 == length):
        return False
    step = max(1, CHUNK_TEXT // length)
    expected = np.empty((min(step, len(leaves)), length), dtype=np.uint8)
    expected[:, : len(prefix)] = np.frombuffer(prefix, dtype=np.uint8)
    expected[:, length - len(suffix) :] = np.frombuffer(suffix, dtype=np.uint8)
    gathered = np.empty((len(expected), tree.depth), dtype=rows.dtype)
    # Every `length` bytes of the file as a row (a view, nothing copied): indexing it with the
    # arrays' first offsets copies their contents out a row each, in C.
    windows = np.lib.stride_tricks.sliding_window_view(np.frombuffer(cut.data, np.uint8), length)
    for start in range(0, len(leaves), step):
        stop = min(start + step, len(leaves))
        count = stop - start
        paths = np.take(rows, siblings[start:stop], out=gathered[:count])
        text = paths.view(np.uint8).reshape(count, -1)[:, :body]
        expected[:count, len(prefix) : len(prefix) + body] = text
        if not np.array_equal(windows[cut.opens[start:stop] + 1], expected[:count]):
            return False
    return True


def _layout(content: bytes) -> tuple[bytes, bytes, bytes] | None:
    """(before the first hash, between two hashes, after the last) as the first array writes
    them, if each is JSON whitespace with one comma between hashes."""
    first = content.find(b'"')
    second = content.find(b'"', first + QUOTED_HASH)
    last = content.rfind(b'"')
    if first < 0 or second < 0:
        return None
    prefix = content[:first]
    separator = content[first + QUOTED_HASH : second]
    suffix = content[last + 1 :]
    plain = _WHITESPACE.fullmatch(prefix) and _WHITESPACE.fullmatch(suffix)
    return (prefix, separator, suffix) if plain and _SEPARATOR.fullmatch(separator) else None
