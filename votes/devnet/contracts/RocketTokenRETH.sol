// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.20;

import "./RocketBase.sol";

/// rETH reduced to what the oDAO reports: totalSupply(). The simulator moves it as deposits
/// and burns would.
contract RocketTokenRETH is RocketBase {
    uint256 public totalSupply;

    constructor(RocketStorage _rocketStorage) RocketBase(_rocketStorage) {
        version = 1;
    }

    function setTotalSupply(uint256 _totalSupply) external onlyGuardian {
        totalSupply = _totalSupply;
    }
}
