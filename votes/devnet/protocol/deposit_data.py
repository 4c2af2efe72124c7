"""Beacon-chain deposit data for devnet validators: pubkeys, withdrawal credentials and the
deposit data root.

The beacon deposit contract (and, since Saturn, each megapool) recomputes the SSZ hash tree
root of the deposit data and refuses a deposit whose root differs, but nothing on the execution
layer checks the BLS signature: a fixed 96-byte signature and pubkeys derived from an index
are enough, as in the protocol's own tests.
"""

from hashlib import sha256

from eth_utils import keccak

GWEI = 10**9
PUBKEY_LENGTH = 48
SIGNATURE = bytes.fromhex("0123456789abcdef" * 12)  # 96 bytes, never verified on chain


def validator_pubkey(namespace: str, index: int) -> bytes:
    """A pubkey of the right length, distinct per (namespace, index) and reproducible."""
    seed = keccak(f"{namespace}:{index}".encode())
    return (seed + keccak(seed))[:PUBKEY_LENGTH]


def withdrawal_credentials(address: str) -> bytes:
    """0x01 credentials pointing at a minipool or megapool: 0x01, 11 zero bytes, the address."""
    return b"\x01" + bytes(11) + bytes.fromhex(address[2:])


def deposit_data_root(pubkey: bytes, credentials: bytes, amount_wei: int,
                      signature: bytes = SIGNATURE) -> bytes:  # fmt: skip
    """hash_tree_root(DepositData{pubkey, withdrawal_credentials, amount (gwei), signature})."""
    pubkey_root = _hash(pubkey + bytes(16))
    amount = (amount_wei // GWEI).to_bytes(8, "little") + bytes(24)
    signature_root = _hash(_hash(signature[:64]) + _hash(signature[64:] + bytes(32)))
    return _hash(_hash(pubkey_root + credentials) + _hash(amount + signature_root))


def _hash(data: bytes) -> bytes:
    return sha256(data).digest()
