// A stack's benchmark results against a baseline results document (harness/results.schema.json),
// per benchmark, system, metric and parameter point: regressions first, with the change in %.
import { type BenchmarkResult, type Results, type Summary } from "../../harness/results";
import { code } from "./markdown";

/**
 * A change is noise within this many percent either way (the embedded suite's runs vary by a few %),
 * or when the two means' 95% confidence intervals overlap (0.08% → 0.12% loss is +50%, and nothing).
 */
export const NOISE_PCT = 5;

/** Which way is better for a metric, from its name and unit as the benchmarks write them. */
export type Better = "higher" | "lower" | "closer to 0";
export function better(metric: string, unit: string): Better | undefined {
  if (/distortion/.test(metric)) return "closer to 0"; // in-guest minus external time: either sign is error
  if (unit === "s" || /\btime\b/.test(metric)) return "lower";
  if (unit === "%" || /loss|shortfall/.test(metric)) return "lower";
  if (/\/s$/.test(unit) || /throughput|rate|index/.test(metric)) return "higher"; // Mb/s, kp/s, KiB/s, jain index
  return undefined;
}

export type Verdict =
  | "regression"
  | "improvement"
  | "still failing"
  | "within noise"
  | "no direction"
  | "new"
  | "gone";
export interface MetricChange {
  benchmark: string;
  system: string;
  metric: string;
  params: string;
  unit: string;
  old?: number;
  now?: number;
  /** Relative change of the mean (of its magnitude for a distortion), in %; undefined from 0. */
  pct?: number;
  /** A benchmark that failed on one side: `failed now`, `failed in the baseline`. */
  failed?: string;
  verdict: Verdict;
}

/** `iperf-udp tx`: kind and direction, numbered when a document holds two alike. */
function labels(bs: BenchmarkResult[]): string[] {
  const base = bs.map((b) => `${b.kind}${b.options.direction ? ` ${String(b.options.direction)}` : ""}`);
  return base.map((l, i) => {
    const nth = base.slice(0, i).filter((x) => x === l).length;
    return nth ? `${l} #${nth + 1}` : l;
  });
}
const paramsOf = (s: Summary): string =>
  Object.entries(s.params ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");

interface Keyed {
  bench: string;
  s: Summary;
}
function keyed(r: Results): { summaries: Map<string, Keyed>; failed: Map<string, BenchmarkResult> } {
  const summaries = new Map<string, Keyed>();
  const failed = new Map<string, BenchmarkResult>();
  labels(r.benchmarks).forEach((bench, i) => {
    const b = r.benchmarks[i];
    if (b.status === "failed") failed.set(bench, b);
    for (const s of b.summaries)
      summaries.set(JSON.stringify([bench, s.system, s.metric, paramsOf(s)]), { bench, s });
  });
  return { summaries, failed };
}

function judge(old: Summary, now: Summary): Pick<MetricChange, "pct" | "verdict"> {
  const dir = better(now.metric, now.unit);
  const mag = dir === "closer to 0" ? Math.abs : (x: number): number => x;
  const [a, b] = [mag(old.mean), mag(now.mean)];
  const pct = a === 0 ? undefined : ((b - a) / Math.abs(a)) * 100;
  if (!dir) return { pct, verdict: "no direction" };
  const overlap = !!old.ci95 && !!now.ci95 && old.ci95[0] <= now.ci95[1] && now.ci95[0] <= old.ci95[1];
  const noise = overlap || (pct !== undefined && Math.abs(pct) <= NOISE_PCT);
  if (a === b || noise) return { pct, verdict: "within noise" };
  const worse = dir === "higher" ? b < a : b > a;
  return { pct, verdict: worse ? "regression" : "improvement" };
}

const RANK: Record<Verdict, number> = {
  regression: 0,
  improvement: 1,
  "still failing": 2,
  gone: 3,
  new: 4,
  "no direction": 5,
  "within noise": 6,
};

/** Every summary of either document, judged; regressions first, each group largest change first. */
export function compareResults(baseline: Results, current: Results): MetricChange[] {
  const was = keyed(baseline);
  const is = keyed(current);
  const out: MetricChange[] = [];
  const row = (k: Keyed): Omit<MetricChange, "verdict"> => ({
    benchmark: k.bench,
    system: k.s.system,
    metric: k.s.metric,
    params: paramsOf(k.s),
    unit: k.s.unit,
  });
  for (const [key, w] of was.summaries) {
    const n = is.summaries.get(key);
    if (n) out.push({ ...row(n), old: w.s.mean, now: n.s.mean, ...judge(w.s, n.s) });
    else if (is.failed.has(w.bench)) {
      out.push({ ...row(w), old: w.s.mean, failed: "failed now", verdict: "regression" });
    } else out.push({ ...row(w), old: w.s.mean, verdict: "gone" });
  }
  for (const [key, n] of is.summaries) {
    if (was.summaries.has(key)) continue;
    const fixed = was.failed.has(n.bench) ? { failed: "failed in the baseline" } : {};
    out.push({
      ...row(n),
      now: n.s.mean,
      ...fixed,
      verdict: was.failed.has(n.bench) ? "improvement" : "new",
    });
  }
  // A benchmark failing now with no summary on either side: a regression, or one that still fails.
  for (const [bench, b] of is.failed) {
    if (out.some((c) => c.benchmark === bench && c.failed)) continue;
    const before = was.failed.has(bench);
    const failed = `${before ? "still fails" : "failed now"}: ${b.error?.reason ?? "no reason given"}`;
    const verdict = before ? "still failing" : "regression";
    out.push({ benchmark: bench, system: "", metric: "", params: "", unit: "", failed, verdict });
  }
  const size = (c: MetricChange): number => (c.failed ? Infinity : Math.abs(c.pct ?? Infinity));
  return out.sort((x, y) => RANK[x.verdict] - RANK[y.verdict] || size(y) - size(x));
}

const num = (x: number): string =>
  Math.abs(x) >= 100 ? x.toFixed(1) : Math.abs(x) >= 1 ? x.toFixed(3) : x.toPrecision(3);
const val = (x: number | undefined, unit: string): string =>
  x === undefined ? "–" : `${num(x)}${unit && unit !== "1" ? ` ${unit}` : ""}`;
const pctText = (c: MetricChange): string =>
  c.failed ??
  (c.pct === undefined ? (c.old === 0 ? "from 0" : "–") : `${c.pct > 0 ? "+" : ""}${c.pct.toFixed(1)}%`);

function table(rows: MetricChange[]): string[] {
  const cell = (s: string): string => s.replace(/\|/g, "\\|");
  return [
    "| | benchmark | system | metric | baseline | now | change |",
    "| --- | --- | --- | --- | --- | ---: | ---: |",
    ...rows.map((c) => {
      const metric = c.params ? `${c.metric} (${c.params})` : c.metric;
      const cells = [
        c.verdict,
        c.benchmark,
        c.system,
        metric,
        val(c.old, c.unit),
        val(c.now, c.unit),
        pctText(c),
      ];
      return `| ${cells.map(cell).join(" | ")} |`;
    }),
  ];
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The comparison as Markdown: regressions and improvements in a table, the rest folded away. */
export function renderComparison(changes: MetricChange[], baselineName: string): string[] {
  const shown = changes.filter((c) => c.verdict === "regression" || c.verdict === "improvement");
  const rest = changes.filter((c) => !shown.includes(c));
  const regressions = shown.filter((c) => c.verdict === "regression").length;
  const out = [
    `Benchmark results against ${code(baselineName)}: **${plural(regressions, "regression")}**, ` +
      `${plural(shown.length - regressions, "improvement")} (beyond ±${NOISE_PCT}% and the 95% intervals); ` +
      `${plural(rest.length, "other metric")}.`,
  ];
  if (shown.length) out.push("", ...table(shown));
  if (rest.length) {
    const summary = `<details><summary>${plural(rest.length, "other metric")}: within noise, new, gone or without a direction</summary>`;
    out.push("", summary, "", ...table(rest), "", "</details>");
  }
  return out;
}
