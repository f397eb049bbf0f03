// A real OpenSSH server for integration tests, inside a throwaway network namespace reached over a veth
// pair on 198.18.250.0/30 (benchmark range, RFC 2544). Only one may run at a time: the subnet is fixed.
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Sshd {
  host: string;
  port: number;
  user: "root";
  /** `ssh-ed25519 AAAA...` of the server, as pinned in a Target. */
  hostKeyLine: string;
  /** `SHA256:...` of the same key. */
  hostKeyFingerprint: string;
  /** OpenSSH private key authorized for root. */
  clientPrivateKey: string;
  /** The fixture's temp dir (same filesystem as sshd: it shares all namespaces but the network one). */
  dir: string;
  /** sshd's own log so far (LogLevel VERBOSE), for diagnosing a failed test; empty after stop(). */
  log(): string;
  /** Kills sshd, removes veth, namespace and temp dir. Idempotent. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function quiet(cmd: string, args: string[]): void {
  try {
    sh(cmd, args);
  } catch {
    // cleanup: the object may already be gone
  }
}

/** Resolves once something on host:port sends an SSH banner; rejects after timeoutMs. */
async function waitForBanner(
  host: string,
  port: number,
  timeoutMs: number,
  alive: () => boolean,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive()) throw new Error("sshd exited during startup");
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host, port, timeout: 1_000 });
      s.once("data", (b) => {
        s.destroy();
        resolve(b.toString().startsWith("SSH-"));
      });
      s.once("timeout", () => (s.destroy(), resolve(false)));
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`sshd did not answer on ${host}:${port} within ${timeoutMs} ms`);
}

/**
 * `slot` picks the fixture's /30 in 198.18.250.0/24 (root side .4n+1, sshd .4n+2), so test files
 * that jest runs at the same time in different workers can each have one.
 */
export async function startSshd(slot = 0): Promise<Sshd> {
  if (!Number.isInteger(slot) || slot < 0 || slot > 63)
    throw new RangeError(`sshd slot ${slot} is not 0..63`);
  const ROOT_ADDR = `198.18.250.${4 * slot + 1}`;
  const NS_ADDR = `198.18.250.${4 * slot + 2}`;
  const hex = (process.pid & 0xffff).toString(16).padStart(4, "0");
  const ns = `vrt-ssh-${hex}`;
  const vethRoot = `vrt-s${hex}r`;
  const vethNs = `vrt-s${hex}n`;
  const dir = mkdtempSync(join(tmpdir(), "vrlab-sshd-"));
  let child: ChildProcess | undefined;
  let stopped: Promise<void> | undefined;
  // Only what this fixture created is removed: a name clash must not tear down someone else's namespace.
  let nsMade = false;
  let vethMade = false;

  const doStop = async (): Promise<void> => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const proc = child;
      let timer: NodeJS.Timeout | undefined;
      await new Promise((r) => {
        proc.once("exit", r);
        proc.kill("SIGTERM");
        timer = setTimeout(r, 3_000);
      });
      clearTimeout(timer);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
    }
    // Session processes sshd forked (and scripts they left behind) live in the namespace too.
    if (nsMade) {
      try {
        for (const pid of sh("ip", ["netns", "pids", ns]).split(/\s+/).filter(Boolean)) {
          quiet("kill", ["-KILL", pid]);
        }
      } catch {
        // namespace already gone
      }
    }
    if (vethMade) quiet("ip", ["link", "del", vethRoot]);
    if (nsMade) quiet("ip", ["netns", "del", ns]);
    rmSync(dir, { recursive: true, force: true });
    // /run/sshd stays: it is the openssh-server package's own runtime directory, and another
    // fixture's sshd, started after this one, may be using it (removing it reset their connections).
  };
  const logFile = join(dir, "sshd.log");
  const readLog = (): string => (existsSync(logFile) ? readFileSync(logFile, "utf8") : "");
  const stop = () => (stopped ??= doStop());

  try {
    sh("ip", ["netns", "add", ns]);
    nsMade = true;
    sh("ip", ["link", "add", vethRoot, "type", "veth", "peer", "name", vethNs, "netns", ns]);
    vethMade = true;
    sh("ip", ["addr", "add", `${ROOT_ADDR}/30`, "dev", vethRoot]);
    sh("ip", ["link", "set", vethRoot, "up"]);
    sh("ip", ["-n", ns, "addr", "add", `${NS_ADDR}/30`, "dev", vethNs]);
    sh("ip", ["-n", ns, "link", "set", vethNs, "up"]);
    sh("ip", ["-n", ns, "link", "set", "lo", "up"]);

    sh("ssh-keygen", ["-q", "-N", "", "-t", "ed25519", "-C", "vrlab-test-host", "-f", join(dir, "host_key")]);
    sh("ssh-keygen", [
      "-q",
      "-N",
      "",
      "-t",
      "ed25519",
      "-C",
      "vrlab-test-client",
      "-f",
      join(dir, "client_key"),
    ]);
    writeFileSync(join(dir, "authorized_keys"), readFileSync(join(dir, "client_key.pub")));
    const config = join(dir, "sshd_config");
    writeFileSync(
      config,
      [
        `ListenAddress ${NS_ADDR}`,
        "Port 22",
        `HostKey ${join(dir, "host_key")}`,
        `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
        "PermitRootLogin prohibit-password",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "StrictModes no",
        "UsePAM no",
        "UseDNS no",
        `PidFile ${join(dir, "sshd.pid")}`,
        "LogLevel VERBOSE",
        "",
      ].join("\n"),
    );
    mkdirSync("/run/sshd", { recursive: true, mode: 0o755 }); // privilege-separation dir sshd insists on

    // nsenter --net only: sshd keeps the host's filesystem (temp dir, /run/netns) but listens in `ns`.
    // Logs go to a file (-E), not a pipe: tests block their event loop in spawnSync while pulumi runs,
    // and an undrained pipe would stall sshd mid-handshake once it filled.
    child = spawn(
      "nsenter",
      [`--net=/run/netns/${ns}`, "/usr/sbin/sshd", "-D", "-E", logFile, "-f", config],
      {
        stdio: "ignore",
      },
    );
    const proc = child;
    await waitForBanner(
      NS_ADDR,
      22,
      READY_TIMEOUT_MS,
      () => proc.exitCode === null && proc.signalCode === null,
    );

    const hostKeyLine = readFileSync(join(dir, "host_key.pub"), "utf8").trim();
    const fp = sh("ssh-keygen", ["-lf", join(dir, "host_key.pub")]).split(/\s+/)[1];
    return {
      host: NS_ADDR,
      port: 22,
      user: "root",
      hostKeyLine,
      hostKeyFingerprint: fp,
      clientPrivateKey: readFileSync(join(dir, "client_key"), "utf8"),
      dir,
      log: readLog,
      stop,
    };
  } catch (e) {
    const log = readLog(); // before stop() removes the directory
    await stop();
    throw new Error(`starting sshd in ${ns} failed: ${(e as Error).message}\n--- sshd log ---\n${log}`);
  }
}
