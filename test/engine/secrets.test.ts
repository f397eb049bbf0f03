// A planted SSH key, used for real against Debian's OpenSSH: it must appear 0 times in the state, in
// the CLI's output and in the engine's log files, at every verbosity that scripts/vrlab allows; the
// levels at which the engine logs provider requests (and so the key) are refused. The key is read
// when used, not copied into resources, so a rotated key works at once for refresh and destroy.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { type CliResult } from "../support/cli";
import { leaksOf } from "../support/lab";
import { sshConnection, sshServer } from "../support/sshLab";
import { startSshd, type Sshd } from "../support/sshd";
import { repo, TestStack } from "../support/stack";

const MINUTE = 60_000;

function experiment(sshd: Sshd): unknown {
  const connection = sshConnection(sshd, sshd.hostKeyLine);
  return {
    description: "planted secret",
    server: sshServer(connection),
    bridges: [{ name: "time", address: "198.18.2.1/24" }],
    guests: [
      {
        name: "vr1",
        role: "router",
        interfaces: [{ name: "eth0", bridge: "time", address: "198.18.2.11/24" }],
      },
    ],
    timer: {
      name: "timer",
      connection,
      nic: { name: "eth0", address: "198.18.2.2/24" },
      link: { bridge: "time" },
    },
    generator: { name: "gen", connection, nic: { name: "eth0" }, link: { bridge: "time" } },
  };
}

describe("a planted SSH key", () => {
  let sshd: Sshd;
  let lab: TestStack;
  let tmp: string;
  const outputs: string[] = [];

  /** scripts/vrlab VERB ARGS with the stack's backend and passphrase, and its own TMPDIR for logs. */
  const vrlab = (...args: string[]): CliResult => {
    const r = spawnSync(path.join(repo, "scripts", "vrlab"), args, {
      cwd: repo,
      env: { ...lab.cli.env, VRLAB_STATE_DIR: lab.cli.backendDir, TMPDIR: tmp },
      encoding: "utf8",
      timeout: 10 * MINUTE,
      maxBuffer: 256 * 2 ** 20,
    });
    const result = { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
    outputs.push(result.stdout, result.stderr);
    return result;
  };
  const ok = (...args: string[]): CliResult => {
    const r = vrlab(...args);
    if (r.code !== 0) throw new Error(`vrlab ${args.join(" ")} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r;
  };
  /** Every line of the key's body that is long enough to be unmistakable. */
  const bodyOf = (key: string): string[] =>
    key.split("\n").filter((l) => l.length >= 20 && !l.startsWith("-----"));
  const hits = (key: string): Record<string, number> => {
    const count = (text: string): number => bodyOf(key).filter((l) => text.includes(l)).length;
    const logs = fs.readdirSync(tmp).map((f) => {
      const p = path.join(tmp, f);
      return fs.statSync(p).isFile() ? fs.readFileSync(p, "utf8") : "";
    });
    return {
      state: count(lab.cli.stateText()),
      output: count(outputs.join("\n")),
      logs: count(logs.join("\n")),
    };
  };

  beforeAll(async () => {
    sshd = await startSshd(3);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "vrlab-secrets-"));
    lab = new TestStack(
      `test-secrets-${process.pid}`,
      stringify({ config: { "vrlab:experiment": experiment(sshd) } }),
    );
    lab.cli.check(
      ["config", "set"],
      lab.cli.run(["config", "set", "--secret", "vrlab:serverKey"], MINUTE, sshd.clientPrivateKey),
    );
  }, 5 * MINUTE);

  afterAll(async () => {
    lab?.dispose(10 * MINUTE);
    await sshd?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }, 12 * MINUTE);

  test(
    "is used, and is found nowhere, at every verbosity vrlab allows",
    () => {
      ok("up", lab.name, "-v=6");
      ok("pulumi", "preview", "--stack", lab.name, "-v", "3", "--logtostderr");
      ok("pulumi", "refresh", "--yes", "--stack", lab.name, "-v=5", "--logflow");
      ok("show", lab.name);
      expect(bodyOf(sshd.clientPrivateKey).length).toBeGreaterThan(2);
      expect(hits(sshd.clientPrivateKey)).toEqual({ state: 0, output: 0, logs: 0 });
    },
    15 * MINUTE,
  );

  test("levels that log provider requests are refused before the engine runs", () => {
    for (const v of [["-v=7"], ["-v", "9"], ["--verbose=11"], ["-v7"]]) {
      const r = vrlab("pulumi", "preview", "--stack", lab.name, ...v);
      expect([r.code, r.stderr]).toEqual([2, expect.stringContaining("secrets")]);
    }
    expect(hits(sshd.clientPrivateKey)).toEqual({ state: 0, output: 0, logs: 0 });
  });

  test(
    "a rotated key is used at once by refresh and destroy",
    () => {
      const next = path.join(tmp, "next_key");
      execFileSync("ssh-keygen", ["-q", "-N", "", "-t", "ed25519", "-f", next]);
      fs.writeFileSync(path.join(sshd.dir, "authorized_keys"), fs.readFileSync(`${next}.pub`));
      const key = fs.readFileSync(next, "utf8");
      fs.rmSync(next);
      fs.rmSync(`${next}.pub`);
      lab.cli.check(
        ["config", "set"],
        lab.cli.run(["config", "set", "--secret", "vrlab:serverKey"], MINUTE, key),
      );
      ok("pulumi", "refresh", "--yes", "--stack", lab.name);
      ok("destroy", lab.name);
      expect(leaksOf(lab.owner)).toEqual([]);
      expect(hits(key)).toEqual({ state: 0, output: 0, logs: 0 });
    },
    15 * MINUTE,
  );
});
