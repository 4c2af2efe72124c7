// Compile a Rocket Pool release with no compiler download: hardhat is told to use solc-js from
// the npm packages installed as `solc-<version>` aliases (towerwatch's votes/devnet/protocol/build.py
// installs them). This file is copied into the release's folder, so hardhat takes that folder as
// the project root and the release's own config and packages are found beside it.
const path = require('path');
const { subtask } = require('hardhat/config');
const { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } = require('hardhat/builtin-tasks/task-names');

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async ({ solcVersion }, hre, runSuper) => {
    let packageJson;
    try {
        packageJson = require.resolve(`solc-${solcVersion}/package.json`, { paths: [__dirname] });
    } catch (missing) {
        return runSuper();
    }
    const folder = path.dirname(packageJson);
    return {
        compilerPath: path.join(folder, 'soljson.js'),
        isSolcJs: true,
        version: solcVersion,
        longVersion: require(folder).version(),
    };
});

module.exports = require('./hardhat.config.js');
