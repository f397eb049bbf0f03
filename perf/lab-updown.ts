// How long vrlab takes to stand up and tear down the default experiment (stacks/Pulumi.embedded.yaml),
// against the same topology stood up by Mininet in the same run (perf/mininet_topo.py).
//
//   npx ts-node perf/lab-updown.ts [--reps N] [--timeout S]     (root; or `scripts/vrlab perf lab-updown`)
//
// Each repetition times `pulumi up --yes --skip-preview` and `pulumi destroy --yes` (what
// `scripts/vrlab up` and `destroy` run) wall-clock, on a throwaway stack and file backend; then the
// Mininet script runs N times. Writes perf/results/lab-updown.json with the raw seconds, the
// medians and the ratios vrlab/Mininet, and prints a table.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, parseDocument } from "yaml";
import { leaksOf, namespaces as namespacesOnHost } from "../cli/leaks";
import { kernelName } from "../config/names";
import { intFlags, machineInfo, median, round, writeResult } from "./common";
import { pulumiEnv } from "./common-run";

const root = path.resolve(__dirname, "..");
const resultsFile = path.join(__dirname, "results", "lab-updown.json");
const mininetScript = path.join(__dirname, "mininet_topo.py");
// Debian's mininet is a module of Debian's python3, not of whatever python3 is first on PATH.
const python = process.env.VRLAB_MININET_PYTHON ?? "/usr/bin/python3";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

function parseArgs(argv: string[]): { reps: number; timeoutS: number } {
  return intFlags(
    argv,
    { reps: { flag: "--reps", value: 3 }, timeoutS: { flag: "--timeout", value: 600 } },
    "lab-updown.ts [--reps N] [--timeout S]",
  );
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Run {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(file, args, {
    cwd: root,
    env,
    encoding: "utf8",
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const timedOut = r.error && (r.error as NodeJS.ErrnoException).code === "ETIMEDOUT";
  return {
    code: r.status ?? -1,
    stdout: r.stdout ?? "",
    stderr: (r.stderr ?? "") + (timedOut ? `\n(killed after ${timeoutMs / 1000} s)` : ""),
    seconds,
  };
}

function ok(what: string, r: Run): Run {
  if (r.code !== 0) {
    const tail = (s: string): string => s.split("\n").slice(-40).join("\n");
    throw new Error(`${what} exited ${r.code}\n${tail(r.stdout)}\n${tail(r.stderr)}`);
  }
  return r;
}

interface Times {
  up_s: number[];
  down_s: number[];
}

/** Times up and destroy of the embedded experiment, `reps` times, on a stack it makes and removes. */
function timeVrlab(reps: number, timeoutS: number): Times & { noop_up_s: number[]; pulumi: string } {
  const stack = `bench-updown-${process.pid}`;
  const owner = `vrlab-${stack}`;
  const stackFile = path.join(root, "stacks", `Pulumi.${stack}.yaml`);
  const backendDir = fs.mkdtempSync(path.join(os.tmpdir(), "vrlab-bench-backend-"));
  const runRoot = fs.mkdtempSync(path.join(os.tmpdir(), "vrlab-bench-run-"));
  const env = pulumiEnv(backendDir, randomBytes(24).toString("base64"));
  const timeoutMs = timeoutS * 1000;
  const pulumi = (args: string[], ms = 120_000): Run =>
    run("pulumi", [...args, "--non-interactive", "--stack", stack], env, ms);

  const source = fs.readFileSync(path.join(root, "stacks", "Pulumi.embedded.yaml"), "utf8");
  const e = parse(source).config["vrlab:experiment"];
  const machines: string[] = [e.server.name, ...e.guests.map((g: { name: string }) => g.name)];
  machines.push(e.timer.name, e.generator.name);
  const namespaces = machines.map((m) => kernelName(owner, m));

  const times: Times & { noop_up_s: number[] } = { up_s: [], down_s: [], noop_up_s: [] };
  const version = ok("pulumi version", run("pulumi", ["version"], env, 60_000)).stdout.trim();
  let initialized = false;
  // The topology only, as Mininet builds it: the benchmark suite is not part of standing the lab up.
  const doc = parseDocument(source.replace(/^encryptionsalt:.*\n?/gm, ""));
  doc.setIn(["config", "vrlab:experiment", "benchmarks"], []);
  fs.writeFileSync(stackFile, doc.toString(), { flag: "wx" });
  try {
    ok("pulumi stack init", pulumi(["stack", "init"]));
    initialized = true;
    ok("pulumi config set", pulumi(["config", "set", "vrlab:runRoot", runRoot]));
    for (let i = 1; i <= reps; i++) {
      const up = ok(`pulumi up (rep ${i})`, pulumi(["up", "--yes", "--skip-preview"], timeoutMs));
      const have = new Set(namespacesOnHost());
      const missing = namespaces.filter((n) => !have.has(n));
      if (missing.length > 0) throw new Error(`after up, namespaces missing: ${missing.join(", ")}`);
      // Context, not compared: an up with nothing to change is the engine's and program's fixed cost.
      const noop = ok(
        `pulumi up, no changes (rep ${i})`,
        pulumi(["up", "--yes", "--skip-preview", "--expect-no-changes"], timeoutMs),
      );
      const down = ok(`pulumi destroy (rep ${i})`, pulumi(["destroy", "--yes"], timeoutMs));
      const left = leaksOf(owner);
      if (left.length > 0) throw new Error(`after destroy, left on the machine: ${left.join(", ")}`);
      times.up_s.push(up.seconds);
      times.down_s.push(down.seconds);
      times.noop_up_s.push(noop.seconds);
      const f = (x: number): string => `${x.toFixed(3)} s`;
      console.error(
        `vrlab rep ${i}: up ${f(up.seconds)}, destroy ${f(down.seconds)} (no-op up ${f(noop.seconds)})`,
      );
    }
  } finally {
    const problems: string[] = [];
    if (initialized) {
      const d = pulumi(["destroy", "--yes", "--skip-preview"], timeoutMs);
      if (d.code !== 0) problems.push(`final destroy exited ${d.code}: ${d.stderr.trim()}`);
      const rm = pulumi(["stack", "rm", "--yes", "--force"]);
      if (rm.code !== 0) problems.push(`stack rm exited ${rm.code}: ${rm.stderr.trim()}`);
    }
    fs.rmSync(stackFile, { force: true });
    fs.rmSync(backendDir, { recursive: true, force: true });
    fs.rmSync(runRoot, { recursive: true, force: true });
    const left = leaksOf(owner);
    if (left.length > 0) problems.push(`left on the machine: ${left.join(", ")}`);
    if (problems.length > 0) console.error(`lab-updown: cleanup of ${stack}:\n  ${problems.join("\n  ")}`);
  }
  return { ...times, pulumi: version };
}

function timeMininet(reps: number): Times & Record<string, unknown> {
  const r = ok(
    "mininet_topo.py",
    run(python, [mininetScript, String(reps)], process.env, 120_000 + reps * 60_000),
  );
  return JSON.parse(r.stdout) as Times & Record<string, unknown>;
}

async function main(): Promise<void> {
  const { reps, timeoutS } = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0)
    throw new Error("lab-updown: run as root (namespaces, bridges and Mininet need it)");
  const started = new Date();
  // The 1-minute load average before and after: other work on the machine skews both sides.
  const loadStart = os.loadavg()[0];
  const vrlab = timeVrlab(reps, timeoutS);
  const mininet = timeMininet(reps);
  const med = (t: Times): { up: number; down: number } => ({ up: median(t.up_s), down: median(t.down_s) });
  const v = med(vrlab);
  const m = med(mininet);
  const result = {
    benchmark: "lab-updown",
    date: started.toISOString(),
    topology: "stacks/Pulumi.embedded.yaml: server, 2 bridges, 4 routers x 1,000 routes, timer and generator",
    machine: machineInfo(loadStart),
    reps,
    vrlab: {
      what: "wall-clock of `pulumi up --yes --skip-preview` and `pulumi destroy --yes`",
      pulumi: vrlab.pulumi,
      up_s: vrlab.up_s.map((x) => round(x)),
      down_s: vrlab.down_s.map((x) => round(x)),
      median_s: { up: round(v.up), down: round(v.down) },
      noopUp: {
        what: "`pulumi up` with nothing to change, between each up and destroy: the fixed cost of CLI, engine and program",
        s: vrlab.noop_up_s.map((x) => round(x)),
        median_s: round(median(vrlab.noop_up_s)),
      },
    },
    mininet: {
      what: "in-process Mininet build+start+forwarding+routes, and net.stop() (perf/mininet_topo.py)",
      ...mininet,
      up_s: mininet.up_s.map((x) => round(x)),
      down_s: mininet.down_s.map((x) => round(x)),
      median_s: { up: round(m.up), down: round(m.down) },
    },
    ratio: { up: round(v.up / m.up, 2), down: round(v.down / m.down, 2) },
  };
  await writeResult(resultsFile, result);

  const row = (a: string, b: string, c: string, d: string): string =>
    `${a.padEnd(8)}${b.padStart(14)}${c.padStart(14)}${d.padStart(16)}`;
  console.log(`lab-updown, ${reps} repetition(s), medians:`);
  console.log(row("", "vrlab (s)", "mininet (s)", "vrlab/mininet"));
  console.log(row("up", v.up.toFixed(3), m.up.toFixed(3), `${result.ratio.up}x`));
  console.log(row("down", v.down.toFixed(3), m.down.toFixed(3), `${result.ratio.down}x`));
  console.log(`written: ${path.relative(root, resultsFile)}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
