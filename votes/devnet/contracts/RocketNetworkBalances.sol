// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.20;

import "./RocketBase.sol";

/// RocketNetworkBalances as of v1.3 (Houston): submissions carry the slot timestamp, and a vote
/// for the block already set is recorded and emitted ("late vote") but changes nothing.
contract RocketNetworkBalances is RocketBase {
    event BalancesSubmitted(address indexed from, uint256 block, uint256 slotTimestamp, uint256 totalEth, uint256 stakingEth, uint256 rethSupply, uint256 blockTimestamp);
    event BalancesUpdated(uint256 indexed block, uint256 slotTimestamp, uint256 totalEth, uint256 stakingEth, uint256 rethSupply, uint256 blockTimestamp);

    constructor(RocketStorage _rocketStorage) RocketBase(_rocketStorage) {
        version = 3;
    }

    function getBalancesBlock() public view returns (uint256) { return getUint(keccak256("network.balances.updated.block")); }
    function getTotalETHBalance() external view returns (uint256) { return getUint(keccak256("network.balance.total")); }
    function getStakingETHBalance() external view returns (uint256) { return getUint(keccak256("network.balance.staking")); }
    function getTotalRETHSupply() external view returns (uint256) { return getUint(keccak256("network.balance.reth.supply")); }

    function submitBalances(uint256 _block, uint256 _slotTimestamp, uint256 _totalEth, uint256 _stakingEth, uint256 _rethSupply)
        external onlyLatestContract("rocketNetworkBalances", address(this)) onlyTrustedNode(msg.sender)
    {
        require(_block < block.number, "Balances can not be submitted for a future block");
        require(_block >= getBalancesBlock(), "Network balances for a higher block are set");
        require(_stakingEth <= _totalEth, "Invalid network balances");
        bytes32 nodeSubmissionKey = keccak256(abi.encodePacked("network.balances.submitted.node", msg.sender, _block, _slotTimestamp, _totalEth, _stakingEth, _rethSupply));
        bytes32 submissionCountKey = keccak256(abi.encodePacked("network.balances.submitted.count", _block, _slotTimestamp, _totalEth, _stakingEth, _rethSupply));
        require(!getBool(nodeSubmissionKey), "Duplicate submission from node");
        setBool(nodeSubmissionKey, true);
        uint256 submissionCount = getUint(submissionCountKey) + 1;
        setUint(submissionCountKey, submissionCount);
        emit BalancesSubmitted(msg.sender, _block, _slotTimestamp, _totalEth, _stakingEth, _rethSupply, block.timestamp);
        if (_block == getBalancesBlock()) {
            return;
        }
        if (reachedConsensus(submissionCount)) {
            updateBalances(_block, _slotTimestamp, _totalEth, _stakingEth, _rethSupply);
        }
    }

    function executeUpdateBalances(uint256 _block, uint256 _slotTimestamp, uint256 _totalEth, uint256 _stakingEth, uint256 _rethSupply)
        external onlyLatestContract("rocketNetworkBalances", address(this))
    {
        require(_block > getBalancesBlock(), "Network balances for an equal or higher block are set");
        bytes32 submissionCountKey = keccak256(abi.encodePacked("network.balances.submitted.count", _block, _slotTimestamp, _totalEth, _stakingEth, _rethSupply));
        require(reachedConsensus(getUint(submissionCountKey)), "Consensus has not been reached");
        updateBalances(_block, _slotTimestamp, _totalEth, _stakingEth, _rethSupply);
    }

    function updateBalances(uint256 _block, uint256 _slotTimestamp, uint256 _totalEth, uint256 _stakingEth, uint256 _rethSupply) private {
        setUint(keccak256("network.balances.updated.block"), _block);
        setUint(keccak256("network.balance.total"), _totalEth);
        setUint(keccak256("network.balance.staking"), _stakingEth);
        setUint(keccak256("network.balance.reth.supply"), _rethSupply);
        emit BalancesUpdated(_block, _slotTimestamp, _totalEth, _stakingEth, _rethSupply, block.timestamp);
    }
}
