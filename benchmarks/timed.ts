// What the externally timed benchmarks (CPU, memory, disk) share: a run of one command in every
// system in turn (never at once: they would compete for the server's CPUs and disk).
import { type BenchContext, type Sample, type SystemSpec, type TimedRun } from "../harness/types";

/**
 * The three samples of a timed run: the timer's time (`time`, or e.g. `round time`), the system's
 * own (`in-guest …`), and the gap between (`… distortion`).
 */
export function timeSamples(
  t: TimedRun,
  system: string,
  repetition: number,
  metadata: Sample["metadata"],
  part?: { metric: string; params: Record<string, number> },
): Sample[] {
  const metric = part?.metric ?? "time";
  const base = {
    unit: "s",
    system,
    repetition,
    timestamp: Date.now(),
    ...(part ? { params: part.params } : {}),
  };
  const meta = { ...metadata, runId: t.runId };
  return [
    { ...base, metric, value: t.externalS, metadata: { ...meta, clock: "external" } },
    { ...base, metric: `in-guest ${metric}`, value: t.inGuestS, metadata: { ...meta, clock: "in-guest" } },
    {
      ...base,
      metric: `${metric} distortion`,
      value: t.inGuestS - t.externalS,
      metadata: { ...meta, clock: "in-guest minus external" },
    },
  ];
}

/** Runs `command(system)` in each system in turn, externally timed; one repetition's samples. */
export async function timedEach(
  ctx: BenchContext,
  systems: SystemSpec[],
  command: (s: SystemSpec) => string,
  timeoutMs: number,
  check: (run: TimedRun, s: SystemSpec) => Sample["metadata"],
  repetition: number,
): Promise<Sample[]> {
  const out: Sample[] = [];
  for (const s of systems) {
    const [t] = await ctx.timed([s], command(s), { timeoutMs });
    out.push(...timeSamples(t, s.name, repetition, check(t, s)));
  }
  return out;
}
