// `vrlab show` on a real lab: the embedded experiment stood up by the real engine under a throwaway
// stack, shown as healthy, then shown as broken once a guest's namespace is deleted behind its back.
import { spawnSync } from "node:child_process";
import { ownerTag } from "../../config/names";
import { type PulumiCli, type CliResult } from "../support/cli";
import { repo, TestStack } from "../support/stack";
import { cmd, leaksOf, namespaces } from "../support/lab";

const MINUTE = 60_000;

describe("vrlab show on the default experiment", () => {
  const stack = `test-show-${process.pid}`;
  const owner = `vrlab-${stack}`;
  const k = (name: string): string => `v${ownerTag(owner)}-${name}`;
  let lab: TestStack;
  let cli: PulumiCli;

  /** `cli/show.ts` as scripts/vrlab runs it, with the throwaway backend's settings. */
  const show = (...args: string[]): CliResult => {
    const r = spawnSync("npx", ["ts-node", "cli/show.ts", stack, ...args], {
      cwd: repo,
      env: cli.env,
      encoding: "utf8",
      timeout: 3 * MINUTE,
      stdio: ["ignore", "pipe", "pipe"],
    });
    return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
  };

  beforeAll(() => {
    lab = new TestStack(stack, undefined, MINUTE); // the embedded experiment, under a throwaway name
    cli = lab.cli;
    cli.ok(["up", "--yes"], 10 * MINUTE);
  }, 12 * MINUTE);

  afterAll(() => lab?.dispose(10 * MINUTE), 21 * MINUTE);

  test(
    "shows the stood-up lab as planned, and exits 0",
    () => {
      const r = show();
      expect([r.code, r.stderr]).toEqual([0, expect.any(String)]);
      const lines = r.stdout.split("\n");
      const row = (name: string): string =>
        lines.find((l) => l.startsWith(`${name} `)) ?? `no row for ${name}`;
      const planned: [string, string, string[]][] = [
        ["server", "server", ["198.18.1.1/24", "198.18.2.1/24"]],
        ["vr1", "guest", ["198.18.1.11/24", "198.18.2.11/24"]],
        ["vr2", "guest", ["198.18.1.12/24", "198.18.2.12/24"]],
        ["vr3", "guest", ["198.18.1.13/24", "198.18.2.13/24"]],
        ["vr4", "guest", ["198.18.1.14/24", "198.18.2.14/24"]],
        ["timer", "timer", ["198.18.2.2/24"]],
        ["gen", "generator", ["198.18.1.2/24"]],
      ];
      for (const [name, kind, addresses] of planned) {
        expect(row(name)).toMatch(
          new RegExp(`^${name} +${kind} +\\S+ +${k(name)} +up +\\S+ +${addresses[0]} `),
        );
        for (const a of addresses) expect(r.stdout).toContain(a);
      }
      expect(row("vr1")).toContain("1 vCPU, 256 MiB, cgroup ok  1000/1000");
      expect(r.stdout).toContain("gen: tbf 1Gbit +24B/frame, server: tbf 1Gbit +24B/frame");
      expect(r.stdout).not.toContain("!");
      expect(r.stdout).toContain("\n7 machines up, 0 missing; 10 links, 0 drifted\n");

      const json = JSON.parse(show("--json").stdout);
      expect(json.exitStatus).toBe(0);
      expect(json.machines.map((m: { name: string; state: string }) => `${m.name} ${m.state}`)).toEqual(
        planned.map(([name]) => `${name} up`),
      );
    },
    6 * MINUTE,
  );

  test(
    "marks a guest whose namespace was deleted behind its back as missing, and exits 1",
    () => {
      cmd("ip", "netns", "del", k("vr3"));
      const r = show();
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(new RegExp(`^vr3 +guest +router +${k("vr3")} +missing `, "m"));
      expect(r.stdout).toMatch(/^vr1 +guest +router +\S+ +up /m);
      expect(r.stdout).toContain("\n6 machines up, 1 missing; 10 links, 2 drifted\n");
      const json = JSON.parse(show("--json").stdout);
      expect(json.exitStatus).toBe(1);
      expect(json.machines.find((m: { name: string }) => m.name === "vr3").state).toBe("missing");
    },
    6 * MINUTE,
  );

  test(
    "destroy leaves nothing of the stack",
    () => {
      cli.ok(["destroy", "--yes"], 10 * MINUTE);
      expect(namespaces().filter((n) => n.startsWith(k("")))).toEqual([]);
      expect(leaksOf(owner)).toEqual([]);
    },
    12 * MINUTE,
  );
});
