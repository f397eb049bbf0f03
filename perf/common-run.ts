// Commands for perf scripts that must stay responsive while one runs: timed wall-clock, bounded by a
// timeout, stopped as a process group when they overrun or the script is interrupted, and optionally
// watched for the peak memory of their descendants.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export const root = path.resolve(__dirname, "..");

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
  /** Peak RSS in MiB per class of watched descendant (see RunOptions.watch); empty if not watched. */
  peakMiB: Record<string, number>;
}

export interface RunOptions {
  env: NodeJS.ProcessEnv;
  timeoutS: number;
  cwd?: string;
  /** Names the class of a descendant process from its command line, or undefined to ignore it. */
  watch?: (cmdline: string) => string | undefined;
}

// Process groups of the commands running now, so that an interrupt reaches them (each command has a
// group of its own, so the terminal's Ctrl-C does not).
const running = new Set<number>();
let interrupts = 0;

/** The first SIGINT/SIGTERM stops the running commands and lets the script clean up; a second exits. */
export function forwardInterrupts(): void {
  const handler = (signal: NodeJS.Signals): void => {
    interrupts++;
    for (const pgid of running) signalGroup(pgid, interrupts > 1 ? "SIGKILL" : "SIGINT");
    if (interrupts > 1) process.exit(130);
    console.error(`${signal}: stopping the running command, then cleaning up (again to quit at once)`);
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
}

export const interrupted = (): boolean => interrupts > 0;

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

/** pid → parent pid of every process now. */
function parents(): Map<number, number> {
  const out = new Map<number, number>();
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, "utf8");
      // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
      out.set(Number(d), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/**
 * Peak memory of a command's descendants, by class. Every 100 ms it walks the process tree under
 * `pid` and reads each classified descendant's VmHWM from /proc/PID/status: the kernel's own
 * high-water mark of that process's resident set, so a sample misses no peak, only growth in the
 * last 100 ms before the process exits. One walk costs about 1 ms.
 */
function watchPeaks(
  pid: number,
  classify: (cmdline: string) => string | undefined,
): () => Record<string, number> {
  const classOf = new Map<number, string | undefined>();
  const peakKiB: Record<string, number> = {};
  const sample = (): void => {
    const ppid = parents();
    const mine = new Set([pid]);
    // A parent's pid is smaller than its child's unless pids wrapped; iterate until nothing new.
    for (let grew = true; grew; ) {
      grew = false;
      for (const [p, pp] of ppid) {
        if (!mine.has(p) && mine.has(pp)) {
          mine.add(p);
          grew = true;
        }
      }
    }
    for (const p of mine) {
      try {
        if (!classOf.has(p)) {
          classOf.set(p, classify(fs.readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0").join(" ")));
        }
        const cls = classOf.get(p);
        if (cls === undefined) continue;
        const hwm = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${p}/status`, "utf8"));
        if (hwm) peakKiB[cls] = Math.max(peakKiB[cls] ?? 0, Number(hwm[1]));
      } catch {
        // exited while we looked
      }
    }
  };
  const timer = setInterval(sample, 100);
  return () => {
    clearInterval(timer);
    return Object.fromEntries(Object.entries(peakKiB).map(([k, v]) => [k, v / 1024]));
  };
}

/** Runs a command to its end or its timeout (then SIGINT to its group, SIGKILL 30 s later). Never throws. */
export function run(file: string, args: string[], o: RunOptions): Promise<Run> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(file, args, {
      cwd: o.cwd ?? root,
      env: o.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const pgid = child.pid ?? 0;
    running.add(pgid);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    const stopWatch = o.watch && pgid ? watchPeaks(pgid, o.watch) : () => ({});
    let timedOut = false;
    const kill = setTimeout(() => {
      timedOut = true;
      signalGroup(pgid, "SIGINT");
      setTimeout(() => signalGroup(pgid, "SIGKILL"), 30_000).unref();
    }, o.timeoutS * 1000);
    const done = (code: number, error = ""): void => {
      clearTimeout(kill);
      running.delete(pgid);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const note = timedOut ? `\n(stopped after the ${o.timeoutS} s timeout)` : "";
      resolve({ code, stdout, stderr: stderr + error + note, seconds, peakMiB: stopWatch() });
    };
    child.on("error", (e) => done(-1, `\n${e.message}`));
    child.on("close", (code, signal) => done(code ?? (signal ? 128 : -1)));
  });
}

/** The run, or an error with the end of its output when it failed. */
export function ok(what: string, r: Run): Run {
  if (r.code !== 0 || interrupted()) {
    const tail = (s: string): string => s.trim().split("\n").slice(-40).join("\n");
    throw new Error(
      `${what} exited ${r.code}${interrupted() ? " (interrupted)" : ""}\n${tail(r.stdout)}\n${tail(r.stderr)}`,
    );
  }
  return r;
}

/** The environment scripts/env.sh makes (engine, plugins, PULUMI_HOME), on a throwaway file backend. */
export function pulumiEnv(backendDir: string, passphrase: string): NodeJS.ProcessEnv {
  const r = spawnSync("bash", ["-c", "source scripts/env.sh && env -0"], { cwd: root, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`sourcing scripts/env.sh failed: ${r.stderr}`);
  const env: NodeJS.ProcessEnv = {};
  for (const kv of r.stdout.split("\0")) {
    const i = kv.indexOf("=");
    if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return {
    ...env,
    PULUMI_BACKEND_URL: `file://${backendDir}`,
    PULUMI_CONFIG_PASSPHRASE: passphrase,
    PULUMI_CONFIG_PASSPHRASE_FILE: "",
  };
}

/** Bytes in a file or a directory tree (0 if it does not exist), and how many files. */
export function sizeOf(p: string): { bytes: number; files: number } {
  if (!fs.existsSync(p)) return { bytes: 0, files: 0 };
  const st = fs.statSync(p);
  if (!st.isDirectory()) return { bytes: st.size, files: 1 };
  let bytes = 0;
  let files = 0;
  for (const e of fs.readdirSync(p)) {
    const s = sizeOf(path.join(p, e));
    bytes += s.bytes;
    files += s.files;
  }
  return { bytes, files };
}
