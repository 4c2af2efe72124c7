"""The protocol's test beacon-state verifier on a Saturn devnet, where no beacon chain exists.

Megapool staking, exits and dissolutions are proven against beacon state roots (EIP-4788),
which anvil does not have. The v1.4 tests deploy `BeaconStateVerifierMock` in place of the real
verifier and switch its checks off; on the devnet the guardian does the same while bootstrap
mode is on. Since Saturn that is `RocketDAONodeTrustedUpgrade.bootstrapUpgrade`:
`RocketDAONodeTrusted.bootstrapUpgrade` now only opens an upgrade proposal with a delay.
"""

from votes.devnet.chain import DevnetChain
from votes.devnet.protocol.contracts import ProtocolContracts
from votes.devnet.protocol.deployer import Deployer, compress_abi
from votes.devnet.protocol.system import SATURN_TAG, ProtocolSystem
from votes.devnet.transactions import Signer

MOCK = "BeaconStateVerifierMock"
VERIFIER_NAME = "beaconStateVerifier"


def install_beacon_state_verifier_mock(chain: DevnetChain, system: ProtocolSystem,
                                       guardian: Signer) -> str:  # fmt: skip
    """Deploy the mock, point `beaconStateVerifier` at it and disable its checks (three blocks,
    mined now); returns its address. Needs the Saturn upgrade executed."""
    if not system.addresses.upgraded:
        raise RuntimeError("the beacon state verifier exists only after the Saturn upgrade")
    deployer = Deployer(chain, guardian, ProtocolContracts(chain.w3))
    mock = deployer.deploy(SATURN_TAG, MOCK, system.addresses.rocket_storage)
    abi = compress_abi(deployer.contracts.abi(SATURN_TAG, MOCK))
    deployer.call(SATURN_TAG, "RocketDAONodeTrustedUpgrade",
                  system.address("rocketDAONodeTrustedUpgrade"), "bootstrapUpgrade",
                  "upgradeContract", VERIFIER_NAME, abi, mock)  # fmt: skip
    deployer.call(SATURN_TAG, MOCK, mock, "setDisabled", True)
    system.addresses.saturn[VERIFIER_NAME] = mock
    return mock


def proofs_accepted(system: ProtocolSystem) -> bool:
    """Whether the verifier in use accepts any proof: the real one refuses an empty slot proof
    (it reverts), the disabled mock says yes."""
    verifier = system.contract(VERIFIER_NAME).functions
    try:
        return verifier.verifySlot(0, (0, [])).call()
    except Exception:  # web3 raises several types for a revert
        return False
