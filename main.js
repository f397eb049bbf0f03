// The program as the engine starts it (Pulumi.yaml `main`): TypeScript loaded through
// scripts/register-ts.js (transpiled and cached, never type-checked here), then index.ts.
"use strict";
const path = require("node:path");

// Pulumi takes the stack, each frame source-mapped, for every resource (Resource.callsites) and every
// promise it makes (debuggablePromise, kept for a message about leaked promises): ~0.1 s a run.
// A resource's stack is stored with it, the runner's and the loader's frames too, though only those
// above the loader say where in vrlab it comes from: ~1 KB of state per resource. So a resource's
// stack stops at the loader, and a promise's is left unmapped.
const loader = new Set([__filename, path.join(__dirname, "scripts", "register-ts.js")]);
const prepare = Error.prepareStackTrace;
const plain = (error, frames) => `${error}${frames.map((f) => `\n    at ${f}`).join("")}`;
Error.prepareStackTrace = (error, frames) => {
  const top = frames[0]?.getFunctionName();
  if (top === "debuggablePromise") return plain(error, frames);
  if (top === "callsites") {
    const end = frames.findIndex((f) => loader.has(f.getFileName()));
    if (end > 0) frames = frames.slice(0, end);
  }
  return (prepare ?? plain)(error, frames);
};

// The engine starts the dynamic provider's process (~0.25 s) when the program first needs it, which a
// program declaring its resources synchronously does only once it has declared them all. So it asks
// at once, with an invoke the provider does not implement (its error is the expected answer), and
// yields for the request to go out: the provider starts while index.ts loads.
module.exports = async () => {
  const pulumi = require("@pulumi/pulumi");
  pulumi.runtime.invoke("pulumi-nodejs:dynamic:start", {}).catch(() => undefined);
  await new Promise((resolve) => setImmediate(resolve));
  require("./scripts/register-ts");
  return require("./index.ts");
};
