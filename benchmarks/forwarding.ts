// Packet forwarding with n virtual routers at once (Fig. 4(b)): the generator offers offeredPps in
// total, round robin over the first n routers, as UDP frames sent to each router's MAC and addressed
// to up to `destinations` addresses spread over the prefixes its vrlab routing table (proto 198)
// routes via the timer inside 198.18.0.0/15, cycled packet by packet: every lookup walks the table
// to another prefix, and no packet leaves the lab range. Forwarded = frames the timer's NIC received
// over the run; offered = frames the generator's NIC sent. Both are rates over trafgen's own send time.
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
  parseRouteGets,
  parseRoutes,
  routeGetBatch,
  routeGetScript,
  routerInspectScript,
  type LinkCounters,
} from "./parse/counters";
import {
  DEFAULT_DESTINATIONS,
  forwardingFrames,
  generatorScript,
  parseGeneratorRun,
  pickDestinations,
  trafgenConfig,
} from "./parse/trafgen";
import { parseKeyValues } from "../remote/script";
import { type BenchmarkModule } from "./types";

export interface ForwardingOptions {
  sweep: number[];
  offeredPps: number;
  frameBytes: number;
  durationS: number;
  /** Destinations per router; DEFAULT_DESTINATIONS when not given. */
  destinations?: number;
}

/** Below this fraction of the asked rate the generator, not the routers, limited the run. */
export const SHORTFALL = 0.99;
const DST_PORT = 9; // discard
const FIRST_SRC_PORT = 10001;

interface Router {
  system: SystemSpec;
  mac: string;
  destinations: string[];
  /** Its vrlab routes (proto 198), and those of them inside the lab range via the timer. */
  routes: number;
  viaTimer: number;
}

/**
 * Reads each router's MAC and table, picks up to `max` destinations spread over its lab-range routes
 * via the timer, and checks that it forwards and that the kernel routes every one via the timer.
 */
async function inspect(ctx: BenchContext, routers: SystemSpec[], max: number): Promise<Router[]> {
  const { generator: gen, timer } = ctx.lab;
  const out: Router[] = [];
  for (const s of routers) {
    const dev = s.ifnames[gen.bridge];
    if (!dev)
      throw new Error(
        `forwarding: router ${s.name} has no interface on the generator's bridge ${gen.bridge}`,
      );
    const r = await ctx.run(s.exec, routerInspectScript(dev), { timeoutMs: 120_000 });
    const kv = parseKeyValues(r.stdout);
    if (kv.forwarding !== "1")
      throw new Error(`forwarding: router ${s.name} does not forward (net.ipv4.ip_forward=${kv.forwarding})`);
    const lab = parseRoutes(r.stdout.slice(r.stdout.indexOf("--- routes ---")));
    const { destinations, viaTimer } = pickDestinations(lab, timer.address, max);
    if (destinations.length === 0) {
      throw new Error(
        `forwarding: router ${s.name} has no vrlab route (proto 198) inside 198.18.0.0/15 via the timer ${timer.address} ` +
          `to send to (${kv.routes} vrlab routes, ${lab.length} in the lab range, ${viaTimer} of them via the timer)`,
      );
    }
    const got = parseRouteGets(
      (await ctx.run(s.exec, routeGetScript(), { timeoutMs: 60_000, stdin: routeGetBatch(destinations) }))
        .stdout,
    );
    const astray = destinations.filter((d) => got.get(d) !== timer.address);
    if (astray.length > 0) {
      const shown = astray.slice(0, 3).map((d) => `${d} via ${got.get(d) ?? "(none)"}`);
      throw new Error(
        `forwarding: router ${s.name} routes ${astray.length} destination(s) not via the timer ${timer.address}: ${shown.join(", ")}`,
      );
    }
    const mac = parseIpLinkJson(kv.link ?? "", dev).mac;
    out.push({ system: s, mac, destinations, routes: Number(kv.routes), viaTimer });
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
      destinations: {
        type: "integer",
        minimum: 1,
        maximum: 4096,
        default: DEFAULT_DESTINATIONS,
        description:
          "forwarding: destinations per router, spread evenly over its vrlab routes inside 198.18.0.0/15 via the timer, one address in each; the generator cycles over them, so every packet is looked up across the table.",
      },
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
    const routers = await inspect(
      ctx,
      all.slice(0, Math.max(...o.sweep)),
      o.destinations ?? DEFAULT_DESTINATIONS,
    );
    const out: Sample[] = [];
    for (const n of o.sweep) {
      const used = routers.slice(0, n);
      const frames = forwardingFrames(used, {
        srcIp: gen.address,
        firstSrcPort: FIRST_SRC_PORT,
        dstPort: DST_PORT,
      });
      const config = trafgenConfig(frames, o.frameBytes);
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
      // The table size joins the parameters when the routers share it: the report plots rate against it.
      const sizes = new Set(used.map((r) => r.routes));
      const params = { routers: n, ...(sizes.size === 1 ? { routes: used[0].routes } : {}) };
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
        destinations: used.map((r) => r.destinations.length).join(","),
        routes: used.map((r) => r.routes).join(","),
        labRoutesViaTimer: used.map((r) => r.viaTimer).join(","),
        firstDestinations: used.map((r) => r.destinations[0]).join(","),
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
