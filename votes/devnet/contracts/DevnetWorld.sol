// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.20;

/// Ground truth of the devnet's outside world, read at any block: what a beacon node would say
/// the protocol's ETH is, and what the RPL/ETH price source (mainnet: a Uniswap v3 TWAP) says.
/// Not a Rocket Pool contract; towerwatch's reference checks read it as their devnet source.
contract DevnetWorld {
    address public guardian;
    uint256 public beaconTotalEth;
    uint256 public beaconStakingEth;
    uint256 public rplPrice;

    constructor() {
        guardian = msg.sender;
    }

    function setWorld(uint256 _totalEth, uint256 _stakingEth, uint256 _rplPrice) external {
        require(msg.sender == guardian, "Only the simulator moves the world");
        beaconTotalEth = _totalEth;
        beaconStakingEth = _stakingEth;
        rplPrice = _rplPrice;
    }
}
