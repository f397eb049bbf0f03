// Summaries of repeated measurements: mean, sample standard deviation and the 95% confidence
// interval of the mean by Student's t (repetitions are few, so the normal 1.96 would be too narrow).
import { type Summary } from "./results";
import { type Sample } from "./types";

// Two-sided 95% critical values of Student's t by degrees of freedom.
const T95: Record<number, number> = {
  1: 12.706,
  2: 4.303,
  3: 3.182,
  4: 2.776,
  5: 2.571,
  6: 2.447,
  7: 2.365,
  8: 2.306,
  9: 2.262,
  10: 2.228,
  11: 2.201,
  12: 2.179,
  13: 2.16,
  14: 2.145,
  15: 2.131,
  16: 2.12,
  17: 2.11,
  18: 2.101,
  19: 2.093,
  20: 2.086,
  21: 2.08,
  22: 2.074,
  23: 2.069,
  24: 2.064,
  25: 2.06,
  26: 2.056,
  27: 2.052,
  28: 2.048,
  29: 2.045,
  30: 2.042,
};
const T95_STEPS: [number, number][] = [
  [40, 2.021],
  [60, 2.0],
  [120, 1.98],
];

/** t(0.975, df), conservative: between tabulated rows it takes the smaller df's (larger) value. */
export function t95(df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new RangeError(`degrees of freedom ${df}`);
  if (df <= 30) return T95[df];
  let t = T95[30];
  for (const [d, v] of T95_STEPS) if (df >= d) t = v;
  return df >= 1000 ? 1.962 : t;
}

export function summarizeValues(xs: number[]): Omit<Summary, "metric" | "unit" | "system" | "params"> {
  if (xs.length === 0 || xs.some((x) => !Number.isFinite(x))) {
    throw new RangeError(`cannot summarize ${JSON.stringify(xs)}: every value must be a finite number`);
  }
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const stddev = n > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1)) : 0;
  const half = n > 1 ? (t95(n - 1) * stddev) / Math.sqrt(n) : 0;
  return {
    n,
    mean,
    stddev,
    ci95: n > 1 ? [mean - half, mean + half] : null,
    min: Math.min(...xs),
    max: Math.max(...xs),
  };
}

const keyOf = (s: Sample): string =>
  JSON.stringify([s.metric, s.unit, s.system, Object.entries(s.params ?? {}).sort()]);

/** One summary per metric, unit, system and parameter point, in the order they were first measured. */
export function summarize(samples: Sample[]): Summary[] {
  const groups = new Map<string, Sample[]>();
  for (const s of samples) groups.set(keyOf(s), [...(groups.get(keyOf(s)) ?? []), s]);
  return [...groups.values()].map((g) => {
    const { metric, unit, system, params } = g[0];
    return { metric, unit, system, ...(params ? { params } : {}), ...summarizeValues(g.map((s) => s.value)) };
  });
}
