// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.20;

import "./RocketBase.sol";

/// The rewards submission struct of v1.1-v1.3; it is part of the event signatures.
struct RewardSubmission {
    uint256 rewardIndex;
    uint256 executionBlock;
    uint256 consensusBlock;
    bytes32 merkleRoot;
    string merkleTreeCID;
    uint256 intervalsPassed;
    uint256 treasuryRPL;
    uint256[] trustedNodeRPL;
    uint256[] nodeRPL;
    uint256[] nodeETH;
    uint256 userETH;
}

/// RocketRewardsPool as of v1.3: one vote per (member, whole struct); a different CID string is
/// a different vote. Votes for past intervals are recorded and emitted but change nothing.
contract RocketRewardsPool is RocketBase {
    event RewardSnapshotSubmitted(address indexed from, uint256 indexed rewardIndex, RewardSubmission submission, uint256 time);
    event RewardSnapshot(uint256 indexed rewardIndex, RewardSubmission submission, uint256 intervalStartTime, uint256 intervalEndTime, uint256 time);

    uint256 public claimIntervalTime;

    constructor(RocketStorage _rocketStorage, uint256 _claimIntervalTime) RocketBase(_rocketStorage) {
        version = 4;
        claimIntervalTime = _claimIntervalTime;
    }

    function getRewardIndex() public view returns (uint256) { return getUint(keccak256("rewards.snapshot.index")); }
    function getClaimIntervalTimeStart() public view returns (uint256) { return getUint(keccak256("rewards.pool.claim.interval.time.start")); }
    function getClaimIntervalTime() external view returns (uint256) { return claimIntervalTime; }

    /// Devnet bootstrap: the first interval starts when the guardian says so.
    function setClaimIntervalTimeStart(uint256 _time) external onlyGuardian {
        setUint(keccak256("rewards.pool.claim.interval.time.start"), _time);
    }

    function submitRewardSnapshot(RewardSubmission calldata _submission)
        external onlyLatestContract("rocketRewardsPool", address(this)) onlyTrustedNode(msg.sender)
    {
        uint256 currentIndex = getRewardIndex();
        require(_submission.rewardIndex <= currentIndex, "Can only submit snapshot for next period");
        require(_submission.intervalsPassed > 0, "Invalid number of intervals passed");
        require(_submission.nodeRPL.length == _submission.trustedNodeRPL.length, "Invalid array length");
        require(_submission.nodeRPL.length == _submission.nodeETH.length, "Invalid array length");
        bytes32 submissionHash = keccak256(abi.encode(_submission));
        bytes32 nodeSubmissionKey = keccak256(abi.encodePacked("rewards.snapshot.submitted.node.key", msg.sender, submissionHash));
        bytes32 submissionCountKey = keccak256(abi.encodePacked("rewards.snapshot.submitted.count", submissionHash));
        require(!getBool(nodeSubmissionKey), "Duplicate submission from node");
        setBool(nodeSubmissionKey, true);
        uint256 submissionCount = getUint(submissionCountKey) + 1;
        setUint(submissionCountKey, submissionCount);
        emit RewardSnapshotSubmitted(msg.sender, _submission.rewardIndex, _submission, block.timestamp);
        if (_submission.rewardIndex < currentIndex) {
            return;
        }
        if (reachedConsensus(submissionCount)) {
            executeSnapshot(_submission);
        }
    }

    function executeRewardSnapshot(RewardSubmission calldata _submission)
        external onlyLatestContract("rocketRewardsPool", address(this))
    {
        require(_submission.rewardIndex == getRewardIndex(), "Can only execute snapshot for next period");
        bytes32 submissionCountKey = keccak256(abi.encodePacked("rewards.snapshot.submitted.count", keccak256(abi.encode(_submission))));
        require(reachedConsensus(getUint(submissionCountKey)), "Consensus has not been reached");
        executeSnapshot(_submission);
    }

    function executeSnapshot(RewardSubmission calldata _submission) private {
        uint256 intervalStart = getClaimIntervalTimeStart();
        uint256 intervalEnd = intervalStart + claimIntervalTime * _submission.intervalsPassed;
        setUint(keccak256("rewards.snapshot.index"), _submission.rewardIndex + 1);
        setUint(keccak256("rewards.pool.claim.interval.time.start"), intervalEnd);
        emit RewardSnapshot(_submission.rewardIndex, _submission, intervalStart, intervalEnd, block.timestamp);
    }
}
