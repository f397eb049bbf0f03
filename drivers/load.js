// Loads one of this project's provider modules in the engine's provider process (drivers/byPath.ts),
// through the same cached TypeScript loader as the program (scripts/register-ts.js).
"use strict";
const path = require("node:path");

module.exports = (modulePath, exportName) => {
  const root = path.resolve(__dirname, "..");
  require(path.join(root, "scripts", "register-ts"));
  return require(path.join(root, modulePath))[exportName];
};
