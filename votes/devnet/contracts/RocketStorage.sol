// SPDX-License-Identifier: GPL-3.0-only
pragma solidity ^0.8.20;

/// Devnet RocketStorage: the same getters as mainnet's eternal storage. The guardian writes
/// addresses directly, which is how Atlas, Houston and Saturn re-pointed names (no event).
contract RocketStorage {
    address public guardian;
    mapping(bytes32 => address) private addressStorage;
    mapping(bytes32 => uint256) private uintStorage;
    mapping(bytes32 => bool) private boolStorage;
    mapping(bytes32 => string) private stringStorage;

    constructor() {
        guardian = msg.sender;
    }

    modifier onlyLatestNetworkContract() {
        require(
            msg.sender == guardian ||
                boolStorage[keccak256(abi.encodePacked("contract.exists", msg.sender))],
            "Invalid or outdated network contract"
        );
        _;
    }

    function getGuardian() external view returns (address) { return guardian; }
    function getAddress(bytes32 _key) external view returns (address) { return addressStorage[_key]; }
    function getUint(bytes32 _key) external view returns (uint256) { return uintStorage[_key]; }
    function getBool(bytes32 _key) external view returns (bool) { return boolStorage[_key]; }
    function getString(bytes32 _key) external view returns (string memory) { return stringStorage[_key]; }

    function setAddress(bytes32 _key, address _value) external onlyLatestNetworkContract { addressStorage[_key] = _value; }
    function setUint(bytes32 _key, uint256 _value) external onlyLatestNetworkContract { uintStorage[_key] = _value; }
    function setBool(bytes32 _key, bool _value) external onlyLatestNetworkContract { boolStorage[_key] = _value; }
    function setString(bytes32 _key, string calldata _value) external onlyLatestNetworkContract { stringStorage[_key] = _value; }
}
