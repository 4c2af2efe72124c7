// Compiles every .sol file in ./contracts with the pinned solc-js and prints
// {ContractName: {abi, bytecode}} as JSON on stdout. Called by votes/devnet/compiler.py.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const solc = require("solc");
const dir = path.join(path.dirname(new URL(import.meta.url).pathname), "contracts");
const sources = {};
for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".sol")).sort()) {
  sources[file] = { content: fs.readFileSync(path.join(dir, file), "utf8") };
}
const input = {
  language: "Solidity",
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    viaIR: false,
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === "error");
if (errors.length) {
  for (const e of errors) process.stderr.write(e.formattedMessage + "\n");
  process.exit(1);
}
const artifacts = {};
for (const file of Object.keys(output.contracts)) {
  for (const [name, c] of Object.entries(output.contracts[file])) {
    if (c.evm.bytecode.object) artifacts[name] = { abi: c.abi, bytecode: "0x" + c.evm.bytecode.object };
  }
}
process.stdout.write(JSON.stringify(artifacts));
