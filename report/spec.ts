// What every figure shares: style, the title that names substrate and hypervisor (so a namespace
// figure is never mistaken for a hardware one), colours with the native reference first and apart,
// the GbE reference line, and the figure that says "failed" instead of plotting nothing.
import { type TopLevelSpec } from "vega-lite";
import { udpGoodputMbps, wireBytesForUdpPayload } from "../config/wire";
import { NATIVE, type BenchmarkResult, type StackResults, type Substrate, type Summary } from "./types";

export const SUBSTRATE_TEXT: Record<Substrate, string> = {
  namespaces: "namespaces on one machine — not hardware",
  emulated: "emulated (QEMU TCG)",
  hardware: "hardware",
};

export interface Figure {
  /** File name without extension: fig1a … fig4b. */
  id: string;
  /** ok: every contributing benchmark succeeded; partial: some failed; failed: nothing to plot. */
  status: "ok" | "partial" | "failed";
  /** One line per failed benchmark, for the CLI to print. */
  failures: string[];
  spec: TopLevelSpec;
}

export const SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";
export const WIDTH = 520;
export const HEIGHT = 300;
export const REFERENCE_COLOUR = "#7f7f7f";
// Native black, aggregates red, references grey (shades of each when stacks are combined); guests
// take Tableau 10 without its red and grey.
const SHADES: Record<Role, string[]> = {
  native: ["#222222", "#5c5c5c", "#969696"],
  aggregate: ["#d62728", "#8c1c1d", "#f28e8f"],
  reference: [REFERENCE_COLOUR, "#a6a6a6", "#5c5c5c"],
  guest: ["#4c78a8", "#f58518", "#54a24b", "#b279a2", "#72b7b2", "#eeca3b", "#9d755d", "#ff9da6"],
};
/** The link every throughput figure is bounded by: gigabit Ethernet, as in the paper. */
export const LINK_MBPS = 1000;

// No background: render.ts crops the image to what is drawn, then paints it white.
export const CONFIG = {
  font: "DejaVu Sans",
  background: "transparent",
  title: { anchor: "start" as const, fontSize: 15, subtitleFontSize: 11, subtitleColor: "#444", offset: 12 },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 11, labelLimit: 320 },
  view: { stroke: null },
};

export type Role = "native" | "aggregate" | "reference" | "guest";
/** One bar or point: a summary's mean and interval, labelled for the figure. */
export interface Row {
  /** What it is called on the axis or in the legend (`vr1`, or `stack: vr1` when stacks are combined). */
  series: string;
  /** What gives its colour: the series, or the hypervisor's guests as one group. */
  group: string;
  role: Role;
  x: number;
  mean: number;
  lo: number | null;
  hi: number | null;
}

export interface Found {
  stack: string;
  hypervisor: string;
  b: BenchmarkResult;
}

export function find(inputs: StackResults[], pick: (b: BenchmarkResult) => boolean): Found[] {
  return inputs.flatMap(({ stack, results }) =>
    results.benchmarks.filter(pick).map((b) => ({ stack, hypervisor: results.provenance.hypervisor, b })),
  );
}

export const roleOf = (system: string): Role =>
  system === NATIVE ? "native" : system === "aggregate" ? "aggregate" : "guest";

export function row(f: Found, multi: boolean, s: Summary, x = 0, role = roleOf(s.system)): Row {
  const series = multi ? `${f.stack}: ${s.system}` : s.system;
  return { series, group: series, role, x, mean: s.mean, lo: s.ci95?.[0] ?? null, hi: s.ci95?.[1] ?? null };
}

export const failures = (found: Found[]): string[] =>
  found
    .filter((f) => f.b.status === "failed")
    .map(({ stack, b }) => {
      const rep = b.error?.repetition ? ` in repetition ${b.error.repetition}` : "";
      return `${stack}: benchmark ${b.index} (${b.kind}) failed${rep}: ${b.error?.reason ?? "no reason given"}`;
    });

export function title(inputs: StackResults[], text: string, lines: string[]): TopLevelSpec["title"] {
  const substrates = [...new Set(inputs.map((i) => i.results.provenance.substrate))];
  if (substrates.length !== 1) throw new Error(`one substrate per figure, not ${substrates.join(" and ")}`);
  const hypervisors = [...new Set(inputs.map((i) => i.results.provenance.hypervisor))].join(", ");
  const stacks = inputs.map((i) => i.stack).join(", ");
  const where = `${SUBSTRATE_TEXT[substrates[0]]} · hypervisor: ${hypervisors} · stack: ${stacks}`;
  return { text, subtitle: [where, ...lines] };
}

const ROLE_ORDER: Role[] = ["native", "aggregate", "reference", "guest"];
/** Colour groups in drawing order (native first) and their colours. */
export function colours(rows: Row[]): { domain: string[]; range: string[] } {
  const roles = new Map<string, Role>();
  for (const r of rows) if (!roles.has(r.group)) roles.set(r.group, r.role);
  const rank = (g: string): number => ROLE_ORDER.indexOf(roles.get(g) ?? "guest");
  const domain = [...roles.keys()].sort((a, b) => rank(a) - rank(b));
  const used: Record<Role, number> = { native: 0, aggregate: 0, reference: 0, guest: 0 };
  const range = domain.map((g) => {
    const role = roles.get(g) ?? "guest";
    const shades = SHADES[role];
    return shades[used[role]++ % shades.length];
  });
  return { domain, range };
}

function wrap(line: string, width: number): string[] {
  const out: string[] = [];
  let cur = "";
  for (const w of line.split(" ")) {
    if (cur && cur.length + w.length + 1 > width) {
      out.push(cur);
      cur = w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  return [...out, cur];
}

export const statusOf = (fails: string[]): Figure["status"] => (fails.length ? "partial" : "ok");

/** The offered rate, a dashed line in the reference colour beside what was forwarded. */
export const offeredLine = (x: object, y: object) => ({
  mark: {
    type: "line" as const,
    color: REFERENCE_COLOUR,
    strokeDash: [6, 4],
    point: { color: REFERENCE_COLOUR },
  },
  encoding: { x, y, detail: { field: "series" } },
});

/** A figure of layers at the house size and style; its status follows its failures. */
export function layeredFigure(
  id: string,
  fails: string[],
  heading: TopLevelSpec["title"],
  layer: unknown[],
): Figure {
  const spec = { $schema: SCHEMA, title: heading, config: CONFIG, width: WIDTH, height: HEIGHT, layer };
  return { id, status: statusOf(fails), failures: fails, spec: spec as TopLevelSpec };
}

/** The figure of benchmarks that failed (or succeeded without its metric): it says so. */
export function failedFigure(id: string, head: TopLevelSpec["title"], found: Found[]): Figure {
  const why = found.some((f) => f.b.status === "ok")
    ? "A benchmark succeeded but measured none of this figure's metric."
    : undefined;
  return { id, status: "failed", failures: failures(found), spec: failedSpec(head, found, why) };
}

/** In place of a plot: what failed and the end of its output, so a failure is never an empty chart. */
function failedSpec(head: TopLevelSpec["title"], found: Found[], why?: string): TopLevelSpec {
  const lines = found
    .filter((f) => f.b.status === "failed")
    .flatMap((f) => [
      ...wrap(failures([f])[0], 80),
      ...(f.b.error?.tail ?? "")
        .split("\n")
        .filter(Boolean)
        .slice(-4)
        .map((l) => `  │ ${l.slice(0, 96)}`),
    ]);
  const text = ["FAILED: nothing to plot", ...(why ? [why] : []), ...lines];
  return {
    $schema: SCHEMA,
    title: head,
    config: CONFIG,
    width: WIDTH,
    height: 24 * text.length,
    data: { values: text.map((t, i) => ({ i, t })) },
    mark: { type: "text", align: "left", baseline: "middle" },
    encoding: {
      x: { value: 0 },
      y: { field: "i", type: "ordinal", axis: null },
      text: { field: "t" },
      color: { condition: { test: "datum.i === 0", value: "#c00000" }, value: "#333" },
      size: { condition: { test: "datum.i === 0", value: 18 }, value: 12 },
    },
  };
}

/** The payload the benchmarks sent (options, defaults resolved), for the GbE line. */
export const payloadOf = (found: Found[]): number =>
  found.map((f) => f.b.options.payloadBytes).find((p): p is number => typeof p === "number") ?? 1472;

/** The GbE goodput line and the caption that says why it is not the paper's 969 Mb/s. */
export function gbeLimit(payloadBytes: number): { mbps: number; label: string; caption: string } {
  const mbps = Math.round(udpGoodputMbps(LINK_MBPS, payloadBytes) * 10) / 10;
  const wire = wireBytesForUdpPayload(payloadBytes);
  return {
    mbps,
    label: `true GbE limit, ${payloadBytes}-byte payloads: ${mbps} Mb/s`,
    caption: `Dashed line: ${payloadBytes}/${wire} × ${LINK_MBPS} = ${mbps} Mb/s; the paper's 969 Mb/s leaves out preamble and inter-frame gap.`,
  };
}

/** A dashed horizontal line across the plot with its label above it, on the right. */
export function referenceRule(y: number, label: string) {
  const data = { values: [{ y, label }] };
  const enc = { y: { field: "y", type: "quantitative" as const } };
  return [
    {
      data,
      mark: { type: "rule" as const, color: REFERENCE_COLOUR, strokeDash: [6, 4], strokeWidth: 1.5 },
      encoding: enc,
    },
    {
      data,
      mark: { type: "text" as const, align: "right" as const, dy: -7, x: WIDTH - 4, fontSize: 11 },
      encoding: { ...enc, text: { field: "label" } },
    },
  ];
}
