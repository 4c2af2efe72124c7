"""Keccak-256 (the Ethereum variant, not SHA3-256), tuned for hashing thousands of short inputs.

Building a tree is ~5,000 hashes of 64-116 bytes, so per-call overhead dominates. pycryptodome's
public `keccak.new(...)` allocates and frees a native state for every hash (~6 µs here). When
pycryptodome runs on its ctypes backend we reuse one native state per batch instead (~2.5 µs);
that path is self-tested at import against the public API and against a known vector, and any
surprise silently falls back to the public API. Batches own their state, so this is thread-safe.
Set REWARDSTREE_PORTABLE_KECCAK=1 to force the public API.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Iterable

from Crypto.Hash import keccak as _keccak

EMPTY_HASH = bytes.fromhex("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")


def keccak256(data: bytes) -> bytes:
    """Keccak-256 digest of `data` (public pycryptodome API)."""
    return _keccak.new(data=data, digest_bits=256).digest()


def _portable_many(items: Iterable[bytes]) -> list[bytes]:
    new = _keccak.new
    return [new(data=item, digest_bits=256).digest() for item in items]


def _load_native():
    """Bind pycryptodome's keccak shared library with exact C prototypes, or return None."""
    if os.environ.get("REWARDSTREE_PORTABLE_KECCAK"):
        return None
    try:
        from Crypto.Util import _raw_api

        if _raw_api.backend != "ctypes":
            return None
        # A private CDLL handle, so setting prototypes does not touch pycryptodome's own.
        lib = ctypes.CDLL(_keccak._raw_keccak_lib._name)
    except (ImportError, AttributeError, OSError):
        return None
    vp, sz, u8, buf = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_ubyte, ctypes.c_char_p
    prototypes = {
        "keccak_init": [ctypes.POINTER(vp), sz, u8],
        "keccak_reset": [vp],
        "keccak_absorb": [vp, buf, sz],
        "keccak_digest": [vp, buf, sz, u8],
        "keccak_destroy": [vp],
    }
    for name, argtypes in prototypes.items():
        fn = getattr(lib, name)
        fn.argtypes, fn.restype = argtypes, ctypes.c_int
    return lib


def _make_fast_many():
    """Return a batch hasher reusing one native keccak state, or None if unavailable."""
    lib = _load_native()
    if lib is None:
        return None
    init, reset, absorb = lib.keccak_init, lib.keccak_reset, lib.keccak_absorb
    digest, destroy = lib.keccak_digest, lib.keccak_destroy

    def many(items: Iterable[bytes]) -> list[bytes]:
        state = ctypes.c_void_p()
        # capacity 64 bytes (= 2 x 256-bit output), 24 rounds: Keccak-256.
        if init(ctypes.byref(state), 64, 24):
            return _portable_many(items)
        ptr = state.value
        out = ctypes.create_string_buffer(32)
        result = []
        append = result.append
        try:
            for item in items:
                reset(ptr)
                absorb(ptr, item, len(item))
                digest(ptr, out, 32, 1)  # padding byte 0x01: original Keccak, as Ethereum uses
                append(out.raw)
        finally:
            destroy(ptr)
        return result

    try:
        probe = [b"", b"\x01" * 64, bytes(range(116)), b"x" * 200]
        if many(probe) != _portable_many(probe) or many([b""])[0] != EMPTY_HASH:
            return None
    except Exception:  # any ctypes mismatch: use the portable path
        return None
    return many


_fast_many = _make_fast_many()


def keccak256_many(items: Iterable[bytes]) -> list[bytes]:
    """Keccak-256 of each item, in order; the fast native batch path when available."""
    if _fast_many is not None:
        return _fast_many(items)
    return _portable_many(items)


def fast_path_enabled() -> bool:
    """True when batches use the reused native state (reported by the benchmark)."""
    return _fast_many is not None
