// Runs the experiment's benchmarks in order: prepare, every repetition, cleanup. A benchmark that
// fails is recorded as failed with its reason and output tail, and the suite goes on; its samples
// never become summaries. The outcome is the `results` document (harness/results.schema.json).
import { type BenchmarkModule } from "../benchmarks/types";
import { makeContext } from "./context";
import { type BenchmarkResult, type Results, type Summary } from "./results";
import { summarize } from "./stats";
import { type LabSpec, type Sample } from "./types";

export interface BenchmarkRun {
  index: number;
  kind: string;
  repetitions: number;
  /** Names of the systems it runs on (guests, or `native` for the server itself). */
  systems: string[];
  /** The module's own options, defaults resolved. */
  options: Record<string, unknown>;
}

export interface SuiteOutcome {
  status: Results["status"];
  benchmarks: BenchmarkResult[];
  samples: (Sample & { benchmark: number })[];
}

export interface Registry {
  get(kind: string): BenchmarkModule;
}

const TAIL_LINES = 20;

function failure(e: unknown): { reason: string; tail: string } {
  const err = e as Partial<{ message: string; tail: string }>;
  const message = String(err?.message ?? e);
  const reason = message.split("\n")[0];
  const tail = err?.tail ?? message.split("\n").slice(1).join("\n");
  return { reason, tail: tail.split("\n").slice(-TAIL_LINES).join("\n") };
}

const clock = (ms: number): string => {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
};

export async function runSuite(
  lab: LabSpec,
  runs: BenchmarkRun[],
  registry: Registry,
  progress: (line: string) => void,
): Promise<SuiteOutcome> {
  const t0 = Date.now();
  const say = (line: string): void => progress(`[${clock(Date.now() - t0)}] ${line}`);
  const ctx = makeContext(lab, say);
  const results: BenchmarkResult[] = [];
  const samples: SuiteOutcome["samples"] = [];
  for (const b of runs) {
    const module = registry.get(b.kind);
    const systems = b.systems.map((name) => {
      const s = lab.systems.find((x) => x.name === name);
      if (!s) throw new Error(`benchmarks[${b.index}]: no system "${name}" in the lab`);
      return s;
    });
    const label = `benchmark ${b.index + 1}/${runs.length} ${b.kind} on ${b.systems.join(", ")}`;
    const mine: Sample[] = [];
    let error: BenchmarkResult["error"];
    let summaries: Summary[] = [];
    let rep = 0;
    try {
      say(`${label}: prepare`);
      await module.prepare(ctx, systems, b.options);
      for (rep = 1; rep <= b.repetitions; rep++) {
        say(`${label}: repetition ${rep}/${b.repetitions}`);
        mine.push(...(await module.run(ctx, systems, b.options, rep)));
      }
      summaries = summarize(mine); // refuses a value that is not a finite number
    } catch (e) {
      error = { ...failure(e), repetition: rep };
      say(`${label}: FAILED: ${error.reason}`);
    } finally {
      try {
        await module.cleanup(ctx, systems, b.options);
      } catch (e) {
        error ??= { ...failure(e), reason: `cleanup failed: ${failure(e).reason}` };
        say(`${label}: cleanup FAILED: ${failure(e).reason}`);
      }
    }
    samples.push(...mine.map((s) => ({ ...s, benchmark: b.index })));
    results.push(
      error
        ? { index: b.index, kind: b.kind, options: b.options, status: "failed", error, summaries: [] }
        : { index: b.index, kind: b.kind, options: b.options, status: "ok", summaries },
    );
  }
  const ok = results.filter((r) => r.status === "ok").length;
  const status = ok === results.length ? "complete" : ok === 0 ? "failed" : "partial";
  say(`suite ${status}: ${ok}/${results.length} benchmarks succeeded`);
  return { status, benchmarks: results, samples };
}
