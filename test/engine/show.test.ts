// `vrlab show` on a real lab: the embedded experiment stood up by the real engine under a throwaway
// stack, shown as healthy, then shown as broken once a guest's namespace is deleted behind its back;
// then the same over SSH, on a lab stood up on an OpenSSH server (test/support/sshd.ts).
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { stringify } from "yaml";
import { kernelName } from "../../config/names";
import { type PulumiCli, type CliResult } from "../support/cli";
import { TestStack } from "../support/stack";
import { cmd, leaksOf, links, namespaces } from "../support/lab";
import { sshLabExperiment } from "../support/sshLab";
import { startSshd, type Sshd } from "../support/sshd";

const MINUTE = 60_000;

describe("vrlab show on the default experiment", () => {
  const stack = `test-show-${process.pid}`;
  const owner = `vrlab-${stack}`;
  const k = (name: string): string => kernelName(owner, name);
  let lab: TestStack;
  let cli: PulumiCli;
  const show = (...args: string[]): CliResult => cli.show(...args);

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

describe("vrlab show on a lab whose server is reached over SSH", () => {
  const stack = `test-show-ssh-${process.pid}`;
  const owner = `vrlab-${stack}`;
  const k = (name: string): string => kernelName(owner, name);
  let sshd: Sshd;
  let lab: TestStack;
  let cli: PulumiCli;
  let sshdNs: string;
  const show = (...args: string[]): CliResult => cli.show(...args);
  const keyBody = (): string => sshd.clientPrivateKey.split("\n")[1];

  const experiment = (hostKey: string): unknown =>
    sshLabExperiment(sshd, { description: "vrlab show over SSH", hostKey, routes: 100, dialTimeoutS: 2 });
  /** Changes one field of the server's connection in the stack's config. */
  const setConnection = (field: string, value: string, type: string[] = []): void => {
    cli.ok(["config", "set", "--path", ...type, `vrlab:experiment.server.connection.${field}`, value]);
  };

  beforeAll(async () => {
    sshd = await startSshd(2);
    sshdNs = `vrt-ssh-${(process.pid & 0xffff).toString(16).padStart(4, "0")}`;
    cmd("ip", "-n", sshdNs, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0-peer");
    const text = stringify({ config: { "vrlab:experiment": experiment(sshd.hostKeyLine) } });
    lab = new TestStack(stack, text, MINUTE);
    cli = lab.cli;
    cli.check(
      ["config", "set"],
      cli.run(["config", "set", "--secret", "vrlab:serverKey"], MINUTE, sshd.clientPrivateKey),
    );
    cli.ok(["up", "--yes"], 10 * MINUTE);
  }, 12 * MINUTE);

  afterAll(async () => {
    lab?.dispose(10 * MINUTE);
    await sshd?.stop();
  }, 12 * MINUTE);

  test(
    "probes the server over SSH, shows the lab as planned, and exits 0",
    () => {
      expect(links()).not.toContain(k("gen")); // the bridges are on the server, not on this machine
      const r = show();
      expect([r.code, r.stderr]).toEqual([0, expect.any(String)]);
      expect(r.stdout).toContain(`${owner} (tag `);
      expect(r.stdout).toContain(`, remote server ssh root@${sshd.host}:22\n`);
      expect(r.stdout).toMatch(/^server +server +- +- +up +\S+-gen +198\.18\.1\.1\/24 /m);
      expect(r.stdout).toMatch(
        new RegExp(`^vr1 +guest +router +${k("vr1")} +up .* cgroup ok +100/100$`, "m"),
      );
      expect(r.stdout).toMatch(new RegExp(`^vr2 +guest +router +${k("vr2")} +up `, "m"));
      expect(r.stdout).toMatch(new RegExp(`^${k("gen")} +server eth0 +eth0 +up`, "m"));
      expect(r.stdout).toContain("\n3 machines up, 0 missing, 2 not probed; 5 links, 0 drifted\n");
      expect(JSON.parse(show("--json").stdout).exitStatus).toBe(0);
      expect(`${r.stdout}${r.stderr}`).not.toContain(keyBody());
    },
    6 * MINUTE,
  );

  test(
    "marks a deleted guest and a NIC taken out of its bridge, and exits 1",
    () => {
      cmd("ip", "netns", "del", k("vr2"));
      cmd("ip", "-n", sshdNs, "link", "set", "dev", "eth0", "nomaster");
      const r = show();
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(new RegExp(`^vr2 +guest +router +${k("vr2")} +missing `, "m"));
      expect(r.stdout).toMatch(new RegExp(`^${k("gen")} +server eth0 +eth0 +detached`, "m"));
      expect(r.stdout).toContain("\n2 machines up, 1 missing, 2 not probed; 5 links, 3 drifted\n");
      cli.ok(["up", "--yes", "--refresh"], 10 * MINUTE); // puts both back
      expect(show().code).toBe(0);
    },
    14 * MINUTE,
  );

  test(
    "a wrong host key, an unreachable server or a missing secret is an error: exit 2, and the key is never shown",
    () => {
      const wrong = path.join(sshd.dir, "wrong_host_key");
      execFileSync("ssh-keygen", ["-q", "-N", "", "-t", "ed25519", "-f", wrong]);
      const wrongKey = execFileSync("cat", [`${wrong}.pub`], { encoding: "utf8" }).trim();
      const outputs: string[] = [];
      const failed = (pattern: RegExp): void => {
        const r = show();
        outputs.push(r.stdout, r.stderr);
        expect([r.code, r.stdout]).toEqual([2, ""]);
        expect(r.stderr).toMatch(pattern);
      };
      setConnection("hostKey", wrongKey);
      failed(
        new RegExp(
          `cannot probe the lab of stack "${stack}": ssh root@${sshd.host.replace(/\./g, "\\.")}:22: HOST KEY MISMATCH: expected SHA256:`,
        ),
      );
      setConnection("hostKey", sshd.hostKeyLine);
      setConnection("port", "2222", ["--type", "int"]);
      failed(/:2222: connect ECONNREFUSED \S+ \(after 3 attempts\)$/m);
      setConnection("port", "22", ["--type", "int"]);
      cli.ok(["config", "rm", "vrlab:serverKey"]);
      failed(/vrlab:serverKey is not set: scripts\/vrlab pulumi config set --secret vrlab:serverKey/);
      cli.check(
        ["config", "set"],
        cli.run(["config", "set", "--secret", "vrlab:serverKey"], MINUTE, sshd.clientPrivateKey),
      );
      expect(show().code).toBe(0);
      for (const o of outputs) expect(o).not.toContain(keyBody());
    },
    10 * MINUTE,
  );

  test(
    "destroy over SSH leaves nothing behind",
    () => {
      cli.ok(["destroy", "--yes"], 10 * MINUTE);
      expect(leaksOf(owner)).toEqual([]);
      expect(links(sshdNs).filter((l) => l.startsWith(k("")))).toEqual([]);
    },
    12 * MINUTE,
  );
});
