// Preloaded (`node --require`) into the Node processes the engine starts: programs, through the
// language host's wrapper, and dynamic providers, through their launcher (scripts/setup-engine.sh
// installs all three beside the CLI). @pulumi/pulumi loads the TypeScript compiler and npm's arborist
// at start-up, about 0.27 s of a run, for closure serialization only; a provider process never
// serializes, and vrlab's programs don't either (their providers load by path). Both modules are
// loaded on first use instead, so a program that does serialize still works, only later.
"use strict";
const Module = require("node:module");
const path = require("node:path");

const LAZY = new Set(["typescript", "@npmcli/arborist"]);
const SDK = `${path.sep}@pulumi${path.sep}pulumi${path.sep}`;

if (!globalThis.vrlabLazySdk) {
  globalThis.vrlabLazySdk = true;
  const load = Module._load;
  Module._load = function (request, parent, isMain) {
    if (!LAZY.has(request) || !parent?.filename?.includes(SDK)) return load.apply(this, arguments);
    let real;
    const get = () => (real ??= load.call(this, request, parent, isMain));
    // `__esModule` keeps TypeScript's __importStar from copying (and so loading) every export now.
    return new Proxy(
      {},
      {
        get: (_, key) => (key === "__esModule" && real === undefined ? true : Reflect.get(get(), key)),
        has: (_, key) => Reflect.has(get(), key),
        ownKeys: () => Reflect.ownKeys(get()),
        getOwnPropertyDescriptor: (_, key) => {
          const d = Reflect.getOwnPropertyDescriptor(get(), key);
          return d && { ...d, configurable: true }; // a proxy may not report a non-configurable own key
        },
      },
    );
  };
}
