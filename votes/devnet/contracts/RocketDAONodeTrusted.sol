// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.20;

import "./RocketBase.sol";

/// Membership of the oDAO, with mainnet's getters. Only the actions contract changes it.
contract RocketDAONodeTrusted is RocketBase {
    address[] private members;
    mapping(address => uint256) private memberIndexPlusOne;
    mapping(address => string) private memberIds;
    mapping(address => string) private memberUrls;
    mapping(address => uint256) private memberJoinedTimes;

    constructor(RocketStorage _rocketStorage) RocketBase(_rocketStorage) {
        version = 1;
    }

    function getMemberCount() external view returns (uint256) { return members.length; }
    function getMemberAt(uint256 _index) external view returns (address) { return members[_index]; }
    function getMemberIsValid(address _nodeAddress) external view returns (bool) { return memberIndexPlusOne[_nodeAddress] != 0; }
    function getMemberID(address _nodeAddress) external view returns (string memory) { return memberIds[_nodeAddress]; }
    function getMemberUrl(address _nodeAddress) external view returns (string memory) { return memberUrls[_nodeAddress]; }
    function getMemberJoinedTime(address _nodeAddress) external view returns (uint256) { return memberJoinedTimes[_nodeAddress]; }

    function addMember(address _nodeAddress, string calldata _id, string calldata _url)
        external onlyLatestContract("rocketDAONodeTrustedActions", msg.sender)
    {
        require(memberIndexPlusOne[_nodeAddress] == 0, "This node is already part of the trusted node DAO");
        members.push(_nodeAddress);
        memberIndexPlusOne[_nodeAddress] = members.length;
        memberIds[_nodeAddress] = _id;
        memberUrls[_nodeAddress] = _url;
        memberJoinedTimes[_nodeAddress] = block.timestamp;
    }

    function removeMember(address _nodeAddress) external onlyLatestContract("rocketDAONodeTrustedActions", msg.sender) {
        uint256 indexPlusOne = memberIndexPlusOne[_nodeAddress];
        require(indexPlusOne != 0, "This node is not part of the trusted node DAO");
        address last = members[members.length - 1];
        members[indexPlusOne - 1] = last;
        memberIndexPlusOne[last] = indexPlusOne;
        members.pop();
        delete memberIndexPlusOne[_nodeAddress];
        delete memberJoinedTimes[_nodeAddress];
    }
}
