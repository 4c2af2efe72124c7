"""RocketStorage keys, computed exactly as the contracts do (keccak256 of abi.encodePacked)."""

from eth_utils import keccak, to_bytes, to_checksum_address


def contract_address_key(name: str) -> bytes:
    return keccak(b"contract.address" + name.encode())


def contract_exists_key(address: str) -> bytes:
    return keccak(b"contract.exists" + to_bytes(hexstr=to_checksum_address(address)))


def contract_name_key(address: str) -> bytes:
    return keccak(b"contract.name" + to_bytes(hexstr=to_checksum_address(address)))
