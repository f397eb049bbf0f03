// The same components provisioning a remote Linux server over SSH: Debian's OpenSSH running in a lab
// namespace, reached with a key that is a Pulumi secret and a host key that is always verified.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { kernelName } from "../../config/names";
import { type PulumiCli } from "../support/cli";
import { TestStack } from "../support/stack";
import { cmd, leaksOf, links, namespaces } from "../support/lab";
import { sshLabExperiment } from "../support/sshLab";
import { startSshd, type Sshd } from "../support/sshd";

jest.setTimeout(600_000);

const experiment = (sshd: Sshd, hostKey: string): unknown =>
  sshLabExperiment(sshd, { description: "SSH provisioning test", hostKey, routes: 1000, dialTimeoutS: 5 });

describe("provisioning over SSH", () => {
  const stack = `test-ssh-${process.pid}`;
  const owner = `vrlab-${stack}`;
  const k = (name: string): string => kernelName(owner, name);
  let sshd: Sshd;
  let lab: TestStack;
  let cli: PulumiCli;
  let sshdNs: string;

  beforeAll(async () => {
    sshd = await startSshd(1);
    sshdNs = `vrt-ssh-${(process.pid & 0xffff).toString(16).padStart(4, "0")}`;
    // The server's physical NIC, which the lab puts in bridge gen and must give back on destroy.
    cmd("ip", "-n", sshdNs, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0-peer"); // no dummy module here
    // A key that is not the server's: the first up must refuse it.
    const wrong = path.join(sshd.dir, "wrong_host_key");
    execFileSync("ssh-keygen", ["-q", "-N", "", "-t", "ed25519", "-f", wrong]);
    const wrongKey = fs.readFileSync(`${wrong}.pub`, "utf8").trim();
    lab = new TestStack(stack, stringify({ config: { "vrlab:experiment": experiment(sshd, wrongKey) } }));
    cli = lab.cli;
    cli.check(
      ["config", "set"],
      cli.run(["config", "set", "--secret", "vrlab:serverKey"], 60_000, sshd.clientPrivateKey),
    );
  });

  afterAll(async () => {
    lab?.dispose();
    await sshd?.stop();
  });

  test("a wrong host key is refused with a clear error, and nothing is made", () => {
    const up = cli.run(["up", "--yes"]);
    expect(up.code).not.toBe(0);
    expect(up.stdout).toContain(`ssh root@${sshd.host}:22: HOST KEY MISMATCH: expected SHA256:`);
    expect(up.stdout).toContain(`server presented ${sshd.hostKeyFingerprint}`);
    expect(namespaces().filter((n) => n.startsWith(k("")))).toEqual([]);
  });

  test("the right host key and a secret key stand the lab up on the remote server", () => {
    cli.ok(["config", "set", "--path", "vrlab:experiment.server.connection.hostKey", sshd.hostKeyLine]);
    cli.ok(["up", "--yes"]);
    // Guests are namespaces on the server; its bridges live in the server's own stack (sshd's namespace).
    expect(
      namespaces()
        .filter((n) => n.startsWith(k("")))
        .sort(),
    ).toEqual([k("vr1"), k("vr2")]);
    expect(links(sshdNs)).toEqual(expect.arrayContaining([k("gen"), k("time")]));
    expect(links()).not.toContain(k("gen")); // nothing on this machine's own stack
    expect(cmd("ip", "-n", sshdNs, "-o", "link", "show", "dev", "eth0")).toContain(`master ${k("gen")}`);
    expect(cmd("ip", "-n", k("vr1"), "route", "show", "proto", "198").trim().split("\n")).toHaveLength(1000); // vr1's table
    cmd("ip", "netns", "exec", k("vr1"), "ping", "-c", "1", "-W", "2", "198.18.2.12");
    cli.ok(["up", "--yes", "--expect-no-changes"]);
    cli.ok(["refresh", "--yes", "--expect-no-changes"]);
    // The key is a secret: not in state, not in outputs.
    const keyBody = sshd.clientPrivateKey.split("\n")[1];
    expect(keyBody.length).toBeGreaterThan(20);
    expect(cli.stateText()).not.toContain(keyBody);
    expect(cli.ok(["stack", "output", "--json", "--show-secrets"]).stdout).not.toContain(keyBody);
  });

  test("a second stack with the same plan on the same server is refused, and the first is intact", () => {
    const addrs = (): string => cmd("ip", "-n", sshdNs, "-o", "-4", "addr", "show");
    const before = [addrs(), cmd("ip", "-n", sshdNs, "-o", "link", "show", "dev", "eth0")];
    const plan = experiment(sshd, sshd.hostKeyLine);
    const other = new TestStack(
      `test-ssh2-${process.pid}`,
      stringify({ config: { "vrlab:experiment": plan } }),
    );
    try {
      other.cli.check(
        ["config", "set"],
        other.cli.run(["config", "set", "--secret", "vrlab:serverKey"], 60_000, sshd.clientPrivateKey),
      );
      const up = other.cli.run(["up", "--yes"]);
      expect(up.code).not.toBe(0);
      expect(up.stdout).toContain("refusing to change this server");
      expect(up.stdout).toContain(`198.18.1.1/24 overlaps 198.18.1.1/24 on ${k("gen")} (stack ${owner})`);
      expect(up.stdout).toContain(`NIC eth0 is in bridge ${k("gen")} (stack ${owner})`);
      expect([addrs(), cmd("ip", "-n", sshdNs, "-o", "link", "show", "dev", "eth0")]).toEqual(before);
      other.cli.ok(["destroy", "--yes"]);
      expect([addrs(), cmd("ip", "-n", sshdNs, "-o", "link", "show", "dev", "eth0")]).toEqual(before);
      cli.ok(["refresh", "--yes", "--expect-no-changes"]);
    } finally {
      other.dispose();
    }
  });

  test("destroy over SSH leaves nothing behind", () => {
    cli.ok(["destroy", "--yes"]);
    expect(leaksOf(owner)).toEqual([]);
    expect(links(sshdNs).filter((l) => l.startsWith(k("")))).toEqual([]);
    // The NIC is the server's, not the stack's: released from the bridge, never deleted.
    expect(cmd("ip", "-n", sshdNs, "-o", "link", "show", "dev", "eth0")).not.toContain("master");
  });
});
