// How close vrlab's Pulumi program is to the engine's floor, in one run (issue 10's targets):
//
//   npx ts-node perf/program.ts [--reps N] [--scale-reps N] [--timeout S] [--quick]
//                                                     (root; or `scripts/vrlab perf program`)
//
// Each of N repetitions times, interleaved so that the machine's load falls on both alike:
//   - the floor: `pulumi preview` and a no-change `pulumi up` of an empty JavaScript program
//     (perf/common-stacks.ts Floor);
//   - the embedded stack without benchmarks: `up` from nothing, a no-change `up --refresh` (what
//     `scripts/vrlab up` runs), the same without --refresh, and `destroy`, with the peak memory of
//     the program's Node process during each `up` (perf/common-run.ts watchPeaks) and the size of the
//     checkpoint and the backups after the first `up`.
// Then Mininet builds and stops the same topology N times (perf/mininet_topo.py), and the embedded
// layout with 4, 16 and 64 guests is stood up and destroyed (once each unless --scale-reps). Every
// step is checked (namespaces after up, leak scan after destroy); one that fails fails the run, which
// then writes no results. Writes perf/results/program.json (not with --quick) and prints a table.
import { spawnSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { intFlags, writeResult } from "./common";
import { peak, results, type Mininet, type Series, type Size } from "./common-program";
import { forwardInterrupts, ok, root, run, type Run } from "./common-run";
import { BenchStack, Floor, stackText } from "./common-stacks";

const resultsFile = path.join(__dirname, "results", "program.json");
// Debian's mininet is a module of Debian's python3, not of whatever python3 is first on PATH.
const python = process.env.VRLAB_MININET_PYTHON ?? "/usr/bin/python3";
const usage = "program.ts [--reps N] [--scale-reps N] [--timeout S] [--quick]";

function parseArgs(argv: string[]): { reps: number; scaleReps: number; timeoutS: number; quick: boolean } {
  const quick = argv.includes("--quick");
  const flags = intFlags(
    argv.filter((a) => a !== "--quick"),
    {
      reps: { flag: "--reps", value: quick ? 1 : 3, max: 50 },
      scaleReps: { flag: "--scale-reps", value: 1, max: 10 },
      timeoutS: { flag: "--timeout", value: 600 },
    },
    usage,
  );
  return { ...flags, quick };
}

/** The commit measured, and whether tracked files differed from it (read only: no index refresh). */
function codeMeasured(): string {
  const git = (args: string[]): string =>
    spawnSync("git", ["--no-optional-locks", ...args], { cwd: root, encoding: "utf8" }).stdout?.trim() ?? "";
  const changed = git(["status", "--porcelain", "--untracked-files=no"]).split("\n").filter(Boolean).length;
  return `${git(["rev-parse", "--short", "HEAD"]) || "unknown"}${changed ? ` + ${changed} changed file(s)` : ""}`;
}

const log = (line: string): void => console.error(`program: ${line}`);

/** Runs `body` on a stack made from `text`, then disposes of it; cleanup problems are collected. */
async function withStack<T>(
  name: string,
  text: string,
  timeoutS: number,
  problems: string[],
  body: (st: BenchStack) => Promise<T>,
): Promise<T> {
  const st = new BenchStack(name, text, timeoutS);
  try {
    await st.init();
    return await body(st);
  } finally {
    problems.push(...(await st.dispose()));
  }
}

async function floorAndEmbedded(reps: number, timeoutS: number, problems: string[]): Promise<Series> {
  const floor = new Floor(timeoutS);
  try {
    await floor.init();
    return await withStack(`bench-program-${process.pid}`, stackText(), timeoutS, problems, async (st) => {
      const out: Partial<Series> & Omit<Series, "state" | "afterSeries" | "pulumi"> = {
        floorPreview: [],
        floorUp: [],
        fullUp: [],
        noChangeUp: [],
        noChangeUpNoRefresh: [],
        destroy: [],
      };
      for (let i = 1; i <= reps; i++) {
        out.floorPreview.push(await floor.preview());
        out.floorUp.push(await floor.up());
        out.fullUp.push(await st.up(`up (rep ${i})`));
        out.state ??= st.stateSize(); // one full up's checkpoint, and the backups it made
        out.noChangeUp.push(
          await st.up(`no-change up --refresh (rep ${i})`, ["--refresh", "--expect-no-changes"]),
        );
        out.noChangeUpNoRefresh.push(await st.up(`no-change up (rep ${i})`, ["--expect-no-changes"]));
        out.destroy.push(await st.destroy());
        const f = (r: Run[]): string => `${r[r.length - 1].seconds.toFixed(2)} s`;
        log(
          `rep ${i}: floor preview ${f(out.floorPreview)}, up ${f(out.floorUp)}; vrlab up ${f(out.fullUp)}, ` +
            `no-change up ${f(out.noChangeUp)} (no refresh ${f(out.noChangeUpNoRefresh)}), destroy ${f(out.destroy)}`,
        );
      }
      const pulumi = ok("pulumi version", await run("pulumi", ["version"], { env: st.env, timeoutS: 60 }));
      const state = out.state ?? st.stateSize();
      return { ...out, state, afterSeries: st.stateSize().backups, pulumi: pulumi.stdout.trim() };
    });
  } finally {
    floor.dispose();
  }
}

async function mininet(reps: number): Promise<Mininet> {
  const script = path.join(__dirname, "mininet_topo.py");
  const r = ok(
    "mininet_topo.py",
    await run(python, [script, String(reps)], { env: process.env, timeoutS: 120 + 60 * reps }),
  );
  return JSON.parse(r.stdout);
}

async function scaling(sizes: number[], reps: number, timeoutS: number, problems: string[]): Promise<Size[]> {
  const out: Size[] = [];
  for (const guests of sizes) {
    const name = `bench-program-${process.pid}-g${guests}`;
    out.push(
      await withStack(name, stackText(guests), timeoutS, problems, async (st) => {
        const size: Size = { guests, up_s: [], destroy_s: [], state_KiB: 0, programPeak_MiB: 0 };
        for (let i = 1; i <= reps; i++) {
          const up = await st.up(`up of ${guests} guests`);
          size.state_KiB = st.stateSize().state / 1024;
          size.programPeak_MiB = Math.max(size.programPeak_MiB, peak(up, "program"));
          const down = await st.destroy();
          size.up_s.push(up.seconds);
          size.destroy_s.push(down.seconds);
          log(`${guests} guests: up ${up.seconds.toFixed(2)} s, destroy ${down.seconds.toFixed(2)} s`);
        }
        return size;
      }),
    );
  }
  return out;
}

async function main(): Promise<void> {
  const { reps, scaleReps, timeoutS, quick } = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0)
    throw new Error("program: run as root (namespaces, bridges and Mininet need it)");
  forwardInterrupts();
  const started = new Date();
  // The 1-minute load average before and after: other work on the machine slows every side.
  const loadStart = os.loadavg()[0];
  const code = codeMeasured();
  const problems: string[] = [];
  let out: ReturnType<typeof results>;
  try {
    const series = await floorAndEmbedded(reps, timeoutS, problems);
    const mn = await mininet(reps);
    const sized = await scaling(quick ? [1, 2, 4] : [4, 16, 64], scaleReps, timeoutS, problems);
    out = results({ reps, scaleReps, quick, started, loadStart, series, mn, sized, code });
  } finally {
    if (problems.length > 0) console.error(`program: cleanup left problems:\n  ${problems.join("\n  ")}`);
  }
  if (problems.length > 0) throw new Error("program: not clean after the run; no results written");
  if (!quick) await writeResult(resultsFile, out.result);
  console.log(out.table.join("\n"));
  console.log(quick ? "not written (--quick)" : `written: ${path.relative(root, resultsFile)}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
