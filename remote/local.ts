// Runs a script on this machine, optionally inside a network namespace (`ip netns exec`).
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { DEFAULT_TIMEOUT_MS, RunOptions, RunResult, describeTarget, remoteError, tailOf } from "./types";

export type LocalTarget = { kind: "local"; netns?: string; cgroup?: string };

// Joins cgroup $1 (v2 where the host has cpu and memory there, else v1's cpu and memory hierarchies)
// and then execs the rest of the arguments. It runs before `ip netns exec`, whose fresh /sys has no
// cgroup mounts. Failing to join is an error: an unlimited guest would be measured wrong.
const JOIN_CGROUP = `CG=$1; shift
B=/sys/fs/cgroup
if grep -qw cpu $B/cgroup.controllers 2>/dev/null && grep -qw memory $B/cgroup.controllers; then D="$B/$CG"
else D="$B/cpu/$CG $B/memory/$CG"; fi
for d in $D; do echo $$ > "$d/cgroup.procs" || { echo "vrlab: cannot join cgroup $d" >&2; exit 125; }; done
exec "$@"`;

/** The argv that runs `script` on a local target. */
export function localArgv(target: LocalTarget, script: string): string[] {
  const inner = target.netns
    ? ["ip", "netns", "exec", target.netns, "sh", "-c", script]
    : ["sh", "-c", script];
  return target.cgroup ? ["sh", "-c", JOIN_CGROUP, "vrlab-cgroup", target.cgroup, ...inner] : inner;
}

/** Shell convention for a process killed by a signal: 128 + its number; -1 if the name is unknown. */
export function signalExitCode(signal: string | null | undefined): number {
  const n = signal ? constants.signals[signal as NodeJS.Signals] : undefined;
  return n === undefined ? -1 : 128 + n;
}

/**
 * Runs `sh -c script` and resolves with its exit status and output; a non-zero exit is a result, not
 * an error (see runOk). Rejects only if the script cannot be started or outlives opts.timeoutMs, in
 * which case its whole process group is killed first, so background children do not linger.
 */
export function runLocal(target: LocalTarget, script: string, opts: RunOptions = {}): Promise<RunResult> {
  const host = describeTarget(target);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const argv = localArgv(target, script);
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const text = () => ({
      stdout: Buffer.concat(out).toString("utf8"),
      stderr: Buffer.concat(err).toString("utf8"),
    });
    let settled = false;
    // detached: the script leads its own process group, so a timeout can kill everything it started.
    const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: ["pipe", "pipe", "pipe"] });
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      try {
        process.kill(-(child.pid as number), "SIGKILL");
      } catch {
        // already gone
      }
      // Grandchildren that escaped the group could hold the pipes open; stop reading them.
      child.stdout.destroy();
      child.stderr.destroy();
      const { stdout, stderr } = text();
      reject(remoteError(host, script, -1, tailOf(stdout, stderr), `timed out after ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(remoteError(host, script, -1, "", `cannot start ${argv[0]}: ${e.message}`));
    });
    child.on("close", (code, signal) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ code: code ?? signalExitCode(signal), ...text() });
    });
    // A script that does not read its stdin must not fail with EPIPE.
    child.stdin.on("error", () => undefined);
    child.stdin.end(opts.stdin ?? "");
  });
}
