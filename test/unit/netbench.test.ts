// The network benchmarks' pure parts: rendered scripts and trafgen configs (golden snapshots), parsers
// against output recorded from trafgen 0.6.8, iproute2 and iperf 2.1.8 (test/fixtures/trafgen/README.md,
// test/fixtures/iperf/README.md), and Jain's index.
import * as fs from "node:fs";
import * as path from "node:path";
import { fairness, jainIndex, sweepProblem } from "../../benchmarks/fairness";
import { forwarding } from "../../benchmarks/forwarding";
import {
  clientScript,
  iperfUdp,
  serverReportScript,
  serverStartScript,
  serverStopScript,
} from "../../benchmarks/iperf-udp";
import {
  checkMac,
  counterDelta,
  countersScript,
  parseIpLinkJson,
  parseRouteGets,
  parseRoutes,
  routeGetBatch,
  routeGetScript,
  routeGetVia,
  routerInspectScript,
  type Route,
} from "../../benchmarks/parse/counters";
import { parseIperfUdpServerCsv } from "../../benchmarks/parse/iperf";
import {
  forwardingFrames,
  generatorScript,
  inBenchmarkBlock,
  parseGeneratorRun,
  parseTrafgenReport,
  pickDestinations,
  trafgenConfig,
  type TrafgenFrame,
} from "../../benchmarks/parse/trafgen";
import { type BenchContext, type SystemSpec } from "../../harness/types";
import { parseKeyValues } from "../../remote/script";
import { UnsafeValueError } from "../../remote/shell";

const fixture = (dir: string, name: string): string =>
  fs.readFileSync(path.resolve(__dirname, "../fixtures", dir, name), "utf8");
const trafgen = (name: string) => fixture("trafgen", name);

const frame = (i: number, over: Partial<TrafgenFrame> = {}): TrafgenFrame => ({
  dstMac: `02:00:00:00:00:0${i}`,
  srcIp: "198.18.1.2",
  dstIp: `198.19.0.${i}`,
  srcPort: 10000 + i,
  dstPort: 9,
  ...over,
});

describe("rendered scripts (golden)", () => {
  test("iperf server, report, stop and client", () => {
    const dir = "/var/lib/vrlab/scratch/iperf-udp";
    expect(serverStartScript({ dir, address: "198.18.1.2", port: 5001, limitS: 70 })).toMatchSnapshot();
    expect(serverReportScript({ dir, port: 5002, waitS: 5 })).toMatchSnapshot();
    expect(serverStopScript({ dir })).toMatchSnapshot();
    expect(serverStopScript({ dir, port: 5001 })).toContain("PORT='5001'");
    const c = { from: "198.18.1.11", to: "198.18.1.2", port: 5001, payloadBytes: 1472, durationS: 10 };
    expect(clientScript({ ...c, offeredMbps: 950 })).toMatchSnapshot();
  });

  test("the client offers plain bits per second: iperf2 reads 950M as 950 x 2^20", () => {
    const c = { from: "198.18.1.11", to: "198.18.1.2", port: 5001, payloadBytes: 1472, durationS: 1 };
    expect(clientScript({ ...c, offeredMbps: 950 })).toContain("BPS='950000000'");
  });

  test("forwarding: router inspection, route check, counters, generator", () => {
    expect(routerInspectScript("eth0")).toMatchSnapshot();
    expect(routeGetScript()).toMatchSnapshot();
    expect(routeGetBatch(["198.19.0.1", "198.19.4.17"])).toBe(
      "route get 198.19.0.1\nroute get 198.19.4.17\n",
    );
    expect(countersScript("eth1", 5)).toMatchSnapshot();
    expect(
      generatorScript({ dir: "/srv/gen/forwarding", dev: "eth0", pps: 130000, count: 1300000, limitS: 40 }),
    ).toMatchSnapshot();
  });

  test("a value outside its allow-list never reaches a script", () => {
    const c = { from: "198.18.1.11", port: 5001, payloadBytes: 1472, offeredMbps: 950, durationS: 1 };
    expect(() => clientScript({ ...c, to: "198.18.1.2; reboot" })).toThrow(UnsafeValueError);
    expect(() => serverStartScript({ dir: "/tmp/$(id)", address: "198.18.1.2", port: 1, limitS: 1 })).toThrow(
      UnsafeValueError,
    );
    expect(() => countersScript("eth0 up")).toThrow(UnsafeValueError);
    expect(() => routeGetBatch(["198.19.0.1\nroute flush all"])).toThrow(UnsafeValueError);
  });
});

describe("trafgenConfig", () => {
  test("one UDP frame per router, TTL 64, padded to the frame size (golden)", () => {
    expect(trafgenConfig([frame(1), frame(2)], 64)).toMatchSnapshot();
  });

  test("payload = frame - FCS - headers: 64 → 18 bytes, 1518 → 1472", () => {
    expect(trafgenConfig([frame(1)], 64)).toContain("fill(0x00, 18)");
    expect(trafgenConfig([frame(1)], 1518)).toContain("fill(0x00, 1472)");
  });

  test("refuses destinations outside 198.18.0.0/15, bad MACs, ports and sizes", () => {
    expect(() => trafgenConfig([frame(1, { dstIp: "10.0.0.1" })], 64)).toThrow(/outside 198.18.0.0\/15/);
    expect(() => trafgenConfig([frame(1, { dstIp: "198.20.0.1" })], 64)).toThrow(/outside/);
    expect(() => trafgenConfig([frame(1, { dstMac: "ff:ff:ff:ff:ff:ff" })], 64)).toThrow(/not a unicast/);
    expect(() => trafgenConfig([frame(1, { dstMac: "02:00:00:00:00" })], 64)).toThrow(/not an Ethernet MAC/);
    expect(() => trafgenConfig([frame(1, { srcIp: "198.18.1.2), drnd(" })], 64)).toThrow(UnsafeValueError);
    expect(() => trafgenConfig([frame(1, { dstPort: 0 })], 64)).toThrow(/not a port/);
    expect(() => trafgenConfig([frame(1)], 63)).toThrow(/64..1518/);
    expect(() => trafgenConfig([], 64)).toThrow(/no frames/);
  });

  test("inBenchmarkBlock is exactly 198.18.0.0/15", () => {
    expect(["198.18.0.0", "198.19.255.255"].map(inBenchmarkBlock)).toEqual([true, true]);
    expect(["198.17.255.255", "198.20.0.0", "10.198.18.1"].map(inBenchmarkBlock)).toEqual([
      false,
      false,
      false,
    ]);
  });
});

describe("parseTrafgenReport", () => {
  test("a finished run: packets, bytes, and the worker's time (usec is not zero-padded)", () => {
    expect(parseTrafgenReport(trafgen("trafgen-130kpps-2s.stdout"))).toEqual({
      packets: 260000,
      bytes: 15600000,
      seconds: 2.000844,
      workers: [{ cpu: 0, seconds: 2.000844, packets: 260000 }],
    });
  });

  test("a run interrupted with SIGINT still reports what it sent", () => {
    const r = parseTrafgenReport(trafgen("trafgen-sigint.stdout"));
    expect(r).toMatchObject({ packets: 130000, bytes: 7800000, seconds: 0.997609 });
  });

  test("malformed or missing statistics throw rather than give a number", () => {
    const text = trafgen("trafgen-130kpps-2s.stdout");
    expect(() => parseTrafgenReport("")).toThrow(/no "packets outgoing" line/);
    expect(() => parseTrafgenReport(text.replace(/.*on CPU0.*\n/, ""))).toThrow(/no per-CPU line/);
    expect(() => parseTrafgenReport(text.replace("(260000 packets)", "(250000 packets)"))).toThrow(
      /workers sent 250000 packets, the total says 260000/,
    );
    expect(() => parseTrafgenReport(text + text)).toThrow(/more than one "packets outgoing"/);
    expect(() => parseTrafgenReport(text.replace(/260000/g, "0"))).toThrow(/sent nothing/);
    expect(() => parseTrafgenReport("Failed to open output device\n")).toThrow(/output was/);
  });
});

describe("parseGeneratorRun", () => {
  const dev = "vnb-mcfd-g0";

  test("counters, wall time and trafgen's report around one run", () => {
    const r = parseGeneratorRun(trafgen("generator-run-2frames.stdout"), dev);
    expect(r.exitCode).toBe(0);
    expect(r.report.packets).toBe(260000);
    expect(r.report.seconds).toBeCloseTo(2.001067, 6);
    expect(r.wallS).toBeCloseTo(2.028325867, 6);
    expect(counterDelta(r.before, r.after, "txPackets")).toBe(260000);
  });

  test("a run stopped by its time limit (rc 124) still reports", () => {
    const r = parseGeneratorRun(trafgen("generator-run-timeout.stdout"), dev);
    expect(r.exitCode).toBe(124);
    expect(r.report.packets).toBe(130000);
    expect(counterDelta(r.before, r.after, "txPackets")).toBe(130000);
  });

  test("anything else throws", () => {
    const text = trafgen("generator-run-2frames.stdout");
    expect(() => parseGeneratorRun(text, "eth0")).toThrow(/interface is "vnb-mcfd-g0", not eth0/);
    expect(() => parseGeneratorRun(text.replace("rc=0", "rc=1"), dev)).toThrow(/trafgen exited 1/);
    expect(() => parseGeneratorRun(text.replace("--- trafgen stdout ---", ""), dev)).toThrow(
      /no "--- trafgen/,
    );
    expect(() => parseGeneratorRun(text.replace(/^start_ns=.*\n/m, ""), dev)).toThrow(/no start_ns= line/);
    expect(() => parseGeneratorRun(text.replace(/^end_ns=\d+/m, "end_ns=soon"), dev)).toThrow(
      /not nanoseconds/,
    );
  });
});

describe("parseIpLinkJson and counterDelta", () => {
  const link = parseKeyValues(trafgen("counters.stdout")).link;

  test("MAC and counters of the interface asked for", () => {
    const c = parseIpLinkJson(link, "vnb-mcfd-t0");
    expect(c.mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    expect(c.rxPackets).toBeGreaterThan(0);
    expect(c).toEqual(expect.objectContaining({ ifname: "vnb-mcfd-t0", txDropped: 0 }));
  });

  test("refuses other interfaces, text output, missing -s, and non-counters", () => {
    expect(() => parseIpLinkJson(link, "eth0")).toThrow(/not eth0/);
    expect(() => parseIpLinkJson("2: eth0: <BROADCAST> mtu 1500", "eth0")).toThrow(/not JSON/);
    expect(() => parseIpLinkJson(link.replace(/,"stats64":.*\}\]$/, "}]"), "vnb-mcfd-t0")).toThrow(
      /no stats64/,
    );
    expect(() => parseIpLinkJson(link.replace(/"packets":\d+/, '"packets":-1'), "vnb-mcfd-t0")).toThrow(
      /rx.packets -1 is not a counter/,
    );
    expect(() => parseIpLinkJson("[]", "eth0")).toThrow(/exactly one interface/);
  });

  test("a counter that went backwards throws", () => {
    const c = parseIpLinkJson(link, "vnb-mcfd-t0");
    expect(counterDelta(c, { ...c, rxPackets: c.rxPackets + 7 }, "rxPackets")).toBe(7);
    expect(() => counterDelta({ ...c, rxPackets: c.rxPackets + 7 }, c, "rxPackets")).toThrow(/went from/);
  });

  test("checkMac lower-cases a unicast MAC and refuses zero, multicast and junk", () => {
    expect(checkMac("02:AB:00:00:00:01", "x")).toBe("02:ab:00:00:00:01");
    expect(() => checkMac("00:00:00:00:00:00", "x")).toThrow(/unicast/);
    expect(() => checkMac("01:00:5e:00:00:01", "x")).toThrow(/unicast/);
    expect(() => checkMac("02:ab:00:00:00:01 ", "x")).toThrow(/not an Ethernet MAC/);
  });
});

describe("routes", () => {
  const routes = parseRoutes(trafgen("ip-route-show-proto198.txt"));

  test("parseRoutes reads /32s (printed bare) and prefixes; routes without a next hop are skipped", () => {
    expect(routes).toEqual([
      { dst: "198.18.248.1", prefixLength: 32, via: "198.18.240.1" },
      { dst: "198.18.248.2", prefixLength: 32, via: "198.18.240.1" },
      { dst: "198.18.248.3", prefixLength: 32, via: "198.18.240.1" },
      { dst: "198.18.249.0", prefixLength: 24, via: "198.18.240.1" },
    ]);
  });

  test("pickDestinations: a /32's own address, a prefix's first host, only via the timer, only in the block", () => {
    expect(pickDestinations(routes, "198.18.240.1", 8)).toEqual({
      destinations: ["198.18.248.1", "198.18.248.2", "198.18.248.3", "198.18.249.1"],
      viaTimer: 4,
    });
    expect(pickDestinations(routes, "198.18.2.2", 8)).toEqual({ destinations: [], viaTimer: 0 });
    const outside = parseRoutes("10.0.0.0/8 via 198.18.2.2 dev eth1\n198.0.0.0/8 via 198.18.2.2 dev eth1\n");
    expect(pickDestinations(outside, "198.18.2.2", 8).destinations).toEqual([]);
  });

  test("parseRouteGets reads each destination's next hop from `ip -o -batch -`", () => {
    const text = `${trafgen("ip-route-get.txt")}198.18.250.7 dev vnb-mcfd-t0 src 198.18.240.2 uid 0 \\    cache \n`;
    expect([...parseRouteGets(text)]).toEqual([
      ["198.18.248.2", "198.18.240.1"],
      ["198.18.250.7", undefined],
    ]);
  });

  test("routeGetVia reads the next hop of `ip -o route get`", () => {
    expect(routeGetVia(trafgen("ip-route-get.txt"))).toBe("198.18.240.1");
    expect(routeGetVia("198.18.240.1 dev eth0 src 198.18.240.2 uid 0 \\    cache")).toBeUndefined();
  });
});

describe("Jain's fairness index", () => {
  test("1 for equal shares, 1/n when one sender gets everything", () => {
    expect(jainIndex([5, 5, 5, 5])).toBe(1);
    expect(jainIndex([957.1])).toBe(1);
    expect(jainIndex([10, 0, 0, 0])).toBe(0.25);
    expect(jainIndex([3, 0])).toBe(0.5);
    expect(jainIndex([1, 3])).toBeCloseTo(16 / 20, 12);
  });

  test("of the shares two concurrent iperf servers recorded", () => {
    const [a, b] = ["5001", "5002"].map(
      (p) => parseIperfUdpServerCsv(fixture("iperf", `udp-server-csv-concurrent-${p}.txt`)).goodputMbps,
    );
    expect([a, b]).toEqual([483.375985, 472.679076]);
    expect(jainIndex([a, b])).toBeCloseTo((a + b) ** 2 / (2 * (a * a + b * b)), 12);
    expect(jainIndex([a, b])).toBeGreaterThan(0.999);
  });

  test("undefined shares throw rather than give a number", () => {
    expect(() => jainIndex([])).toThrow(/no shares/);
    expect(() => jainIndex([0, 0])).toThrow(/all-zero/);
    expect(() => jainIndex([1, -1])).toThrow(/not a finite, non-negative/);
    expect(() => jainIndex([1, NaN])).toThrow(/not a finite/);
  });
});

describe("options and sweeps", () => {
  test("sweepProblem names the values that need more systems than given", () => {
    expect(sweepProblem([1, 2], 2, "systems")).toBeUndefined();
    expect(sweepProblem([1, 3, 4], 2, "routers")).toBe(
      "sweep values 3, 4 need more routers than the 2 given",
    );
  });

  test("the schemas' defaults are the paper's", () => {
    const defaults = (m: { options: { properties: Record<string, Record<string, unknown>> } }) =>
      Object.fromEntries(Object.entries(m.options.properties).map(([k, v]) => [k, v.default]));
    expect(defaults(iperfUdp)).toEqual({
      direction: undefined,
      payloadBytes: 1472,
      offeredMbps: 950,
      durationS: 10,
    });
    expect(iperfUdp.options.required).toEqual(["direction"]);
    expect(defaults(fairness)).toEqual({
      sweep: [1, 2, 3, 4],
      payloadBytes: 1472,
      offeredMbps: 950,
      durationS: 10,
    });
    expect(defaults(forwarding)).toEqual({
      sweep: [1, 2, 3, 4],
      offeredPps: 130000,
      frameBytes: 64,
      durationS: 10,
      destinations: 256,
    });
  });
});

describe("destinations across the table", () => {
  const TIMER = "198.18.2.2";
  const LAB_FIRST = 0xc6120000;
  const LAB_END = LAB_FIRST + 2 ** 17;
  const toInt = (ip: string): number => ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);
  const toIp = (n: number): string => [24, 16, 8, 0].map((b) => Math.floor(n / 2 ** b) % 256).join(".");
  const route = (net: number, len: number, via = TIMER): Route => ({
    dst: toIp(net),
    prefixLength: len,
    via,
  });
  /** The longest prefix of `table` holding `addr`, as the kernel would pick it. */
  const lookup = (table: Route[], addr: number): Route | undefined =>
    table
      .filter((r) => addr >= toInt(r.dst) && addr < toInt(r.dst) + 2 ** (32 - r.prefixLength))
      .sort((a, b) => b.prefixLength - a.prefixLength)[0];
  // 1,024 /26s over 198.19.0.0/16 every 64th /26, some /32s, some routes via another hop, others outside the lab.
  const table: Route[] = [
    ...Array.from({ length: 1024 }, (_, i) => route(0xc6130000 + i * 64, 26)),
    ...Array.from({ length: 16 }, (_, i) => route(0xc6120a00 + i, 32)),
    ...Array.from({ length: 64 }, (_, i) => route(0x01000000 + i * 256, 24)),
    route(0xc6121000, 24, "198.18.2.3"),
    route(0xc6000000, 8), // covers the lab range: outside it, never a destination
  ];

  test("spread evenly: every (n/k)th prefix in address order, one host each", () => {
    const { destinations, viaTimer } = pickDestinations(table, TIMER, 256);
    expect(viaTimer).toBe(1040);
    expect(destinations).toHaveLength(256);
    expect(destinations.slice(0, 5)).toEqual([
      "198.18.10.0",
      "198.18.10.4",
      "198.18.10.8",
      "198.18.10.12",
      "198.19.0.1",
    ]);
    expect(destinations[255]).toBe("198.19.254.193"); // the 1,036th of 1,040: the end of the table too
    // Their prefixes' indices step by 1040/256 = 4.06: no run of the table is left out.
    const nets = table.filter((r) => r.via === TIMER && r.prefixLength >= 15).map((r) => toInt(r.dst));
    nets.sort((a, b) => a - b);
    const at = destinations.map((d) => nets.indexOf(toInt(lookup(table, toInt(d))?.dst ?? "0.0.0.0")));
    const steps = at.slice(1).map((x, i) => x - at[i]);
    expect(Math.min(...steps)).toBe(4);
    expect(Math.max(...steps)).toBe(5);
  });

  test("bounds: at most k, all of them when fewer; never network, broadcast or outside the lab", () => {
    expect(pickDestinations(table, TIMER, 4096).destinations).toHaveLength(1040);
    expect(pickDestinations(table, TIMER, 1).destinations).toEqual(["198.18.10.0"]);
    expect(() => pickDestinations(table, TIMER, 0)).toThrow(/not a count/);
    for (const d of pickDestinations(table, TIMER, 4096).destinations) {
      const a = toInt(d);
      const r = lookup(table, a);
      expect([inBenchmarkBlock(d), r?.via]).toEqual([true, TIMER]);
      const net = toInt(r?.dst ?? "0.0.0.0");
      const last = net + 2 ** (32 - (r?.prefixLength ?? 0)) - 1;
      if ((r?.prefixLength ?? 32) <= 30) expect([a === net, a === last]).toEqual([false, false]);
      expect(a >= LAB_FIRST && a < LAB_END).toBe(true);
    }
  });

  test("a more specific route is stepped over, so the lookup ends at the prefix picked", () => {
    const nested = [
      route(0xc6130000, 24),
      route(0xc6130000, 28, "198.18.2.3"), // takes .0-.15
      route(0xc6130010, 32), // .16: via the timer, but a prefix of its own
      route(0xc6130100, 30),
      route(0xc6130100, 31, "198.18.2.3"), // .0 and .1 of the /30 (its only host is .1 or .2)
      route(0xc6130200, 31),
    ];
    // In the prefixes' order: the /24 (.0-.15 and .16 taken), then the /32 inside it.
    expect(pickDestinations(nested, TIMER, 10).destinations).toEqual([
      "198.19.0.17",
      "198.19.0.16",
      "198.19.1.2",
      "198.19.2.0",
    ]);
    // A prefix entirely taken by more specific routes gives no destination.
    const covered = [
      route(0xc6130000, 30),
      route(0xc6130000, 31, "198.18.2.3"),
      route(0xc6130002, 31, "198.18.2.3"),
    ];
    expect(pickDestinations(covered, TIMER, 10)).toEqual({ destinations: [], viaTimer: 1 });
  });

  test("deterministic: the same routes in any order give the same destinations", () => {
    const once = pickDestinations(table, TIMER, 100);
    const shuffled = [...table].reverse();
    shuffled.push(...shuffled.splice(0, 300));
    expect(pickDestinations(shuffled, TIMER, 100)).toEqual(once);
    expect(pickDestinations(table, TIMER, 100)).toEqual(once);
  });

  test("the frames cycle each router's destinations, routers interleaved, in equal shares (golden)", () => {
    const gen = { srcIp: "198.18.1.2", firstSrcPort: 10001, dstPort: 9 };
    const frames = forwardingFrames(
      [
        { mac: "02:00:00:00:00:01", destinations: ["198.19.0.1", "198.19.64.1", "198.19.128.1"] },
        { mac: "02:00:00:00:00:02", destinations: ["198.18.10.0"] },
      ],
      gen,
    );
    expect(frames.map((f) => `${f.dstMac} ${f.dstIp} ${f.srcPort}`)).toEqual([
      "02:00:00:00:00:01 198.19.0.1 10001",
      "02:00:00:00:00:02 198.18.10.0 10002",
      "02:00:00:00:00:01 198.19.64.1 10001",
      "02:00:00:00:00:02 198.18.10.0 10002",
      "02:00:00:00:00:01 198.19.128.1 10001",
      "02:00:00:00:00:02 198.18.10.0 10002",
    ]);
    expect(trafgenConfig(frames, 64)).toMatchSnapshot();
    expect(() => forwardingFrames([{ mac: "02:00:00:00:00:01", destinations: [] }], gen)).toThrow(
      /router 0 has no destinations/,
    );
  });
});

describe("forwarding.run against a scripted lab", () => {
  const exec = { target: { kind: "local" as const } };
  const link = parseKeyValues(trafgen("counters.stdout")).link;
  const machine = (name: string, address: string, ifname: string, bridge: string) => ({
    ...{ name, exec, address, ifname, bridge },
    scratchDir: `/srv/${name}`,
  });
  const router: SystemSpec = {
    ...{ name: "vr1", exec, role: "router", vcpus: 1, memoryMiB: 256, diskGiB: 1 },
    addresses: { gen: "198.18.1.11", time: "198.18.2.11" },
    ifnames: { gen: "vnb-mcfd-t0", time: "eth1" },
    scratchDir: "/srv/vr1",
  };
  const lab = (): BenchContext["lab"] => ({
    ...{ owner: "t", hypervisor: "netns", substrate: "namespaces", systems: [router], toolsDir: "/opt" },
    server: { name: "server", exec },
    timer: machine("timer", "198.18.2.2", "vnb-mcfd-t0", "time"),
    generator: machine("gen", "198.18.1.2", "vnb-mcfd-g0", "gen"),
  });
  /** Answers each script as the lab would: the table given, `ip route get` via `getVia`. */
  function context(table: string, getVia = "198.18.2.2") {
    const configs: string[] = [];
    const ctx: BenchContext = {
      lab: lab(),
      timed: async () => [],
      progress: () => undefined,
      run: async (_exec, text, opts) => {
        const out = (stdout: string) => ({ stdout, stderr: "" });
        if (text.includes("trafgen")) {
          configs.push(opts.stdin ?? "");
          return out(trafgen("generator-run-2frames.stdout"));
        }
        if (text.includes("forwarding=")) {
          return out(`link=${link}\nforwarding=1\nroutes=1000000\n--- routes ---\n${table}`);
        }
        if (text.includes("ip -o -batch -")) {
          const asked = (opts.stdin ?? "").split("\n").filter(Boolean);
          return out(
            asked.map((l) => `${l.split(" ")[2]} via ${getVia} dev eth1 uid 0 \\    cache`).join("\n"),
          );
        }
        if (text.includes("ns=$(date")) return out(trafgen("counters.stdout"));
        throw new Error(`unexpected script ${text}`);
      },
    };
    return { ctx, configs };
  }
  const options = { sweep: [1], offeredPps: 130000, frameBytes: 64, durationS: 2, destinations: 4 };
  const lines = (n: number, via = "198.18.2.2") =>
    Array.from({ length: n }, (_, i) => `198.19.${i}.0/24 via ${via} dev eth1 \n`).join("");

  test("sends to destinations spread over the table, records them and the table size", async () => {
    const { ctx, configs } = context(`${lines(8)}198.18.200.0/24 via 198.18.2.3 dev eth1 \n`);
    const samples = await forwarding.run(ctx, [router], options, 1);
    const fwd = samples.find((s) => s.metric === "forwarded rate");
    expect(fwd?.params).toEqual({ routers: 1, routes: 1000000 });
    expect(fwd?.metadata).toMatchObject({ destinations: "4", routes: "1000000", labRoutesViaTimer: "8" });
    const sent = [...configs[0].matchAll(/da=(\d+\.\d+\.\d+\.\d+)/g)].map((m) => m[1]);
    expect(sent).toEqual(["198.19.0.1", "198.19.2.1", "198.19.4.1", "198.19.6.1"]);
    expect(sent.every(inBenchmarkBlock)).toBe(true);
  });

  test("a router without a lab-range route via the timer, or one the kernel routes elsewhere, is an error", async () => {
    const none = context(lines(3, "198.18.2.3")).ctx;
    await expect(forwarding.run(none, [router], options, 1)).rejects.toThrow(
      "forwarding: router vr1 has no vrlab route (proto 198) inside 198.18.0.0/15 via the timer 198.18.2.2 to send to (1000000 vrlab routes, 3 in the lab range, 0 of them via the timer)",
    );
    const astray = context(lines(3), "198.18.2.3").ctx;
    await expect(forwarding.run(astray, [router], options, 1)).rejects.toThrow(
      /routes 3 destination\(s\) not via the timer 198.18.2.2: 198.19.0.1 via 198.18.2.3/,
    );
  });
});
