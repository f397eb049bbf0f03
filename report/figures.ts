// The paper's figures (Mattos et al., figs. 1-4) as Vega-Lite specs, built from the results'
// summaries alone (the raw samples may be gone). Pure: report/render.ts draws them. Figs. 1-3 are
// bars per system, here; the sweeps of fig. 4 are in report/sweeps.ts.
import {
  HEIGHT,
  colours,
  failedFigure,
  failures,
  find,
  gbeLimit,
  layeredFigure,
  payloadOf,
  referenceRule,
  row,
  title,
  type Figure,
  type Row,
} from "./spec";
import { fairnessFigure, forwardingFigure } from "./sweeps";
import { type BenchmarkResult, type StackResults } from "./types";

interface BarDef {
  id: string;
  kind: string;
  metric: string;
  direction?: "tx" | "rx";
  title: string;
  yTitle: string;
  note: string;
}

const TIME =
  "Mean of the repetitions as the external timer measured them; error bars: 95% CI. Smaller is better.";
const RATE = "Mean of the repetitions as the receiving machine measured them; error bars: 95% CI.";
const BARS: BarDef[] = [
  {
    id: "fig1a",
    kind: "superpi",
    metric: "time",
    title: "Fig. 1(a) Super Pi: mean execution time",
    yTitle: "time (s)",
    note: TIME,
  },
  {
    id: "fig1b",
    kind: "masr",
    metric: "time",
    title: "Fig. 1(b) MASR: mean execution time",
    yTitle: "time (s)",
    note: TIME,
  },
  {
    id: "fig2a",
    kind: "bonnie",
    metric: "time",
    title: "Fig. 2(a) Bonnie++: mean execution time",
    yTitle: "time (s)",
    note: TIME,
  },
  {
    id: "fig2b",
    kind: "zfg",
    metric: "time",
    title: "Fig. 2(b) ZFG: mean execution time",
    yTitle: "time of all rounds (s)",
    note: TIME,
  },
  {
    id: "fig3a",
    kind: "iperf-udp",
    metric: "transmit throughput",
    direction: "tx",
    title: "Fig. 3(a) Iperf UDP: transmit throughput",
    yTitle: "throughput (Mb/s)",
    note: RATE,
  },
  {
    id: "fig3b",
    kind: "iperf-udp",
    metric: "receive throughput",
    direction: "rx",
    title: "Fig. 3(b) Iperf UDP: receive throughput",
    yTitle: "throughput (Mb/s)",
    note: RATE,
  },
];

/** tx or rx: as configured, else as measured (a failed run without options counts for both). */
function direction(b: BenchmarkResult): "tx" | "rx" | undefined {
  const d = b.options.direction;
  if (d === "tx" || d === "rx") return d;
  if (b.summaries.some((s) => s.metric === "transmit throughput")) return "tx";
  if (b.summaries.some((s) => s.metric === "receive throughput")) return "rx";
  return undefined;
}

/** Figs. 1-3: one bar per system, the native reference first and black, guests in their hypervisor's colour. */
function barFigure(inputs: StackResults[], def: BarDef): Figure | undefined {
  const found = find(
    inputs,
    (b) => b.kind === def.kind && (!def.direction || (direction(b) ?? def.direction) === def.direction),
  );
  if (found.length === 0) return undefined;
  const multi = inputs.length > 1;
  const rows = found.flatMap((f) =>
    f.b.summaries
      .filter((s) => s.metric === def.metric && Object.keys(s.params ?? {}).length === 0)
      .map((s) => row(f, multi, s))
      .map(
        (r): Row => ({ ...r, group: r.role === "native" ? "native (reference)" : `${f.hypervisor} guests` }),
      ),
  );
  const fails = failures(found);
  const limit = def.kind === "iperf-udp" ? gbeLimit(payloadOf(found)) : undefined;
  const notes = [def.note, ...(limit ? [limit.caption] : [])];
  if (rows.length === 0) return failedFigure(def.id, title(inputs, def.title, notes), found);
  rows.sort((a, b) => Number(b.role === "native") - Number(a.role === "native"));
  if (rows.some((r) => r.lo === null)) notes.push("No error bar where there was one repetition (n = 1).");
  const x = {
    field: "series",
    type: "nominal" as const,
    sort: rows.map((r) => r.series),
    title: null,
    axis: { labelAngle: rows.some((r) => r.series.length > 8) ? -30 : 0, labelLimit: 200 },
  };
  const y = { field: "mean", type: "quantitative" as const, title: def.yTitle };
  const short = 0.07 * Math.max(...rows.map((r) => r.hi ?? r.mean));
  return layeredFigure(def.id, fails, title(inputs, def.title, [...notes, ...fails]), [
    {
      data: { values: rows },
      layer: [
        {
          mark: { type: "bar", width: { band: 0.6 } },
          encoding: { x, y, color: { field: "group", scale: colours(rows), title: null } },
        },
        {
          transform: [{ filter: "isValid(datum.lo)" }],
          mark: { type: "errorbar", ticks: { width: 10 }, color: "#000" },
          encoding: {
            x,
            y: { field: "lo", type: "quantitative", title: def.yTitle },
            y2: { field: "hi" },
          },
        },
        {
          // The mean, inside the bar's foot (clear of the error bar): near-equal bars still read apart.
          transform: [{ filter: `datum.mean >= ${short}` }],
          mark: { type: "text", baseline: "bottom", dy: -6, fontSize: 11, color: "#fff" },
          encoding: { x, y: { value: HEIGHT }, text: { field: "mean", format: ".4~r" } },
        },
        {
          // A bar too short to hold it has its mean above its error bar.
          transform: [
            { filter: `datum.mean < ${short}` },
            { calculate: "datum.hi || datum.mean", as: "top" },
          ],
          mark: { type: "text", baseline: "bottom", dy: -4, fontSize: 11, color: "#222" },
          encoding: {
            x,
            y: { field: "top", type: "quantitative" },
            text: { field: "mean", format: ".4~r" },
          },
        },
      ],
    },
    ...(limit ? referenceRule(limit.mbps, limit.label) : []),
  ]);
}

/** Every figure the results hold, in the paper's order; a benchmark that is absent gives none. */
export function buildFigures(inputs: StackResults[]): Figure[] {
  return [...BARS.map((d) => barFigure(inputs, d)), fairnessFigure(inputs), forwardingFigure(inputs)].filter(
    (f): f is Figure => f !== undefined,
  );
}
