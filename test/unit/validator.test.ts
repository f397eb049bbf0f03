// The cached schema validator (config/validator.ts): ajv's standalone code, loaded from the cache,
// must judge exactly as ajv's own compile does, errors and all; a bad cache file is recompiled.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import schema from "../../config/experiment.schema.json";
import { cachedValidator, compileValidator } from "../../config/validator";

const ref = "#/definitions/experiment";
const inputs: unknown[] = [
  {},
  { server: { name: "s", cpus: "two" }, guests: [{ name: "BAD NAME", interfaces: [] }] },
  { server: { connection: { kind: "telnet" } }, benchmarks: [{ kind: "forwarding", sweep: [0] }] },
  { routingTables: [{ name: "t", routes: 0, via: "x", generate: { within: "1.2.3.0/24" } }], extra: 1 },
];

describe("cachedValidator", () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "vrlab-ajv-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("compiles once, caches, and the cached code judges as ajv's compile does", () => {
    const reference = compileValidator(schema, ref).validate;
    const first = cachedValidator(schema, ref, dir); // compiles and writes the cache
    expect(fs.readdirSync(dir).filter((f) => f.endsWith(".js"))).toHaveLength(1);
    const cached = cachedValidator(schema, ref, dir); // loads the cached code
    expect(cached).not.toBe(first);
    for (const input of inputs) {
      expect(cached(input)).toBe(reference(input));
      expect(cached.errors).toEqual(reference.errors);
      expect((cached.errors ?? []).length).toBeGreaterThan(0);
    }
  });

  test("a corrupt cache file is compiled afresh", () => {
    cachedValidator(schema, ref, dir);
    const [file] = fs.readdirSync(dir);
    fs.writeFileSync(path.join(dir, file), "this is not JavaScript {");
    const v = cachedValidator(schema, ref, dir);
    expect(v({})).toBe(false);
    expect(v.errors?.map((e) => e.keyword)).toContain("required");
  });
});
