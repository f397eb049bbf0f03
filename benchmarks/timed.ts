// What the externally timed benchmarks (CPU, memory, disk) share: a run of one command in every
// system in turn (never at once: they would compete for the server's CPUs and disk).
import { type BenchContext, type Sample, type SystemSpec, type TimedRun } from "../harness/types";

/** The three samples of a timed run: the timer's time, the system's own, and the gap between. */
export function timeSamples(
  t: TimedRun,
  system: string,
  repetition: number,
  metadata: Sample["metadata"],
  params?: Record<string, number>,
): Sample[] {
  const base = { unit: "s", system, repetition, timestamp: Date.now(), ...(params ? { params } : {}) };
  const meta = { ...metadata, runId: t.runId };
  return [
    {
      ...base,
      metric: params?.round ? "round time" : "time",
      value: t.externalS,
      metadata: { ...meta, clock: "external" },
    },
    {
      ...base,
      metric: params?.round ? "in-guest round time" : "in-guest time",
      value: t.inGuestS,
      metadata: { ...meta, clock: "in-guest" },
    },
    {
      ...base,
      metric: params?.round ? "round time distortion" : "time distortion",
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
