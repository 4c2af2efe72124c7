// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.20;

import "./RocketBase.sol";

/// The thresholds the oDAO duties use (network.consensus.threshold, minipool.scrub.quorum).
contract RocketDAOProtocolSettingsNetwork is RocketBase {
    uint256 private consensusThreshold = 0.51 ether;
    uint256 private scrubQuorum = 0.51 ether;
    uint256 private submitBalancesFrequency = 1 days;
    uint256 private submitPricesFrequency = 1 days;

    constructor(RocketStorage _rocketStorage) RocketBase(_rocketStorage) {
        version = 1;
    }

    function getNodeConsensusThreshold() external view returns (uint256) { return consensusThreshold; }
    function getScrubQuorum() external view returns (uint256) { return scrubQuorum; }
    function getSubmitBalancesFrequency() external view returns (uint256) { return submitBalancesFrequency; }
    function getSubmitPricesFrequency() external view returns (uint256) { return submitPricesFrequency; }

    function setNodeConsensusThreshold(uint256 _value) external onlyGuardian { consensusThreshold = _value; }
    function setScrubQuorum(uint256 _value) external onlyGuardian { scrubQuorum = _value; }
}
