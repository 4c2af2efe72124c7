"""Signed declarations: a member states which watchtower and treegen it runs.

Message format: EIP-191 `personal_sign` of one line of text,

    towerwatch declaration v1; network=<network>; member=<0x address>; \
    watchtower=<name>[@<version>]; treegen=<name>[@<version>]; timestamp=<unix s>; nonce=<n>

(one line: the backslash only breaks this docstring), for example

    towerwatch declaration v1; network=mainnet; member=0x5f8F0077Bfaa11e55889AB8072F5422E4E7dCa16; \
    watchtower=smartnode@1.19.0; treegen=treegen-rs; timestamp=1767312000; nonce=1

The fields come in exactly this order, separated by "; "; names are lowercase letters, digits,
".", "_" or "-"; versions are letters, digits, ".", "+" or "-"; the member's address may be in
any case. Why EIP-191 rather than EIP-712: an oDAO member's key lives in its Smartnode wallet,
and `rocketpool node sign-message` signs exactly this (its output {"address", "msg", "sig"} can
be posted as is), as do hardware wallets, `cast wallet sign` and every browser wallet. One line,
because the Smartnode prompt reads one line. The network in the text does what EIP-712's chain
id would: a devnet declaration can't be replayed on mainnet.

A declaration is accepted only if the signature recovers to the member named in the text, that
address was an oDAO member at the signed timestamp (MembershipEvent history), and both the
timestamp and the nonce are greater than those of the member's latest accepted declaration (no
replay, no rewinding). Anything else raises DeclarationError, is logged as a
DeclarationRejection, and leaves no Declaration or Implementation behind.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import to_checksum_address

from diversity.fingerprint.membership import MembershipHistory, member_by_address
from diversity.models import Declaration, DeclarationRejection, Implementation, Kind
from votes import state

PREFIX = "towerwatch declaration v1"
NAME = r"[a-z0-9][a-z0-9._-]{0,99}"
VERSION = r"[A-Za-z0-9][A-Za-z0-9.+-]{0,49}"
MESSAGE = re.compile(
    rf"{PREFIX}; network=(?P<network>[a-z0-9-]{{1,32}}); member=(?P<member>0x[0-9a-fA-F]{{40}}); "
    rf"watchtower=(?P<watchtower>{NAME})(?:@(?P<watchtower_version>{VERSION}))?; "
    rf"treegen=(?P<treegen>{NAME})(?:@(?P<treegen_version>{VERSION}))?; "
    r"timestamp=(?P<timestamp>[1-9][0-9]{0,10}); nonce=(?P<nonce>0|[1-9][0-9]{0,17})",
    re.ASCII,
)
SIGNATURE = re.compile(r"(0x)?[0-9a-fA-F]{130}", re.ASCII)
CLOCK_SKEW = timedelta(minutes=10)


class DeclarationError(ValueError):
    """Why a declaration was refused; `reason` is one of the REASONS keys."""

    REASONS = {
        "malformed": "the message is not a towerwatch declaration",
        "wrong_network": "the declaration is for another network",
        "future": "the timestamp is in the future",
        "bad_signature": "the signature is not a valid secp256k1 signature",
        "forged": "the signature was not made by the member named in the message",
        "not_member": "the signer was not an oDAO member at the declared time",
        "replayed": "a declaration with a later or equal timestamp or nonce was already accepted",
    }

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


@dataclass(frozen=True)
class Claim:
    """What a declaration message says, before anyone believed it."""

    network: str
    member: str
    watchtower: str
    watchtower_version: str
    treegen: str
    treegen_version: str
    timestamp: int
    nonce: int

    @property
    def declared_at(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp, UTC)


def declaration_text(claim: Claim) -> str:
    """The canonical message for a claim: what a member signs."""

    def software(name: str, version: str) -> str:
        return f"{name}@{version}" if version else name

    return (
        f"{PREFIX}; network={claim.network}; member={to_checksum_address(claim.member)}; "
        f"watchtower={software(claim.watchtower, claim.watchtower_version)}; "
        f"treegen={software(claim.treegen, claim.treegen_version)}; "
        f"timestamp={claim.timestamp}; nonce={claim.nonce}"
    )


def parse_declaration(message: str) -> Claim:
    match = MESSAGE.fullmatch(message) if isinstance(message, str) else None
    if match is None:
        raise DeclarationError("malformed", f"expected one line: {PREFIX}; network=...; ...")
    fields = match.groupdict()
    return Claim(
        network=fields["network"], member=to_checksum_address(fields["member"]),
        watchtower=fields["watchtower"], watchtower_version=fields["watchtower_version"] or "",
        treegen=fields["treegen"], treegen_version=fields["treegen_version"] or "",
        timestamp=int(fields["timestamp"]), nonce=int(fields["nonce"]),
    )  # fmt: skip


def recover_signer(message: str, signature: str) -> str:
    if not isinstance(signature, str) or SIGNATURE.fullmatch(signature) is None:
        raise DeclarationError("bad_signature", "expected 65 bytes as hex (0x + 130 digits)")
    try:
        return Account.recover_message(encode_defunct(text=message), signature=signature)
    except Exception as error:  # eth-account/eth-keys raise several types for a bad v, r or s
        raise DeclarationError("bad_signature", str(error) or type(error).__name__) from None


def verify_declaration(network: str, message: str, signature: str) -> Claim:
    """The claim, if the message is well-formed, for `network`, and signed by a member then."""
    claim = parse_declaration(message)
    if claim.network != network:
        raise DeclarationError("wrong_network", f"signed for {claim.network}, this is {network}")
    if claim.declared_at > datetime.now(UTC) + CLOCK_SKEW:
        raise DeclarationError("future", f"timestamp {claim.timestamp} has not happened yet")
    signer = recover_signer(message, signature)
    if signer != claim.member:
        raise DeclarationError("forged", f"signed by {signer}, not by {claim.member}")
    member = member_by_address(network, claim.member)
    if member is None or not MembershipHistory(network).is_member(member.id, claim.declared_at):
        when = f"{claim.declared_at:%Y-%m-%d %H:%M:%S} UTC"
        raise DeclarationError("not_member", f"{claim.member} was not a member at {when}")
    return claim


def record_declaration(network: str, message: str, signature: str) -> Declaration:
    """Verify and store a declaration, or log the rejection and raise DeclarationError."""
    try:
        claim = verify_declaration(network, message, signature)
        return _store(network, claim, message, signature)
    except DeclarationError as error:
        DeclarationRejection.objects.create(
            network=network, message=str(message)[:10_000], signature=str(signature)[:200],
            reason=error.reason, detail=error.detail,
        )  # fmt: skip
        raise


def _store(network: str, claim: Claim, message: str, signature: str) -> Declaration:
    member = member_by_address(network, claim.member)
    try:
        with transaction.atomic():
            latest = (
                Declaration.objects.select_for_update()
                .filter(network=network, member=member)
                .order_by("-declared_at", "-nonce")
                .first()
            )
            if latest and (claim.declared_at <= latest.declared_at or claim.nonce <= latest.nonce):
                accepted = f"timestamp {int(latest.declared_at.timestamp())}, nonce {latest.nonce}"
                raise DeclarationError("replayed", f"the latest accepted one has {accepted}")
            tower = _implementation(Kind.WATCHTOWER, claim.watchtower, claim.watchtower_version)
            treegen = _implementation(Kind.TREEGEN, claim.treegen, claim.treegen_version)
            declaration = Declaration.objects.create(
                network=network, member=member, declared_at=claim.declared_at, nonce=claim.nonce,
                watchtower=tower, watchtower_version=claim.watchtower_version, treegen=treegen,
                treegen_version=claim.treegen_version, message=message, signature=signature,
            )  # fmt: skip
            state.bump(state.DECLARATIONS)
            return declaration
    except IntegrityError:
        raise DeclarationError("replayed", f"nonce {claim.nonce} was already used") from None


def _implementation(kind: str, name: str, version: str) -> Implementation:
    """A declared implementation nobody described yet becomes one: members may run new code."""
    implementation, _ = Implementation.objects.get_or_create(
        kind=kind, name=name, defaults={"version": version, "source": "declaration"}
    )
    return implementation


class DeclarationBook:
    """Every accepted declaration of a network, to ask which one was in force at any time."""

    def __init__(self, network: str):
        self.by_member: dict[int, list[Declaration]] = {}
        rows = Declaration.objects.filter(network=network).select_related("watchtower", "treegen")
        for declaration in rows.order_by("declared_at", "nonce"):
            self.by_member.setdefault(declaration.member_id, []).append(declaration)

    def in_force(self, member_id: int, at: datetime) -> Declaration | None:
        latest = None
        for declaration in self.by_member.get(member_id, []):
            if declaration.declared_at > at:
                break
            latest = declaration
        return latest

    def labels(self, kind: str, at: datetime) -> dict[int, str]:
        """member id -> implementation name, for the members with a declaration in force."""
        labels = {}
        for member_id in self.by_member:
            declaration = self.in_force(member_id, at)
            if declaration is not None:
                labels[member_id] = getattr(declaration, kind).name
        return labels
