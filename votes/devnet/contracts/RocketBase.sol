// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.20;

import "./RocketStorage.sol";

interface RocketDAONodeTrustedInterface {
    function getMemberCount() external view returns (uint256);
    function getMemberIsValid(address _nodeAddress) external view returns (bool);
}

interface RocketDAOProtocolSettingsNetworkInterface {
    function getNodeConsensusThreshold() external view returns (uint256);
    function getScrubQuorum() external view returns (uint256);
}

/// Shared plumbing of every devnet network contract, as in mainnet's RocketBase: a version
/// number, the storage address, and the "latest contract" / "trusted node" guards.
abstract contract RocketBase {
    uint256 constant calcBase = 1 ether;
    uint8 public version;
    RocketStorage internal rocketStorage;

    constructor(RocketStorage _rocketStorage) {
        rocketStorage = _rocketStorage;
    }

    modifier onlyLatestContract(string memory _contractName, address _contractAddress) {
        require(_contractAddress == getContractAddress(_contractName), "Invalid or outdated contract");
        _;
    }

    modifier onlyTrustedNode(address _nodeAddress) {
        require(trustedNodes().getMemberIsValid(_nodeAddress), "Invalid trusted node");
        _;
    }

    modifier onlyGuardian() {
        require(msg.sender == rocketStorage.getGuardian(), "Account is not a temporary guardian");
        _;
    }

    function getContractAddress(string memory _contractName) internal view returns (address) {
        address contractAddress = rocketStorage.getAddress(keccak256(abi.encodePacked("contract.address", _contractName)));
        require(contractAddress != address(0), "Contract not found");
        return contractAddress;
    }

    function trustedNodes() internal view returns (RocketDAONodeTrustedInterface) {
        return RocketDAONodeTrustedInterface(getContractAddress("rocketDAONodeTrusted"));
    }

    function networkSettings() internal view returns (RocketDAOProtocolSettingsNetworkInterface) {
        return RocketDAOProtocolSettingsNetworkInterface(getContractAddress("rocketDAOProtocolSettingsNetwork"));
    }

    /// The contracts' consensus rule: integer division, compared with the threshold.
    function reachedConsensus(uint256 _submissionCount) internal view returns (bool) {
        return calcBase * _submissionCount / trustedNodes().getMemberCount() >= networkSettings().getNodeConsensusThreshold();
    }

    function getUint(bytes32 _key) internal view returns (uint256) { return rocketStorage.getUint(_key); }
    function setUint(bytes32 _key, uint256 _value) internal { rocketStorage.setUint(_key, _value); }
    function getBool(bytes32 _key) internal view returns (bool) { return rocketStorage.getBool(_key); }
    function setBool(bytes32 _key, bool _value) internal { rocketStorage.setBool(_key, _value); }
}
