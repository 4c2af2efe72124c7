// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.20;

import "./RocketBase.sol";

/// A minipool with mainnet's scrub vote: yes-only, scrubbed when votes + 1 > members * quorum.
contract RocketMinipool is RocketBase {
    event ScrubVoted(address indexed member, uint256 time);
    event MinipoolScrubbed(uint256 time);
    event StatusUpdated(uint8 indexed status, uint256 time);

    uint8 constant PRELAUNCH = 1;
    uint8 constant STAKING = 2;
    uint8 constant DISSOLVED = 4;

    address public nodeAddress;
    uint8 private status;
    uint256 private totalScrubVotes;
    mapping(address => bool) private memberScrubVotes;

    constructor(RocketStorage _rocketStorage, address _nodeAddress) RocketBase(_rocketStorage) {
        version = 3;
        nodeAddress = _nodeAddress;
        status = PRELAUNCH;
    }

    function getStatus() external view returns (uint8) { return status; }
    function getTotalScrubVotes() external view returns (uint256) { return totalScrubVotes; }

    function voteScrub() external {
        require(status == PRELAUNCH, "The minipool can only be scrubbed while in prelaunch");
        RocketDAONodeTrustedInterface dao = trustedNodes();
        require(dao.getMemberIsValid(msg.sender), "Not a trusted member");
        require(!memberScrubVotes[msg.sender], "Member has already voted to scrub");
        memberScrubVotes[msg.sender] = true;
        emit ScrubVoted(msg.sender, block.timestamp);
        uint256 quorum = dao.getMemberCount() * networkSettings().getScrubQuorum() / calcBase;
        if (totalScrubVotes + 1 > quorum) {
            status = DISSOLVED;
            emit StatusUpdated(DISSOLVED, block.timestamp);
            emit MinipoolScrubbed(block.timestamp);
        } else {
            totalScrubVotes = totalScrubVotes + 1;
        }
    }

    /// Devnet stand-in for the node's stake() after the scrub period.
    function stake() external onlyGuardian {
        require(status == PRELAUNCH, "The minipool can only begin staking while in prelaunch");
        status = STAKING;
        emit StatusUpdated(STAKING, block.timestamp);
    }
}
