// Validation of what `up` would otherwise trip on midway: kernel names, next hops, subnets, host keys, sizes the
// renderers take, the run root and the suite's label; and the warning for oversubscribed CPUs.
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { ExperimentConfigError, type Problem } from "../../config/errors";
import { loadExperiment, loadStack, parseStackFile, type StackFile } from "../../config/load";
import { capacityWarnings } from "../../config/semantic";
import { cgroupScripts } from "../../drivers/cgroup";

const embeddedFile = path.resolve(__dirname, "../../stacks/Pulumi.embedded.yaml");
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const base = (): Json =>
  structuredClone(parseStackFile(embeddedFile, fs.readFileSync(embeddedFile, "utf8")).experiment);

const stackOf = (experiment: Json, extra: Record<string, unknown> = {}): StackFile =>
  parseStackFile("test.yaml", stringify({ config: { "vrlab:experiment": experiment, ...extra } }));

function problems(experiment: Json, extra: Record<string, unknown> = {}, owner?: string): Problem[] {
  try {
    loadStack(stackOf(experiment, extra), { deploy: false, owner });
  } catch (e) {
    if (!(e instanceof ExperimentConfigError)) throw e;
    return e.problems.map(({ path, message }) => ({ path, message }));
  }
  return [];
}

// A real ed25519 key (ssh-keygen), and the same data under another type's label.
const ED = "AAAAC3NzaC1lZDI1NTE5AAAAIFUh79JQoOCM2qDpbKBbCnISAByazoGnOBfEe/EG8pHO";

describe("names", () => {
  test("31-character names are valid: kernel names hash what does not fit 15 bytes", () => {
    const e = base();
    const long = (s: string): string => `${s}-${"x".repeat(30 - s.length)}`;
    e.bridges[0].name = long("gen");
    for (const g of e.guests) for (const f of g.interfaces) if (f.bridge === "gen") f.bridge = long("gen");
    e.generator.link.bridge = long("gen");
    e.guests[0].name = long("vr1");
    e.timer.name = long("timer");
    e.benchmarks = [];
    expect(long("gen")).toHaveLength(31);
    expect(problems(e)).toEqual([]);
  });

  test("two names whose kernel interface names hash alike are refused, with both paths", () => {
    // Found by search: each pair's 30-bit hashes are equal (config/names.ts).
    const e = base();
    e.bridges.push({ name: "bridge58135" }, { name: "bridge61045" }, { name: "bridge4100" });
    e.guests[0].name = "g57050";
    e.guests[1].name = "g71330";
    e.guests[2].name = "g42967";
    for (const g of e.guests.slice(0, 3)) g.interfaces[0].name = "eth0";
    e.benchmarks = [];
    expect(problems(e)).toEqual([
      {
        path: "bridges[3].name",
        message:
          '"bridge61045" and "bridge58135" (bridges[2].name) hash to the same interface name on the server (aoi3bu after the stack\'s tag): rename one',
      },
      {
        path: "guests[1].interfaces[0].name",
        message:
          '"g71330/eth0" and "g57050/eth0" (guests[0].interfaces[0].name) hash to the same interface name on the server (bzskxf after the stack\'s tag): rename one',
      },
      {
        path: "guests[2].interfaces[0].name",
        message:
          '"g42967/eth0" and "bridge4100" (bridges[4].name) hash to the same interface name on the server (dsq23g after the stack\'s tag): rename one',
      },
    ]);
  });
});

describe("routes", () => {
  test("a next hop no guest interface reaches, or the guest's own, network or broadcast address, is refused", () => {
    const cases: [string, string][] = [
      ["8.8.8.8", "next hop 8.8.8.8 is outside the lab range 198.18.0.0/15: lab traffic would leave the lab"],
      [
        "198.18.9.9",
        'guests "vr1", "vr2", "vr3", "vr4" install this table, but next hop 198.18.9.9 is on none of their subnets: a next hop must be directly reachable',
      ],
      [
        "198.18.2.11",
        'guest "vr1" installs this table, and 198.18.2.11 is its own address (guests[0].interfaces[1].address)',
      ],
      [
        "198.18.2.255",
        'guest "vr1" installs this table, and 198.18.2.255 is the broadcast address of its subnet 198.18.2.0/24',
      ],
      [
        "198.18.1.0",
        'guest "vr1" installs this table, and 198.18.1.0 is the network address of its subnet 198.18.1.0/24',
      ],
    ];
    for (const [via, message] of cases) {
      const e = base();
      e.routingTables[0].via = via;
      expect(problems(e)[0]).toEqual({ path: "routingTables[0].via", message });
    }
    const e = base();
    e.routingTables[0].via = "198.18.1.2"; // the generator, on the guests' other subnet
    expect(problems(e)).toEqual([]);
  });

  test("a guest or machine address outside its bridge's subnet is refused; so is another prefix length", () => {
    const e = base();
    e.guests[0].interfaces[0].address = "198.18.5.11/24";
    e.guests[1].interfaces[0].address = "198.18.1.12/25";
    e.timer.nic.address = "198.18.9.2/24";
    expect(problems(e)).toEqual([
      {
        path: "guests[0].interfaces[0].address",
        message: `198.18.5.11/24 is outside bridge "gen"'s subnet 198.18.1.0/24: nothing on the bridge could reach it`,
      },
      {
        path: "guests[1].interfaces[0].address",
        message: `198.18.1.12/25 has prefix length /25, but bridge "gen"'s subnet 198.18.1.0/24 is /24`,
      },
      {
        path: "timer.nic.address",
        message: `198.18.9.2/24 is outside bridge "time"'s subnet 198.18.2.0/24: nothing on the bridge could reach it`,
      },
    ]);
  });
});

describe("schema and renderers agree", () => {
  test("memory up to the schema's 16 TiB renders as cgroup bytes (a 1 TB server's guests too)", () => {
    const e = base();
    e.server.memoryMiB = 16777216;
    e.guests[0].memoryMiB = 1048576; // 1 TiB: 2^40 bytes, 13 digits
    const model = loadExperiment(stackOf(e), { deploy: false });
    const g = model.guests[0];
    const cgroup = { cgroup: "vabcdefgh-vr1", owner: "vrlab-embedded" };
    expect(cgroupScripts({ ...cgroup, ...g }).want.memoryBytes).toBe(String(2 ** 40));
    expect(() => cgroupScripts({ ...cgroup, vcpus: 1, memoryMiB: 16777216 })).not.toThrow();
  });

  test("hostKey takes ssh-keyscan's `host type key` form, a key line and a fingerprint", () => {
    for (const hostKey of [
      `198.18.0.11 ssh-ed25519 ${ED}`,
      `[r1.lab]:2222,198.18.0.11 ssh-ed25519 ${ED}`,
      `ssh-ed25519 ${ED} root@r1 with spaces`,
      `ssh-ed25519 ${ED} `,
      "SHA256:eS685Uzss0Q/CwtYErMvKLdbTP27HPO75Izuk9vmrN0",
    ]) {
      const e = base();
      e.timer.connection = { kind: "ssh", host: "198.18.0.11", hostKey };
      expect({ hostKey, problems: problems(e) }).toEqual({ hostKey, problems: [] });
    }
  });

  test("a hostKey the SSH client could not pin is a validation error with its path", () => {
    const e = base();
    e.timer.connection = { kind: "ssh", host: "t", hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB" };
    e.generator.connection = { kind: "ssh", host: "g", hostKey: `g ecdsa-sha2-nistp256 ${ED}` };
    expect(problems(e)).toEqual([
      {
        path: "timer.connection.hostKey",
        message:
          '"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB" cannot be pinned: hostKey\'s key data is truncated or not a ssh-ed25519 key',
      },
      {
        path: "generator.connection.hostKey",
        message: `"g ecdsa-sha2-nistp256 ${ED.slice(0, 58)}"... cannot be pinned: hostKey's key data is truncated or not a ecdsa-sha2-nistp256 key`,
      },
    ]);
  });
});

describe("vrlab:runRoot and vrlab:suiteRun", () => {
  const owner = "vrlab-embedded";

  test("are returned validated, with defaults", () => {
    expect(loadStack(stackOf(base()), { deploy: false, owner })).toMatchObject({
      runRoot: "/run/vrlab",
      suiteRun: undefined,
    });
    const extra = { "vrlab:runRoot": "/tmp/vrlab-run", "vrlab:suiteRun": 2 };
    expect(loadStack(stackOf(base(), extra), { deploy: false, owner })).toMatchObject({
      runRoot: "/tmp/vrlab-run",
      suiteRun: "2",
    });
  });

  test("a bad run root or label is a problem with the key as its path, and its line", () => {
    const cases: [Record<string, unknown>, string][] = [
      [
        { "vrlab:runRoot": "tmp/run" },
        `"tmp/run" is not a run root: it must be an absolute path of letters, digits, '.', '_', '-' and '/', with no '..' segment`,
      ],
      [
        { "vrlab:runRoot": "/srv/../etc" },
        `"/srv/../etc" is not a run root: it must be an absolute path of letters, digits, '.', '_', '-' and '/', with no '..' segment`,
      ],
      [
        { "vrlab:runRoot": `/${"r".repeat(250)}` },
        `the stack's run directory "/${"r".repeat(79)}"... would be 266 characters, more than the 256 vrlab allows: choose a shorter run root`,
      ],
      [
        { "vrlab:suiteRun": "again\nvrlab:experiment (x:1): fine" },
        `"again\\nvrlab:experiment (x:1): fine" is not a re-run label: it must be text on one line, at most 100 characters`,
      ],
    ];
    for (const [extra, message] of cases) {
      const key = Object.keys(extra)[0];
      expect(problems(base(), extra, owner)).toEqual([{ path: key, message }]);
    }
    const text = `config:\n  vrlab:runRoot: relative\n  vrlab:experiment: ${JSON.stringify(base())}\n`;
    let err: unknown;
    try {
      loadStack(parseStackFile("stacks/Pulumi.x.yaml", text), { deploy: false, owner });
    } catch (e) {
      err = e;
    }
    expect((err as ExperimentConfigError).problems).toEqual([
      { path: "vrlab:runRoot", line: 2, message: expect.stringMatching(/^"relative" is not a run root/) },
    ]);
  });
});

describe("an empty experiment", () => {
  test.each([
    ["config:\n  vrlab:runRoot: /tmp/x\n  vrlab:experiment:\n", 3, "is empty"],
    ['config:\n  vrlab:experiment: ""\n', 2, "is empty"],
    ["config:\n  vrlab:runRoot: /tmp/x\n", 1, "is not set"],
    ["# nothing here\n", undefined, "is not set"],
  ])("%j fails at once, naming the file and line", (text, line, what) => {
    let err: unknown;
    try {
      loadStack(parseStackFile("stacks/Pulumi.e.yaml", text), { deploy: false });
    } catch (e) {
      err = e;
    }
    expect((err as ExperimentConfigError).problems).toEqual([
      {
        path: "vrlab:experiment",
        line,
        message: `${what}: it holds the experiment (the fields in docs/experiment-fields.md; stacks/Pulumi.embedded.yaml is one)`,
      },
    ]);
    expect((err as Error).message.split("\n")[1]).toBe(
      `  vrlab:experiment (stacks/Pulumi.e.yaml${line ? `:${line}` : ""}): ${what}: it holds the experiment (the fields in docs/experiment-fields.md; stacks/Pulumi.embedded.yaml is one)`,
    );
  });
});

describe("oversubscribed CPUs", () => {
  test("are a warning, not a problem: the forwarding experiment runs 4 one-vCPU routers on 2 cores", () => {
    const e = loadExperiment(stackOf(base()), { deploy: false });
    expect(capacityWarnings(e)).toEqual([
      "the guests have 4 vCPUs in all on the server's 2 CPUs: guests running at once share CPUs, so their benchmarks run slower than alone",
    ]);
    expect(capacityWarnings({ ...e, guests: e.guests.slice(0, 2) })).toEqual([]);
  });

  test("a local server is held to this machine's CPUs when it has fewer than declared", () => {
    const e = loadExperiment(stackOf(base()), { deploy: false });
    const two = { ...e, guests: e.guests.slice(0, 2) };
    expect(capacityWarnings(two, 1)).toEqual([
      "server.cpus is 2, but this machine has 1 CPUs: guests share those",
      "the guests have 2 vCPUs in all on the server's 1 CPUs: guests running at once share CPUs, so their benchmarks run slower than alone",
    ]);
    expect(capacityWarnings(two, 64)).toEqual([]);
  });
});
