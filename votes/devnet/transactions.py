"""Signing and sending devnet transactions from local keys, with a local nonce counter.

Signing locally (not through anvil's unlocked accounts) keeps every transaction hash a pure
function of the seed, and is what a real watchtower does. eth-keys signs through libsecp256k1
when `coincurve` is installed (pinned in requirements.txt): the same RFC 6979 signatures as its
pure-Python curve, ten times faster, which counts at tens of thousands of votes a year.
"""

from dataclasses import dataclass, field

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from votes.devnet.anvil import DEVNET_CHAIN_ID


@dataclass
class Signer:
    account: LocalAccount
    nonce: int = 0
    sent: list[str] = field(default_factory=list)

    @classmethod
    def from_key(cls, key: bytes | str, w3: Web3 | None = None) -> "Signer":
        account = Account.from_key(key)
        nonce = w3.eth.get_transaction_count(account.address, "pending") if w3 else 0
        return cls(account=account, nonce=nonce)

    @property
    def address(self) -> str:
        return self.account.address

    def send(self, w3: Web3, tx: dict) -> str:
        """Sign tx (which must carry gas and fee fields) with the next nonce and send it."""
        tx = {**tx, "nonce": self.nonce, "chainId": DEVNET_CHAIN_ID}
        signed = self.account.sign_transaction(tx)
        tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
        self.nonce += 1
        self.sent.append(tx_hash.to_0x_hex())
        return tx_hash.to_0x_hex()


def type2_fees(max_fee_wei: int, priority_wei: int) -> dict:
    return {"type": 2, "maxFeePerGas": max_fee_wei, "maxPriorityFeePerGas": priority_wei}


def legacy_fees(gas_price_wei: int) -> dict:
    return {"gasPrice": gas_price_wei}  # no type field: eth-account infers a legacy tx


def fund(w3: Web3, address: str, wei: int) -> None:
    w3.provider.make_request("anvil_setBalance", [address, hex(wei)])


def guardian_fees(base_fee: int) -> dict:
    """Generous fees: the guardian stands in for the world, and must never be priced out."""
    return type2_fees(2 * base_fee + 10**9, 10**9)
