// Loads the project's TypeScript in the engine's processes (the program and its providers), without
// type-checking (`scripts/vrlab test` does that) and without loading the TypeScript compiler at all
// when nothing changed: each file's JavaScript is cached by a hash of its source, so a run whose files
// are all cached starts in the time Node takes to read them. Plain JavaScript: it is what makes
// TypeScript loadable. Idempotent; the cache lives outside the checkout.
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

// The emit settings of tsconfig.json that matter to one file on its own.
const OPTIONS = { module: "commonjs", target: "es2022", esModuleInterop: true, inlineSourceMap: true };

// Ours replaces any other `.ts` handler: the engine's Node.js runner registers ts-node, type-checking,
// whatever Pulumi.yaml says (the language host built here, v3.68, takes `typescript` only as a flag).
if (!globalThis.vrlabRegisterTs) {
  globalThis.vrlabRegisterTs = true;
  const cacheRoot =
    process.env.VRLAB_CACHE ||
    path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "vrlab");
  const dir = path.join(cacheRoot, "js");
  let ts; // the compiler, loaded on the first file that is not cached
  const compile = (source, filename) => {
    ts = ts || require("typescript");
    const compilerOptions = ts.convertCompilerOptionsFromJson(OPTIONS, path.dirname(filename)).options;
    return ts.transpileModule(source, { compilerOptions, fileName: filename }).outputText;
  };
  // Stack traces in TypeScript positions. The engine's runner and the dynamic provider load
  // source-map-support, which looks for a file's source map in the file on disk (the .ts, which has
  // none), so it is handed the JavaScript, whose map is inline.
  const compiled = new Map();
  let mapper;
  try {
    mapper = require.cache[require.resolve("source-map-support")];
  } catch {
    // not installed: nothing maps stack traces
  }
  mapper?.exports.install({ retrieveFile: (file) => compiled.get(file) ?? null });
  require.extensions[".ts"] = (module, filename) => {
    const source = fs.readFileSync(filename, "utf8");
    const key = crypto
      .createHash("sha256")
      .update(JSON.stringify([OPTIONS, filename, source]))
      .digest("hex");
    const cached = path.join(dir, `${key.slice(0, 32)}.js`);
    let js;
    try {
      js = fs.readFileSync(cached, "utf8");
    } catch {
      js = compile(source, filename);
      try {
        fs.mkdirSync(dir, { recursive: true });
        const tmp = `${cached}.${process.pid}`;
        fs.writeFileSync(tmp, js);
        fs.renameSync(tmp, cached); // atomic: concurrent processes never read half a file
      } catch {
        // a read-only cache only costs the next run its compile
      }
    }
    if (mapper) compiled.set(filename, js);
    module._compile(js, filename);
  };
}
