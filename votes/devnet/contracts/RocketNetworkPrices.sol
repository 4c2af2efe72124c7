// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.20;

import "./RocketBase.sol";

/// RocketNetworkPrices as of v1.3 (Houston): adds the slot timestamp and accepts late votes.
/// Its selector and topics collide with v1.0's (third field rplPrice here, effectiveRplStake there).
contract RocketNetworkPrices is RocketBase {
    event PricesSubmitted(address indexed from, uint256 block, uint256 slotTimestamp, uint256 rplPrice, uint256 time);
    event PricesUpdated(uint256 indexed block, uint256 slotTimestamp, uint256 rplPrice, uint256 time);

    constructor(RocketStorage _rocketStorage) RocketBase(_rocketStorage) {
        version = 4;
    }

    function getPricesBlock() public view returns (uint256) { return getUint(keccak256("network.prices.updated.block")); }
    function getRPLPrice() external view returns (uint256) { return getUint(keccak256("network.prices.rpl")); }

    function submitPrices(uint256 _block, uint256 _slotTimestamp, uint256 _rplPrice)
        external onlyLatestContract("rocketNetworkPrices", address(this)) onlyTrustedNode(msg.sender)
    {
        require(_block < block.number, "Prices can not be submitted for a future block");
        require(_block >= getPricesBlock(), "Network prices for a higher block are set");
        bytes32 nodeSubmissionKey = keccak256(abi.encodePacked("network.prices.submitted.node", msg.sender, _block, _slotTimestamp, _rplPrice));
        bytes32 submissionCountKey = keccak256(abi.encodePacked("network.prices.submitted.count", _block, _slotTimestamp, _rplPrice));
        require(!getBool(nodeSubmissionKey), "Duplicate submission from node");
        setBool(nodeSubmissionKey, true);
        uint256 submissionCount = getUint(submissionCountKey) + 1;
        setUint(submissionCountKey, submissionCount);
        emit PricesSubmitted(msg.sender, _block, _slotTimestamp, _rplPrice, block.timestamp);
        if (_block == getPricesBlock()) {
            return;
        }
        if (reachedConsensus(submissionCount)) {
            setUint(keccak256("network.prices.updated.block"), _block);
            setUint(keccak256("network.prices.rpl"), _rplPrice);
            emit PricesUpdated(_block, _slotTimestamp, _rplPrice, block.timestamp);
        }
    }
}
