// Network fairness (Fig. 4(a)): the first n systems send UDP to the generator at the same time, each
// to its own iperf2 server (port 5001+i) on the generator; per-guest and aggregate throughput as the
// servers received it, and Jain's fairness index of the shares.
import { type Sample } from "../harness/types";
import {
  FIRST_PORT,
  IPERF_TOOLS,
  UDP_OPTIONS,
  endpoints,
  removeScratch,
  reportMetadata,
  requireTools,
  runClient,
  serverReport,
  startServer,
  stopServers,
  type IperfUdpOptions,
} from "./iperf-udp";
import { type UdpServerReport } from "./parse/iperf";
import { type BenchmarkModule } from "./types";

export interface FairnessOptions extends Omit<IperfUdpOptions, "direction"> {
  sweep: number[];
}

/**
 * Jain's fairness index (Σx)² / (n·Σx²): 1 when all shares are equal, 1/n when one gets everything.
 * Throws on no shares, a negative or non-finite share, or all zero (the index is undefined).
 */
export function jainIndex(shares: readonly number[]): number {
  if (shares.length === 0) throw new Error("Jain's index of no shares is undefined");
  for (const x of shares) {
    if (!Number.isFinite(x) || x < 0)
      throw new Error(`Jain's index: share ${x} is not a finite, non-negative number`);
  }
  const sum = shares.reduce((a, x) => a + x, 0);
  const squares = shares.reduce((a, x) => a + x * x, 0);
  if (squares === 0) throw new Error("Jain's index of all-zero shares is undefined");
  return (sum * sum) / (shares.length * squares);
}

/** The sweep's values that the systems given cannot run, as an error; undefined when all fit. */
export function sweepProblem(sweep: readonly number[], available: number, what: string): string | undefined {
  const big = sweep.filter((n) => n > available);
  if (big.length === 0) return undefined;
  return `sweep value${big.length > 1 ? "s" : ""} ${big.join(", ")} need${big.length > 1 ? "" : "s"} more ${what} than the ${available} given`;
}

/** The options schema of a sweep over 1 to 64 systems at once (fairness, forwarding). */
export function sweepOption(description: string): Record<string, unknown> {
  return {
    type: "array",
    items: { type: "integer", minimum: 1, maximum: 64 },
    minItems: 1,
    default: [1, 2, 3, 4],
    description,
  };
}

export const fairness: BenchmarkModule<FairnessOptions> = {
  kind: "fairness",
  description:
    "Network fairness: the first n systems send UDP to the generator at once; per-guest and aggregate Mb/s, Jain's index.",
  options: {
    type: "object",
    properties: {
      sweep: sweepOption("fairness: numbers of VMs sending at once (the paper: 1 to 4)."),
      ...UDP_OPTIONS,
      offeredMbps: { ...UDP_OPTIONS.offeredMbps, description: "fairness: offered load per VM, Mb/s." },
    },
  },
  figure: { title: "Fairness: throughput per VM and aggregate", paper: "Fig. 4(a)" },
  async prepare(ctx, systems, o) {
    const problem = sweepProblem(o.sweep, systems.length, "systems");
    if (problem) throw new Error(`fairness: ${problem}`);
    const used = systems.slice(0, Math.max(...o.sweep)).map((s) => endpoints(ctx, s, "fairness"));
    for (const at of [used[0].gen, ...used.map((e) => e.sys)]) await requireTools(ctx, at, IPERF_TOOLS);
  },
  async run(ctx, systems, o, repetition) {
    const problem = sweepProblem(o.sweep, systems.length, "systems");
    if (problem) throw new Error(`fairness: ${problem}`);
    const out: Sample[] = [];
    for (const n of o.sweep) {
      const pairs = systems.slice(0, n).map((s) => endpoints(ctx, s, "fairness"));
      const gen = pairs[0].gen;
      const ports = pairs.map((_, i) => FIRST_PORT + i);
      ctx.progress(`fairness: ${n} VM${n > 1 ? "s" : ""} sending at once, ${o.durationS} s`);
      let reports: UdpServerReport[];
      try {
        for (const port of ports) await startServer(ctx, gen, port, o.durationS);
        // All clients are started before any is awaited, so they send over the same seconds.
        const clients = await Promise.allSettled(
          pairs.map((p, i) => runClient(ctx, p.sys, gen, ports[i], o)),
        );
        const failed = clients.find((c): c is PromiseRejectedResult => c.status === "rejected");
        if (failed) throw failed.reason;
        reports = [];
        for (const port of ports) reports.push(await serverReport(ctx, gen, port));
      } finally {
        await stopServers(ctx, gen);
      }
      const params = { vms: n };
      const timestamp = Date.now();
      const shares = reports.map((r) => r.goodputMbps);
      reports.forEach((r, i) => {
        out.push({
          metric: "throughput",
          value: r.goodputMbps,
          unit: "Mb/s",
          system: pairs[i].sys.name,
          params,
          metadata: { ...reportMetadata(r, o), lossPercent: r.lossPercent, port: ports[i] },
          timestamp,
          repetition,
        });
      });
      const meta = {
        offered: o.offeredMbps * n,
        payload: o.payloadBytes,
        senders: pairs.map((p) => p.sys.name).join(","),
      };
      const total = shares.reduce((a, x) => a + x, 0);
      out.push({
        metric: "throughput",
        value: total,
        unit: "Mb/s",
        system: "aggregate",
        params,
        metadata: meta,
        timestamp,
        repetition,
      });
      out.push({
        metric: "jain index",
        value: jainIndex(shares),
        unit: "1",
        system: "all",
        params,
        metadata: meta,
        timestamp,
        repetition,
      });
    }
    return out;
  },
  async cleanup(ctx, systems, o) {
    const used = systems.slice(0, Math.max(0, ...o.sweep)).map((s) => endpoints(ctx, s, "fairness"));
    if (used.length > 0) await removeScratch(ctx, used[0].gen);
  },
};
