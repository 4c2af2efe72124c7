"""Load a rewards file's bytes from a path, an HTTP(S) URL or IPFS, and decode them to JSON.

Everything read from outside is bounded: a byte cap on the download (so a 2 GB or endless body
is refused), a total wall-clock deadline (so a stalled server is refused), and a cap on the
decompressed size (so a small zstd "bomb" cannot expand without limit). Failures raise
ReadError / DecodeError, never a bare OSError or ValueError.

Published trees live on IPFS under the submission's `merkleTreeCID`, which names a directory
holding `rp-rewards-<network>-<index>.json.zst`; so `ipfs://<cid>/<file name>` is the useful form.
A bare CID (or `ipfs://<cid>`) fetches whatever the gateway serves for it.
"""

from __future__ import annotations

import http.client
import json
import re
import ssl
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import numpy as np
import zstandard

from .errors import DecodeError, ReadError

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024
DEFAULT_TIMEOUT_S = 30.0
DEFAULT_GATEWAY = "https://ipfs.io/ipfs/{cid}"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
MAX_REDIRECTS = 5
CHUNK = 256 * 1024
FILE_CHUNK = 4 * 1024 * 1024
ZSTD_INPUT_STEP = 512

# CIDv0 (base58btc sha2-256 multihash) and CIDv1 in base32 (the `b...` form gateways print).
_CID_RE = re.compile(r"^(Qm[1-9A-HJ-NP-Za-km-z]{44}|b[a-z2-7]{50,})$")


@dataclass(frozen=True)
class Limits:
    """Caps applied to every read; the defaults suit mainnet files (1.5-3.2 MB of JSON)."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_decompressed_bytes: int = DEFAULT_MAX_DECOMPRESSED_BYTES
    timeout_s: float = DEFAULT_TIMEOUT_S
    gateway: str = DEFAULT_GATEWAY


def resolve_source(source: str | Path, gateway: str = DEFAULT_GATEWAY) -> str | Path:
    """Turn `ipfs://CID[/path]` or a bare CID into a gateway URL; leave paths and URLs alone."""
    if isinstance(source, Path):
        return source
    text = str(source).strip()
    if text.startswith("ipfs://"):
        cid, _, rest = text[len("ipfs://") :].partition("/")
        if not _CID_RE.match(cid):
            raise ReadError(f"not a valid IPFS CID: {cid!r}")
        url = _gateway_url(gateway, cid)
        return f"{url.rstrip('/')}/{rest}" if rest else url
    if text.startswith(("http://", "https://")):
        return text
    if _CID_RE.match(text) and not Path(text).exists():
        return _gateway_url(gateway, text)
    return Path(text)


def _gateway_url(gateway: str, cid: str) -> str:
    try:
        return gateway.format(cid=cid)
    except (KeyError, IndexError, ValueError) as exc:
        raise ReadError(
            f"bad IPFS gateway pattern {gateway!r}: use {{cid}} as the placeholder"
        ) from exc


def read_bytes(source: str | Path, limits: Limits | None = None) -> bytes:
    """Raw bytes of the source, after zstd decompression when the magic bytes say so."""
    limits = limits or DEFAULT_LIMITS
    target = resolve_source(source, limits.gateway)
    if isinstance(target, Path):
        raw = _read_path(target, limits.max_bytes)
    else:
        raw = _read_url(target, limits.max_bytes, limits.timeout_s)
    if raw.startswith(ZSTD_MAGIC):
        return decompress_zstd(raw, limits.max_decompressed_bytes)
    return raw


def _read_path(path: Path, max_bytes: int) -> bytes:
    try:
        with path.open("rb") as fh:  # chunked: read(max_bytes + 1) would allocate the full cap
            chunks, total = [], 0
            while total <= max_bytes and (chunk := fh.read(FILE_CHUNK)):
                chunks.append(chunk)
                total += len(chunk)
        data = b"".join(chunks)
    except OSError as exc:
        raise ReadError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:  # e.g. an embedded NUL in the path
        raise ReadError(f"cannot read {path!r}: {exc}") from exc
    if len(data) > max_bytes:
        raise ReadError(f"{path} is larger than the {max_bytes}-byte limit")
    return data


def _read_url(url: str, max_bytes: int, timeout_s: float) -> bytes:
    """GET with redirects, a byte cap and one deadline covering connect, headers and body."""
    deadline = time.monotonic() + timeout_s
    for _ in range(MAX_REDIRECTS + 1):
        conn, sock, response = _open(url, deadline)
        try:
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                if not location:
                    raise ReadError(f"{url}: redirect without a Location header")
                url = urljoin(url, location)
                continue
            if response.status != 200:
                raise ReadError(f"{url}: HTTP {response.status} {response.reason}")
            return _read_body(url, sock, response, max_bytes, deadline)
        except (OSError, http.client.HTTPException) as exc:
            raise ReadError(f"{url}: {_describe(exc)}") from exc
        finally:
            conn.close()
    raise ReadError(f"{url}: more than {MAX_REDIRECTS} redirects")


def _open(url: str, deadline: float):
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ReadError(f"unsupported URL: {url!r}")
    remaining = _remaining(url, deadline)
    try:
        if parts.scheme == "https":
            context = ssl.create_default_context()
            conn = http.client.HTTPSConnection(
                parts.hostname, parts.port, timeout=remaining, context=context
            )
        else:
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=remaining)
    except (OSError, ValueError) as exc:  # e.g. a non-numeric port
        raise ReadError(f"{url}: {_describe(exc)}") from exc
    path = (parts.path or "/") + ("?" + parts.query if parts.query else "")
    try:
        conn.connect()
        sock = conn.sock  # kept: the response reads from it, and we shorten its timeout
        headers = {"Accept-Encoding": "identity", "User-Agent": "towerwatch-rewardstree"}
        conn.request("GET", path, headers=headers)
        sock.settimeout(_remaining(url, deadline))
        return conn, sock, conn.getresponse()
    except (OSError, http.client.HTTPException, ValueError) as exc:
        conn.close()
        raise ReadError(f"{url}: {_describe(exc)}") from exc
    except ReadError:
        conn.close()
        raise


def _read_body(url, sock, response, max_bytes: int, deadline: float) -> bytes:
    length = response.getheader("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise ReadError(f"{url}: body of {length} bytes exceeds the {max_bytes}-byte limit")
    chunks, total = [], 0
    while True:
        sock.settimeout(_remaining(url, deadline))
        chunk = response.read1(CHUNK)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > max_bytes:
            raise ReadError(f"{url}: body exceeds the {max_bytes}-byte limit")
        chunks.append(chunk)


def _remaining(url: str, deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise ReadError(f"{url}: timed out")
    return left


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    return str(exc) or type(exc).__name__


def decompress_zstd(data: bytes, max_output: int) -> bytes:
    """Decompress every zstd frame in `data`, refusing output beyond `max_output` bytes.

    A frame header may declare its size (checked up front), but a bomb need not declare it, and
    the one-shot API trusts the declaration. So input is fed ZSTD_INPUT_STEP bytes at a time:
    zstd's best ratio is ~32,000:1, which bounds the overshoot past the cap to ~16 MB. A frame
    cut short is an error, not a silently shorter file.
    """
    dctx = zstandard.ZstdDecompressor()
    try:
        declared = zstandard.get_frame_parameters(data).content_size
    except zstandard.ZstdError as exc:
        raise DecodeError(f"invalid zstd data: {exc}") from exc
    if declared != zstandard.CONTENTSIZE_UNKNOWN and declared > max_output:
        raise DecodeError(f"zstd frame declares {declared} bytes, over the {max_output}-byte limit")
    view, pos, chunks, total = memoryview(data), 0, [], 0
    try:
        while pos < len(data):
            frame = dctx.decompressobj()
            while not frame.eof:
                if pos >= len(data):
                    raise DecodeError("invalid zstd data: the last frame is truncated")
                end = min(pos + ZSTD_INPUT_STEP, len(data))
                chunk = frame.decompress(view[pos:end])
                pos = end
                total += len(chunk)
                if total > max_output:
                    raise DecodeError(f"zstd content exceeds the {max_output}-byte limit")
                chunks.append(chunk)
            pos -= len(frame.unused_data)
    except zstandard.ZstdError as exc:
        raise DecodeError(f"invalid zstd data: {exc}") from exc
    return b"".join(chunks)


class DuplicateKeyDict(dict):
    """A JSON object that had repeated keys; `duplicates` lists them (the last value won)."""

    duplicates: list[str]


def _object_pairs(pairs: list[tuple[str, object]]) -> dict:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    seen: set[str] = set()
    flagged = DuplicateKeyDict(obj)
    flagged.duplicates = [key for key, _ in pairs if key in seen or seen.add(key)]
    return flagged


def _reject_constant(name: str):
    raise DecodeError(f"invalid JSON: non-standard constant {name}")


MAX_JSON_DEPTH = 64  # rewards files nest 4 deep; anything near this is hostile
_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_STRING = re.compile(rb'"[^"]*"')
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'[]{}":')


@dataclass(frozen=True)
class JsonShape:
    """What the text of a JSON document says about its structure, counted outside strings."""

    depth: int  # deepest bracket nesting
    objects: int  # `{`: how many objects the decoder builds
    keys: int  # `:`: every key of every object, repeated keys included


def json_shape(data: bytes) -> JsonShape:
    """The document's depth, objects and keys, in C-speed passes (regex, translate, numpy).

    Escapes go first (real files have none), then everything but brackets, colons and quotes.
    Two adjacent quotes are then an empty string or the end of one string and the start of the
    next with nothing outside strings between, so dropping them leaves what is outside strings
    as it was, and the string pass only sees strings that hold brackets or colons. A quote left
    over belongs to an unterminated string, where the decoder stops anyway.
    """
    unescaped = _ESCAPE.sub(b"", data) if b"\\" in data else data
    marks = unescaped.translate(None, _NOT_STRUCTURE).replace(b'""', b"")
    outside = _STRING.sub(b"", marks).replace(b'"', b"")
    keys = outside.count(b":")
    brackets = outside.replace(b":", b"") if keys else outside
    if not brackets:
        return JsonShape(0, 0, keys)
    codes = np.frombuffer(brackets, dtype=np.uint8)
    opens = (codes == ord("[")) | (codes == ord("{"))
    depth = int(np.cumsum(np.where(opens, 1, -1), dtype=np.int64).max())
    return JsonShape(depth, int(np.count_nonzero(codes == ord("{"))), keys)


def json_depth(data: bytes) -> int:
    """Deepest bracket nesting outside strings.

    Checked before json.loads because the C decoder recurses: with the recursion limit that
    web3's dependencies raise at import (py_ecc sets 100000), a deep enough array overflows
    the C stack and kills the process instead of raising RecursionError.
    """
    return json_shape(data).depth


def parse_json(data: bytes) -> object:
    """Strict JSON decode; objects with repeated keys come back as DuplicateKeyDict.

    The plain decoder keeps the last of repeated keys without a word, and a hook that sees every
    object's pairs costs a third more than the decode itself. So the document is decoded plainly
    and its keys are counted: the text's count (`json_shape`) exceeds the decoded objects' only
    if some key was repeated, and then it is decoded again with the hook that names them.
    """
    data = _as_utf8(data)
    shape = json_shape(data)
    if shape.depth > MAX_JSON_DEPTH:
        raise DecodeError(f"invalid JSON: nested {shape.depth} deep (at most {MAX_JSON_DEPTH})")
    obj = _decode(data)
    if _decoded_keys(obj, shape.objects) != shape.keys:
        obj = _decode(data, object_pairs_hook=_object_pairs)
    return obj


def _as_utf8(data: bytes) -> bytes:
    """UTF-8 as it is; UTF-16/32 (which json.loads also takes) re-encoded, so that every byte
    the structure passes count is the character it looks like."""
    encoding = json.detect_encoding(data)
    if encoding in ("utf-8", "utf-8-sig"):
        return data
    try:
        return data.decode(encoding).encode()
    except UnicodeError as exc:
        raise DecodeError(f"invalid JSON: not {encoding} text ({exc})") from exc


def _decode(data: bytes, **hooks) -> object:
    try:
        return json.loads(data, parse_constant=_reject_constant, **hooks)
    except json.JSONDecodeError as exc:
        raise DecodeError(
            f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    except UnicodeDecodeError as exc:
        raise DecodeError(f"invalid JSON: not UTF-8 text ({exc.reason})") from exc
    except (ValueError, RecursionError) as exc:
        raise DecodeError(f"invalid JSON: {exc}") from exc


def _decoded_keys(obj: object, objects: int) -> int | None:
    """The keys of all decoded objects, or None if some object sits inside an array.

    Objects are found through objects only, level by level, stopping once all `objects` are
    found: in a rewards file that is after the node entries, without looking inside them.
    """
    level = [obj] if type(obj) is dict else []
    found, keys = len(level), 0
    while level:
        keys += sum(map(len, level))
        if found == objects:
            return keys
        level = [value for parent in level for value in parent.values() if type(value) is dict]
        found += len(level)
    return keys if objects == 0 else None


def load_json(source: str | Path, limits: Limits | None = None) -> object:
    """Read (with limits), decompress if needed, and parse the source."""
    return parse_json(read_bytes(source, limits))


DEFAULT_LIMITS = Limits()
