// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.20;

import "./RocketBase.sol";

interface RocketDAONodeTrustedMembership {
    function addMember(address _nodeAddress, string calldata _id, string calldata _url) external;
    function removeMember(address _nodeAddress) external;
}

/// Join, leave and kick with mainnet's events. Joining and kicking are proposal-driven on
/// mainnet; on the devnet the guardian stands in for the passed proposal.
contract RocketDAONodeTrustedActions is RocketBase {
    event ActionJoined(address indexed nodeAddress, uint256 rplBondAmount, uint256 time);
    event ActionLeave(address indexed nodeAddress, uint256 rplBondAmount, uint256 time);
    event ActionKick(address indexed nodeAddress, uint256 rplBondAmount, uint256 time);

    uint256 constant rplBond = 1750 ether;

    constructor(RocketStorage _rocketStorage) RocketBase(_rocketStorage) {
        version = 1;
    }

    function membership() private view returns (RocketDAONodeTrustedMembership) {
        return RocketDAONodeTrustedMembership(getContractAddress("rocketDAONodeTrusted"));
    }

    function actionJoinFor(address _nodeAddress, string calldata _id, string calldata _url) external onlyGuardian {
        membership().addMember(_nodeAddress, _id, _url);
        emit ActionJoined(_nodeAddress, rplBond, block.timestamp);
    }

    function actionLeave(address _rplBondRefundAddress) external onlyTrustedNode(msg.sender) {
        require(_rplBondRefundAddress != address(0), "Invalid refund address");
        membership().removeMember(msg.sender);
        emit ActionLeave(msg.sender, rplBond, block.timestamp);
    }

    function actionKick(address _nodeAddress, uint256 _rplFine) external onlyGuardian {
        membership().removeMember(_nodeAddress);
        emit ActionKick(_nodeAddress, _rplFine, block.timestamp);
    }
}
