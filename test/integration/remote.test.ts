// The runner against real processes, a real network namespace and a real OpenSSH server. No mocks.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as net from "node:net";
import { join } from "node:path";
import { utils } from "ssh2";
import { run, runOk } from "../../remote/run";
import { script } from "../../remote/script";
import { fingerprintOf, parseHostKey, SshTarget } from "../../remote/ssh";
import { Credentials } from "../../remote/types";
import { Sshd, startSshd } from "../support/sshd";
import { rejection } from "../support/rejection";

jest.setTimeout(30_000);

const HEX = (process.pid & 0xffff).toString(16).padStart(4, "0");

/** A process is gone once it has no /proc entry or is a zombie nobody reaped yet. */
function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z";
  } catch {
    return false;
  }
}

async function waitGone(pid: number, ms = 5_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
    if (!alive(pid)) return true;
  }
  return false;
}

describe("local runner", () => {
  const ns = `vrt-run-${HEX}`;
  const local = { kind: "local" } as const;

  beforeAll(() => execFileSync("ip", ["netns", "add", ns]));
  afterAll(() => {
    try {
      execFileSync("ip", ["netns", "del", ns], { stdio: "ignore" });
    } catch {
      // never created
    }
  });

  it("returns exit code and output without throwing on failure", async () => {
    const r = await run(local, {}, "echo out; echo err >&2; exit 3");
    expect(r).toEqual({ code: 3, stdout: "out\n", stderr: "err\n" });
  });

  it("delivers stdin", async () => {
    const big = "x".repeat(1 << 20);
    expect((await run(local, {}, "cat", { stdin: "a\nb\n" })).stdout).toBe("a\nb\n");
    expect((await run(local, {}, "wc -c", { stdin: big })).stdout.trim()).toBe(String(big.length));
  });

  it("runs a netns target inside that namespace", async () => {
    const r = await runOk({ kind: "local", netns: ns }, {}, "ip netns identify; ip -o link | wc -l");
    expect(r.stdout).toBe(`${ns}\n1\n`); // the fresh namespace holds only lo
    const outer = execFileSync("readlink", ["/proc/self/ns/net"], { encoding: "utf8" });
    const inner = await runOk({ kind: "local", netns: ns }, {}, "readlink /proc/self/ns/net");
    expect(inner.stdout).toMatch(/^net:\[\d+\]\n$/);
    expect(inner.stdout).not.toBe(outer);
  });

  it("kills the whole process group on timeout and rejects naming the host", async () => {
    const started = Date.now();
    const e = await rejection(
      run({ kind: "local", netns: ns }, {}, "sleep 30 & echo bg=$!; wait", { timeoutMs: 500 }),
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(e.message).toContain(`local netns ${ns}: timed out after 0.5 s`);
    expect(e.host).toBe(`local netns ${ns}`);
    const bg = Number(/bg=(\d+)/.exec(e.tail)?.[1]);
    expect(bg).toBeGreaterThan(0);
    expect(await waitGone(bg)).toBe(true);
  });

  it("runOk rejects with host, command, exit code and output tail", async () => {
    const script = "# a comment first\necho step-one\necho broke >&2\nexit 4";
    const e = await rejection(runOk(local, {}, script));
    expect(e.name).toBe("RemoteError");
    expect(e).toMatchObject({ host: "local", command: script, code: 4 });
    expect(e.tail).toMatch(/^step-one\n+broke$/);
    expect(e.message).toMatch(/^local: exit 4 running `echo step-one`/);
    expect(e.message).toMatch(/--- output tail ---\nstep-one\n+broke$/);
  });
});

/**
 * A fresh ed25519 key pair from ssh-keygen, as test/support/sshd.ts makes its own: ssh2's
 * utils.generateKeyPairSync("ed25519") gives a key its own parser refuses about 4 times in 1,000.
 */
function keyPair(dir: string, name: string): { private: string; public: string } {
  const file = join(dir, `${name}-${HEX}`);
  execFileSync("ssh-keygen", ["-q", "-N", "", "-t", "ed25519", "-C", name, "-f", file]);
  return { private: readFileSync(file, "utf8"), public: readFileSync(`${file}.pub`, "utf8").trim() };
}

describe("ssh runner against a real OpenSSH server", () => {
  let sshd: Sshd | undefined;
  let target: SshTarget;
  let creds: Credentials;
  let silent: net.Server | undefined;
  const silentSockets: net.Socket[] = [];

  beforeAll(async () => {
    sshd = await startSshd();
    target = {
      kind: "ssh",
      host: sshd.host,
      port: sshd.port,
      user: sshd.user,
      hostKey: sshd.hostKeyLine,
      dialTimeoutS: 5,
    };
    creds = { privateKey: sshd.clientPrivateKey };
  });
  afterAll(async () => {
    silentSockets.forEach((s) => s.destroy());
    await new Promise((r) => (silent ? silent.close(r) : r(undefined)));
    await sshd?.stop();
  });

  /** A TCP listener in the lab range that accepts connections and never says a word. */
  async function silentServer(): Promise<number> {
    if (!silent) {
      const server = net.createServer((s) => silentSockets.push(s));
      await new Promise<void>((r) => server.listen(0, "198.18.250.1", r));
      silent = server;
    }
    return (silent.address() as net.AddressInfo).port;
  }

  it("runs a script in the namespace and returns its output and exit code", async () => {
    const r = await run(
      target,
      creds,
      "id -un; ip -4 -o addr show | grep -c 198.18.250.2; echo e >&2; exit 7",
    );
    expect(r).toEqual({ code: 7, stdout: "root\n1\n", stderr: "e\n" });
  });

  it("names the command of a rendered script that failed, in the login shell", async () => {
    // root's login shell is bash here; local scripts run in dash (test/integration/script-errors.test.ts).
    expect((await runOk(target, creds, 'echo "bash ${BASH_VERSION:-none}"')).stdout).toMatch(/^bash \d/);
    const e = await rejection(runOk(target, creds, script({}, "true\nls /nonexistent-vrlab\necho never")));
    expect(e.message).toMatch(/^ssh root@198\.18\.250\.2:22: exit 2 running `ls \/nonexistent-vrlab`\n/);
    expect(e.tail).toMatch(/No such file or directory$/);
  });

  it("takes test keys that ssh2 parses", () => {
    for (const name of ["a", "b", "c"]) {
      const k = keyPair(sshd?.dir ?? "/nonexistent", `parse-${name}`);
      expect(utils.parseKey(k.private)).not.toBeInstanceOf(Error);
      expect(parseHostKey(k.public).keyType).toBe("ssh-ed25519");
    }
  });

  it("delivers stdin, including more than a channel window", async () => {
    const big = "y".repeat(3 << 20);
    expect((await run(target, creds, "cat", { stdin: "a\nb\n" })).stdout).toBe("a\nb\n");
    expect((await run(target, creds, "wc -c", { stdin: big })).stdout.trim()).toBe(String(big.length));
  });

  it("reports death by signal as 128 + n", async () => {
    expect((await run(target, creds, "kill -TERM $$")).code).toBe(143);
  });

  it("accepts the host key as a SHA256 fingerprint", async () => {
    expect(parseHostKey(sshd?.hostKeyLine ?? "").fingerprint).toBe(sshd?.hostKeyFingerprint);
    const r = await runOk({ ...target, hostKey: sshd?.hostKeyFingerprint ?? "" }, creds, "echo ok");
    expect(r.stdout).toBe("ok\n");
  });

  it("refuses a wrong host key, naming both fingerprints, without running anything", async () => {
    const marker = join(sshd?.dir ?? "/nonexistent", `marker-${HEX}`);
    const wrong = keyPair(sshd?.dir ?? "/nonexistent", "wrong-host").public;
    const wrongFp = fingerprintOf(Buffer.from(wrong.split(" ")[1], "base64"));
    for (const hostKey of [wrong, wrongFp]) {
      const e = await rejection(run({ ...target, hostKey }, creds, `touch ${marker}`));
      expect(e.host).toBe(`ssh root@198.18.250.2:22`);
      expect(e.message).toContain("ssh root@198.18.250.2:22: HOST KEY MISMATCH");
      expect(e.message).toContain(`expected ${wrongFp}, server presented ${sshd?.hostKeyFingerprint}`);
      expect(e.message).toContain("ssh-keyscan -p 22 198.18.250.2");
      expect(existsSync(marker)).toBe(false);
    }
    await runOk(target, creds, `touch ${marker}`); // control: with the right key the marker appears
    expect(existsSync(marker)).toBe(true);
  });

  it("refuses a missing host key before dialing", async () => {
    const port = await silentServer();
    const before = silentSockets.length;
    const e = await rejection(run({ ...target, host: "198.18.250.1", port, hostKey: " " }, creds, "true"));
    expect(e.message).toContain(`ssh root@198.18.250.1:${port}: no hostKey pinned`);
    expect(silentSockets.length).toBe(before);
  });

  it("gives up on a server that never answers within a bounded time", async () => {
    const port = await silentServer();
    const started = Date.now();
    const e = await rejection(run({ ...target, host: "198.18.250.1", port, dialTimeoutS: 2 }, creds, "true"));
    expect(Date.now() - started).toBeLessThan(15_000); // 3 attempts x 2 s + 2 pauses of 1 s
    expect(e.message).toContain(
      `ssh root@198.18.250.1:${port}: no SSH handshake within 2 s (after 3 attempts)`,
    );
  });

  it("retries a refused connection, then fails naming the host", async () => {
    const e = await rejection(run({ ...target, port: 2222, dialTimeoutS: 2 }, creds, "true"));
    expect(e.message).toMatch(/^ssh root@198\.18\.250\.2:2222: connect ECONNREFUSED .*\(after 3 attempts\)/);
  });

  // OpenSSH refuses "signal" requests in root sessions (no post-auth privsep for root), so the remote
  // script may outlive the channel; what is guaranteed is a bounded rejection and a closed session.
  it("closes the channel on timeout and rejects naming the host", async () => {
    const started = Date.now();
    const e = await rejection(run(target, creds, "echo pid=$$; exec sleep 30", { timeoutMs: 1_000 }));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(e.message).toContain("ssh root@198.18.250.2:22: timed out after 1 s");
    expect(e.tail).toMatch(/^pid=\d+$/);
    for (const end = Date.now() + 3_000; !/Disconnected from user root/.test(sshd?.log() ?? ""); ) {
      if (Date.now() > end) throw new Error(`sshd never saw the session close:\n${sshd?.log()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  it("never puts the private key in an error", async () => {
    const key = sshd?.clientPrivateKey ?? "";
    const keyLines = key.split("\n").filter((l) => l.length > 16 && !l.startsWith("-----"));
    expect(keyLines.length).toBeGreaterThan(0);
    const stranger = keyPair(sshd?.dir ?? "/nonexistent", "stranger").private;
    const wrong = keyPair(sshd?.dir ?? "/nonexistent", "wrong").public;
    const errors = [
      await rejection(runOk(target, creds, "exit 9")),
      await rejection(run({ ...target, hostKey: wrong }, creds, "true")),
      await rejection(run(target, { privateKey: stranger }, "true")),
      await rejection(run(target, { privateKey: "not a key" }, "true")),
      await rejection(run(target, { privateKey: key.slice(0, 200) }, "true")),
    ];
    expect(errors[2].message).toContain("authentication as root failed");
    for (const e of errors) {
      const all = `${e.message}\n${e.stack}\n${JSON.stringify(e)}`;
      expect(all).toContain("ssh root@198.18.250.2:22");
      for (const line of [...keyLines, ...stranger.split("\n").filter((l) => l.length > 16)]) {
        expect(all).not.toContain(line);
      }
    }
  });
});
