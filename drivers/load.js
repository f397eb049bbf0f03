// Loads one of this project's provider modules in the engine's provider process (drivers/byPath.ts).
// Plain JavaScript because it is what registers ts-node (once per process, transpile only: the tests
// type-check), before any TypeScript module can load.
"use strict";
const path = require("node:path");

module.exports = (modulePath, exportName) => {
  const root = path.resolve(__dirname, "..");
  if (!globalThis.vrlabTsNode) {
    require("ts-node").register({ transpileOnly: true, project: path.join(root, "tsconfig.json") });
    globalThis.vrlabTsNode = true;
  }
  return require(path.join(root, modulePath))[exportName];
};
