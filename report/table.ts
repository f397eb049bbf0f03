// The results as a terminal table: what `scripts/vrlab up` prints when the suite has run. Only the
// headline metrics of each benchmark (what its figure plots); every summary is in the CSV.
import { type Results, type Summary } from "./types";

/** The metrics a benchmark's figure plots, by kind. */
const HEADLINE: Record<string, string[]> = {
  superpi: ["time", "time distortion"],
  masr: ["time", "time distortion"],
  bonnie: ["time"],
  zfg: ["time"],
  "iperf-udp": ["transmit throughput", "receive throughput", "loss"],
  fairness: ["throughput", "jain index"],
  forwarding: ["forwarded rate", "offered rate"],
};

const num = (x: number): string =>
  Math.abs(x) >= 100 ? x.toFixed(1) : Math.abs(x) >= 1 ? x.toFixed(3) : x.toPrecision(3);

function row(kind: string, s: Summary): string[] {
  const params = Object.entries(s.params ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  const ci = s.ci95 ? `± ${num((s.ci95[1] - s.ci95[0]) / 2)}` : "";
  return [kind, s.metric, s.system, params, String(s.n), num(s.mean), ci, s.unit];
}

export function resultsTable(r: Results): string {
  const rows: string[][] = [["BENCHMARK", "METRIC", "SYSTEM", "PARAMS", "N", "MEAN", "95% CI", "UNIT"]];
  const failed: string[] = [];
  for (const b of r.benchmarks) {
    const kind = `${b.index + 1} ${b.kind}${b.options.direction ? ` ${String(b.options.direction)}` : ""}`;
    if (b.status === "failed") {
      rows.push([kind, "FAILED", "", "", "", "", "", ""]);
      failed.push(`${kind}: ${b.error?.reason ?? "failed"}\n${(b.error?.tail ?? "").replace(/^/gm, "    ")}`);
      continue;
    }
    const wanted = HEADLINE[b.kind] ?? [];
    for (const s of b.summaries.filter((x) => wanted.includes(x.metric))) rows.push(row(kind, s));
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const right = new Set([4, 5, 6]);
  const lines = rows.map((r) =>
    r
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd(),
  );
  const p = r.provenance;
  const head = `results ${r.runId}: ${r.status}, ${p.hypervisor} on ${p.substrate}, kernel ${p.kernel}, ${p.startedAt} → ${p.finishedAt}`;
  const foot = [`raw samples: ${r.samplesFile}`, ...(failed.length ? ["", "failed:", ...failed] : [])];
  return [head, "", ...lines, "", ...foot].join("\n");
}
