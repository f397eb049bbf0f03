// The program as the engine starts it (Pulumi.yaml `main`): TypeScript loaded through
// scripts/register-ts.js (transpiled and cached, never type-checked here), then index.ts.
"use strict";
require("./scripts/register-ts");
module.exports = require("./index.ts");
