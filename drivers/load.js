// Loads one of this project's providers in the engine's provider process (drivers/byPath.ts),
// through the same cached TypeScript loader as the program (scripts/register-ts.js). A provider is
// named by a short key, since every resource's state holds the call; the (module, export) form is
// what stacks made before the keys hold, and stays accepted.
"use strict";
const path = require("node:path");

const PROVIDERS = {
  scripted: ["drivers/scriptedProvider", "scriptedProvider"],
  suite: ["components/suiteProvider", "suiteProvider"],
};

module.exports = (name, exportName) => {
  const [modulePath, exported] = exportName ? [name, exportName] : PROVIDERS[name] || [];
  if (!modulePath)
    throw new Error(`vrlab: no provider "${name}" (have: ${Object.keys(PROVIDERS).join(", ")})`);
  const root = path.resolve(__dirname, "..");
  require(path.join(root, "scripts", "register-ts"));
  return require(path.join(root, modulePath))[exported];
};
