// How config problems reach the user: once, as `path (file:line): message` lines, ending the program
// as a pulumi.RunError (printed without a stack trace), with hostile values escaped.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { ExperimentConfigError, formatProblem, pathString, quoted } from "../../config/errors";
import { loadExperiment, parseStackFile } from "../../config/load";
import { stackConfig } from "../../config/pulumi";

const embeddedFile = path.resolve(__dirname, "../../stacks/Pulumi.embedded.yaml");
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const base = (): any =>
  structuredClone(parseStackFile(embeddedFile, fs.readFileSync(embeddedFile, "utf8")).experiment);

function failure(experiment: unknown): ExperimentConfigError {
  const text = stringify({ config: { "vrlab:experiment": experiment } });
  try {
    loadExperiment(parseStackFile("stacks/Pulumi.h.yaml", text), { deploy: false });
  } catch (e) {
    if (e instanceof ExperimentConfigError) return e;
    throw e;
  }
  throw new Error("expected an ExperimentConfigError");
}

describe("quoting values", () => {
  test("escapes controls, bidi and all non-ASCII, and cuts long values", () => {
    expect(quoted("vr1")).toBe('"vr1"');
    expect(quoted("a\nb\u202ec\u2066d é")).toBe('"a\\nb\\u202ec\\u2066d \\u00e9"');
    expect(quoted("x".repeat(100))).toBe(`"${"x".repeat(80)}"...`);
    expect(quoted(42)).toBe("42");
    expect(quoted(null)).toBe("null");
    expect(quoted({ a: ["\u202e"] })).toBe('{"a":["\\u202e"]}');
    expect(quoted(undefined)).toBe("<undefined>");
  });

  test("a path with a hostile key shows the key quoted", () => {
    expect(pathString(["server", "colour\n  x", "guests", 1])).toBe('server["colour\\n  x"].guests[1]');
  });

  test("formatProblem is one line even when a message forgot to quote", () => {
    expect(formatProblem({ path: "a", line: 3, message: "x\ny\u202ez" }, "f.yaml")).toBe(
      "a (f.yaml:3): x\\u000ay\\u202ez",
    );
  });

  test("hostile names, values and keys cannot fake a line or reorder the report", () => {
    const e = base();
    const evil = "vr1\n  server.name (stacks/Pulumi.h.yaml:1): looks fine\u202e";
    e.guests[1].name = evil;
    e.guests[2].name = "vr1";
    e.guests[0].interfaces[0].bridge = evil;
    e.server[`colour\n  fake (x:1): line\u2067`] = "blue";
    e.routingTables[0].via = `1.2.3.4\u202e`;
    const err = failure(e);
    const lines = err.message.split("\n");
    expect(lines).toHaveLength(1 + err.problems.length);
    for (const line of lines) expect(line).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u);
    for (const line of lines.slice(1)) expect(line).toMatch(/^ {2}[^ ].* \(stacks\/Pulumi\.h\.yaml:\d+\): /);
    expect(lines).toContain(
      '  guests[0].interfaces[0].bridge (stacks/Pulumi.h.yaml:35): no bridge named "vr1\\n  server.name (stacks/Pulumi.h.yaml:1): looks fine\\u202e" (known: gen, time)',
    );
    expect(lines).toContain(
      '  server["colour\\n  fake (x:1): line\\u2067"] (stacks/Pulumi.h.yaml:21): is not a known field',
    );
  });
});

describe("stackConfig", () => {
  let dir: string;
  const write = (text: string): void => {
    fs.mkdirSync(path.join(dir, "stacks"), { recursive: true });
    fs.writeFileSync(path.join(dir, "stacks", "Pulumi.cfgtest.yaml"), text);
  };
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "vrlab-config-"));
    await pulumi.runtime.setMocks(
      { newResource: (a) => ({ id: a.name, state: a.inputs }), call: (a) => a.inputs },
      "vrlab",
      "cfgtest",
      true,
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  let warn: jest.SpyInstance;
  beforeEach(() => (warn = jest.spyOn(pulumi.log, "warn").mockImplementation(() => Promise.resolve())));
  afterEach(() => {
    warn.mockRestore();
    pulumi.runtime.setAllConfig({});
  });

  test("ends the program with a pulumi.RunError listing every problem once, plainly", () => {
    const e = base();
    e.guests[0].name = "VR1";
    e.benchmarks = [];
    write(stringify({ config: { "vrlab:runRoot": "relative", "vrlab:experiment": e } }));
    let err: unknown;
    try {
      stackConfig(dir);
    } catch (x) {
      err = x;
    }
    expect(pulumi.RunError.isInstance(err)).toBe(true);
    expect((err as Error).message).toBe(
      [
        "stacks/Pulumi.cfgtest.yaml: 2 problems in vrlab's config (nothing was touched)",
        "  vrlab:runRoot (stacks/Pulumi.cfgtest.yaml:2): \"relative\" is not a run root: it must be an absolute path of letters, digits, '.', '_', '-' and '/', with no '..' segment",
        `  guests[0].name (stacks/Pulumi.cfgtest.yaml:30): "VR1" is not allowed here: Lowercase letters, digits and '-', starting with a letter, at most 31 characters.`,
      ].join("\n"),
    );
  });

  test("an empty experiment names its line; values the engine holds win over the file", () => {
    write("config:\n  vrlab:runRoot: /tmp/r\n  vrlab:experiment:\n");
    expect(() => stackConfig(dir)).toThrow(
      "  vrlab:experiment (stacks/Pulumi.cfgtest.yaml:3): is empty: it holds the experiment",
    );
    pulumi.runtime.setAllConfig({ "vrlab:experiment": JSON.stringify(base()), "vrlab:suiteRun": "b" });
    expect(stackConfig(dir)).toMatchObject({ runRoot: "/tmp/r", suiteRun: "b" });
  });

  test("warns once, plainly, of more vCPUs than CPUs, and goes on", () => {
    write(stringify({ config: { "vrlab:experiment": base() } }));
    expect(stackConfig(dir).experiment.guests).toHaveLength(4);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatch(
      /^vrlab:experiment: the guests have 4 vCPUs in all on the server's [12] CPUs: guests running at once share CPUs/,
    );
  });
});
