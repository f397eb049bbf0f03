// Results as one CSV table (RFC 4180: CRLF line ends, fields quoted only when they must be).
// A failed benchmark is one row with empty numbers: an empty cell is "not measured", never 0.
import { type StackResults, type Summary } from "./types";

export const CSV_HEADER = [
  "stack",
  "substrate",
  "hypervisor",
  "benchmark index",
  "kind",
  "status",
  "metric",
  "unit",
  "system",
  "params",
  "n",
  "mean",
  "stddev",
  "ci95 low",
  "ci95 high",
  "min",
  "max",
];

/** A field as RFC 4180 wants it: quoted, quotes doubled, when it holds a comma, quote or line break. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** `{vms: 2, b: 1}` → `b=1;vms=2` (sorted, so the same point always reads the same). */
export function paramsText(params: Record<string, number> | undefined): string {
  return Object.entries(params ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(";");
}

// JavaScript's shortest round-trip form: no digits invented or lost.
const num = (x: number | undefined): string => (x === undefined ? "" : String(x));

function summaryCells(s: Summary | undefined): string[] {
  if (!s) return Array<string>(CSV_HEADER.length - 6).fill("");
  return [
    s.metric,
    s.unit,
    s.system,
    paramsText(s.params),
    num(s.n),
    num(s.mean),
    num(s.stddev),
    num(s.ci95?.[0]),
    num(s.ci95?.[1]),
    num(s.min),
    num(s.max),
  ];
}

/** Every stack's summaries, one row each, in benchmark order; the header first. */
export function resultsCsv(stacks: StackResults[]): string {
  const rows: string[][] = [CSV_HEADER];
  for (const { stack, results } of stacks) {
    const { substrate, hypervisor } = results.provenance;
    for (const b of results.benchmarks) {
      const head = [stack, substrate, hypervisor, String(b.index), b.kind, b.status];
      // A failed benchmark has no summaries (the suite drops them); an ok one without any still shows.
      const summaries: (Summary | undefined)[] =
        b.status === "failed" || b.summaries.length === 0 ? [undefined] : b.summaries;
      for (const s of summaries) rows.push([...head, ...summaryCells(s)]);
    }
  }
  return rows.map((r) => r.map(csvField).join(",") + "\r\n").join("");
}
