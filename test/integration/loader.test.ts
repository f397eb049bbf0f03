// What the engine's Node processes load: scripts/lazy-sdk.js (preloaded by the launchers that
// scripts/setup-engine.sh installs) defers the SDK's closure-serialization modules to first use, and
// scripts/register-ts.js gives stack traces in TypeScript positions. Real Node processes.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.resolve(__dirname, "../..");
const node = (args: string[]): string => {
  const r = spawnSync("node", args, { cwd: root, encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new Error(`node ${args.join(" ")}: exit ${r.status}\n${r.stderr}`);
  return r.stdout;
};
// Which of the deferred modules are loaded after `require("@pulumi/pulumi")`, and after serializing.
const probe = `
  const loaded = () => Object.keys(require.cache)
    .filter((f) => /node_modules\\/(typescript|@npmcli\\/arborist)\\//.test(f))
    .map((f) => f.match(/node_modules\\/(typescript|@npmcli\\/arborist)\\//)[1]);
  const pulumi = require("@pulumi/pulumi");
  const before = [...new Set(loaded())].sort();
  const x = 41;
  pulumi.runtime.serializeFunction(() => x + 1).then((s) => {
    const after = [...new Set(loaded())].sort();
    console.log(JSON.stringify({ before, after, text: s.text }));
  });`;

describe("scripts/lazy-sdk.js", () => {
  test("without it, loading @pulumi/pulumi loads TypeScript and arborist", () => {
    expect(JSON.parse(node(["-e", probe])).before).toEqual(["@npmcli/arborist", "typescript"]);
  });

  test("with it, they load on first use, and closure serialization still works", () => {
    const r = JSON.parse(node(["--require", "./scripts/lazy-sdk.js", "-e", probe]));
    expect(r.before).toEqual([]);
    expect(r.after).toContain("typescript");
    expect(r.text).toMatch(/\bx: 41\b/); // the captured variable is in the serialized closure
  });
});

describe("scripts/register-ts.js", () => {
  test("stack traces name TypeScript lines where source-map-support is loaded", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vrlab-loader-"));
    try {
      const file = path.join(dir, "thrower.ts");
      // Type-only lines vanish from the JavaScript, so its line numbers differ from these.
      const lines = ["interface A {", "  a: number;", "}", "type B = A;", "export const f = (b?: B) => {"];
      fs.writeFileSync(file, [...lines, "  throw new Error(`boom ${b}`);", "};", ""].join("\n"));
      const run = (preload: string[]) =>
        node([
          "-e",
          `${preload.join(";")}; require("./scripts/register-ts");
           try { require(${JSON.stringify(file)}).f() } catch (e) { console.log(e.stack) }`,
        ]);
      expect(run(['require("source-map-support").install()'])).toContain(`${file}:6:`);
      expect(run([])).not.toContain(`${file}:6:`); // unmapped: the JavaScript's own line
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
