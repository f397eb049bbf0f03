// Packet forwarding with n virtual routers at once (Fig. 4(b)): the generator offers offeredPps in
// total, round robin over the first n routers, as UDP frames sent to each router's MAC and addressed
// to a destination its vrlab routing table (proto 198) routes via the timer. Forwarded = frames the
// timer's NIC received over the run; offered = frames the generator's NIC sent. Both are rates over
// trafgen's own send time.
//
// Generator: netsniff-ng's trafgen (-b NNNpps, a bounded -n), not iperf2's `-b NNNpps`. Checked on this
// 2-core machine, 64-byte frames over a veth between namespaces through vrlab's 1 Gb/s tbf: asked for
// 130 kp/s, trafgen sent 129.96/129.97/129.99 kp/s by hand and 129.90/129.82/129.90 kp/s through
// generatorScript (NIC counter, 3 x 10 s each); it tops out near 466 kp/s with one worker, iperf2 near
// 343 kp/s. trafgen also writes each router's MAC into its frames; iperf2 could only reach the routers
// through the generator's own routes and ARP.
//
// Noise: the timer's NIC also counts what else reaches it on its bridge (the routers' ARP for it: one
// frame per run in the namespace lab). It is not subtracted; the idle rate before each run is recorded.
import { type BenchContext, type Exec, type Sample, type SystemSpec } from "../harness/types";
import { arg } from "../remote/shell";
import { sweepOption, sweepProblem } from "./fairness";
import { requireTools } from "./iperf-udp";
import {
  counterDelta,
  countersScript,
  parseIpLinkJson,
  parseRoutes,
  routeGetScript,
  routeGetVia,
  routerInspectScript,
  type LinkCounters,
} from "./parse/counters";
import { generatorScript, parseGeneratorRun, pickDestination, trafgenConfig } from "./parse/trafgen";
import { parseKeyValues } from "../remote/script";
import { type BenchmarkModule } from "./types";

export interface ForwardingOptions {
  sweep: number[];
  offeredPps: number;
  frameBytes: number;
  durationS: number;
}

/** Below this fraction of the asked rate the generator, not the routers, limited the run. */
export const SHORTFALL = 0.99;
const DST_PORT = 9; // discard
const FIRST_SRC_PORT = 10001;

interface Router {
  system: SystemSpec;
  mac: string;
  dst: string;
  routes: number;
}

/** Reads each router's MAC and picks a destination its table routes via the timer; checks it forwards. */
async function inspect(ctx: BenchContext, routers: SystemSpec[]): Promise<Router[]> {
  const { generator: gen, timer } = ctx.lab;
  const out: Router[] = [];
  for (const s of routers) {
    const dev = s.ifnames[gen.bridge];
    if (!dev)
      throw new Error(
        `forwarding: router ${s.name} has no interface on the generator's bridge ${gen.bridge}`,
      );
    const r = await ctx.run(s.exec, routerInspectScript(dev), { timeoutMs: 60_000 });
    const kv = parseKeyValues(r.stdout);
    if (kv.forwarding !== "1")
      throw new Error(`forwarding: router ${s.name} does not forward (net.ipv4.ip_forward=${kv.forwarding})`);
    const routes = parseRoutes(r.stdout.slice(r.stdout.indexOf("--- routes ---")));
    const dst = pickDestination(routes, timer.address);
    if (!dst) {
      throw new Error(
        `forwarding: router ${s.name} has no vrlab route (proto 198) inside 198.18.0.0/15 via the timer ${timer.address}`,
      );
    }
    const got = (await ctx.run(s.exec, routeGetScript(dst), { timeoutMs: 30_000 })).stdout;
    if (routeGetVia(got) !== timer.address)
      throw new Error(`forwarding: router ${s.name} routes ${dst} as ${got.trim()}, not via the timer`);
    out.push({ system: s, mac: parseIpLinkJson(kv.link ?? "", dev).mac, dst, routes: Number(kv.routes) });
  }
  return out;
}

async function counters(ctx: BenchContext, exec: Exec, dev: string, pauseTenths = 0) {
  const kv = parseKeyValues(
    (await ctx.run(exec, countersScript(dev, pauseTenths), { timeoutMs: 30_000 })).stdout,
  );
  if (!/^\d+$/.test(kv.ns ?? "")) throw new Error(`forwarding: no timestamp reading ${dev}'s counters`);
  return { ns: BigInt(kv.ns), link: parseIpLinkJson(kv.link ?? "", dev) };
}

const seconds = (a: { ns: bigint }, b: { ns: bigint }): number => Number(b.ns - a.ns) / 1e9;
const rxDelta = (a: { link: LinkCounters }, b: { link: LinkCounters }) =>
  counterDelta(a.link, b.link, "rxPackets");

export const forwarding: BenchmarkModule<ForwardingOptions> = {
  kind: "forwarding",
  description:
    "Routing: the generator offers offeredPps over the first n routers at once (trafgen); the rate the timer receives.",
  options: {
    type: "object",
    properties: {
      sweep: sweepOption("forwarding: numbers of virtual routers forwarding at once (the paper: 1 to 4)."),
      offeredPps: {
        type: "integer",
        minimum: 1,
        maximum: 100000000,
        default: 130000,
        description: "forwarding: packets per second offered in total (the paper: 130 kp/s).",
      },
      frameBytes: {
        type: "integer",
        minimum: 64,
        maximum: 1518,
        default: 64,
        description: "forwarding: Ethernet frame, FCS included.",
      },
      durationS: { type: "integer", minimum: 1, maximum: 3600, default: 10, description: "Seconds per run." },
      routingTables: {
        type: "array",
        items: { $ref: "#/definitions/name" },
        minItems: 1,
        description:
          "forwarding: compare tables (the paper: 1k, 10k, 100k routes). One run per table, on the routers that carry it.",
      },
    },
  },
  figure: { title: "Forwarding: aggregate forwarded packet rate", paper: "Fig. 4(b)" },
  async prepare(ctx, systems, o) {
    const routers = systems.filter((s) => s.role === "router");
    const problem = sweepProblem(o.sweep, routers.length, "routers");
    if (problem) throw new Error(`forwarding: ${problem}`);
    const gen = ctx.lab.generator;
    await requireTools(ctx, { ...gen, dir: gen.scratchDir }, ["trafgen", "timeout", "ip", "date"]);
  },
  async run(ctx, systems, o, repetition) {
    const all = systems.filter((s) => s.role === "router");
    const problem = sweepProblem(o.sweep, all.length, "routers");
    if (problem) throw new Error(`forwarding: ${problem}`);
    const { generator: gen, timer } = ctx.lab;
    const routers = await inspect(ctx, all.slice(0, Math.max(...o.sweep)));
    const out: Sample[] = [];
    for (const n of o.sweep) {
      const used = routers.slice(0, n);
      const config = trafgenConfig(
        used.map((r, i) => ({
          dstMac: r.mac,
          srcIp: gen.address,
          dstIp: r.dst,
          srcPort: FIRST_SRC_PORT + i,
          dstPort: DST_PORT,
        })),
        o.frameBytes,
      );
      ctx.progress(`forwarding: ${o.offeredPps} p/s over ${n} router${n > 1 ? "s" : ""}, ${o.durationS} s`);
      // The timer's background (ARP, neighbour discovery on its bridge) over one idle second, for the record.
      const idle = await counters(ctx, timer.exec, timer.ifname);
      const before = await counters(ctx, timer.exec, timer.ifname, 10);
      const limitS = o.durationS * 3 + 10;
      const sent = await ctx.run(
        gen.exec,
        generatorScript({
          dir: `${gen.scratchDir}/forwarding`,
          dev: gen.ifname,
          pps: o.offeredPps,
          count: o.offeredPps * o.durationS,
          limitS,
        }),
        { timeoutMs: (limitS + 30) * 1000, stdin: config },
      );
      const after = await counters(ctx, timer.exec, timer.ifname, 5); // frames still queued arrive
      const g = parseGeneratorRun(sent.stdout, gen.ifname);
      const sendS = g.report.seconds;
      const offeredPps = counterDelta(g.before, g.after, "txPackets") / sendS;
      const forwardedPps = rxDelta(before, after) / sendS;
      const shortfall = offeredPps < SHORTFALL * o.offeredPps;
      const params = { routers: n };
      const metadata = {
        askedPps: o.offeredPps,
        frameBytes: o.frameBytes,
        sendS,
        wallS: g.wallS,
        trafgenPps: g.report.packets / sendS,
        nicPackets: counterDelta(g.before, g.after, "txPackets"),
        forwardedPackets: rxDelta(before, after),
        timerBackgroundPps: rxDelta(idle, before) / seconds(idle, before),
        timerWindowS: seconds(before, after),
        routers: used.map((r) => r.system.name).join(","),
        destinations: used.map((r) => r.dst).join(","),
        routes: used.map((r) => r.routes).join(","),
        stoppedByTimeout: g.exitCode === 124,
        shortfall,
      };
      const base = { params, metadata, timestamp: Date.now(), repetition };
      out.push({
        ...base,
        metric: "forwarded rate",
        value: forwardedPps / 1000,
        unit: "kp/s",
        system: "aggregate",
      });
      out.push({ ...base, metric: "offered rate", value: offeredPps / 1000, unit: "kp/s", system: gen.name });
      const pct = ((o.offeredPps - offeredPps) / o.offeredPps) * 100;
      out.push({ ...base, metric: "offered shortfall", value: pct, unit: "%", system: gen.name });
    }
    return out;
  },
  async cleanup(ctx) {
    const gen = ctx.lab.generator;
    await ctx.run(gen.exec, `rm -rf -- ${arg("path", `${gen.scratchDir}/forwarding`)}`, {
      timeoutMs: 30_000,
    });
  },
};
