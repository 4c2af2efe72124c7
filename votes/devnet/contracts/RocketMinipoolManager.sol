// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.20;

import "./RocketMinipool.sol";

/// Creates minipools and answers which addresses are minipools, as mainnet's manager does.
contract RocketMinipoolManager is RocketBase {
    event MinipoolCreated(address indexed minipool, address indexed node, uint256 time);

    address[] private minipools;
    mapping(address => bool) private exists;

    constructor(RocketStorage _rocketStorage) RocketBase(_rocketStorage) {
        version = 4;
    }

    function getMinipoolCount() external view returns (uint256) { return minipools.length; }
    function getMinipoolAt(uint256 _index) external view returns (address) { return minipools[_index]; }
    function getMinipoolExists(address _minipoolAddress) external view returns (bool) { return exists[_minipoolAddress]; }

    function createMinipool(address _nodeAddress) external onlyGuardian returns (address) {
        RocketMinipool minipool = new RocketMinipool(rocketStorage, _nodeAddress);
        minipools.push(address(minipool));
        exists[address(minipool)] = true;
        emit MinipoolCreated(address(minipool), _nodeAddress, block.timestamp);
        return address(minipool);
    }
}
