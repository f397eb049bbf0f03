// The network benchmarks (iperf-udp, fairness, forwarding) against a tiny real lab of namespaces:
// a "server" namespace with bridges gen and time, two router guests, a generator and a timer, all on
// veth pairs with addresses from 198.18.240.0/20, the links toward the generator shaped at 1 Gb/s.
// The routers' vrlab routes (proto 198) are /32s in 198.18.248.0/24 via the timer, so every test
// frame stays inside 198.18.240.0/20.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { leaksWithPrefix } from "../../cli/leaks";
import { runOn } from "../../harness/exec";
import {
  type BenchContext,
  type Exec,
  type LabSpec,
  type MachineSpec,
  type SystemSpec,
} from "../../harness/types";
import { fairness } from "../../benchmarks/fairness";
import { forwarding } from "../../benchmarks/forwarding";
import { iperfUdp } from "../../benchmarks/iperf-udp";
import { type BenchmarkModule } from "../../benchmarks/types";

jest.setTimeout(120_000);

const P = `vnb-${(process.pid & 0xffff).toString(16).padStart(4, "0")}`;
const NS = { server: `${P}-s`, gen: `${P}-g`, timer: `${P}-t`, r1: `${P}-r1`, r2: `${P}-r2` };
const made: string[] = [];
let scratch = "";

function ip(...args: string[]): void {
  execFileSync("ip", args, { stdio: ["ignore", "pipe", "pipe"], timeout: 30_000 });
}
const inNs = (ns: string, ...argv: string[]) => ip("netns", "exec", ns, ...argv);

/** A veth from bridge `br` in the server namespace (port `port`) to `dev` in `ns`, with `cidr`. */
function cable(ns: string, dev: string, br: string, port: string, cidr: string): void {
  ip("-n", NS.server, "link", "add", port, "type", "veth", "peer", "name", dev, "netns", ns);
  ip("-n", NS.server, "link", "set", port, "master", br, "up");
  ip("-n", ns, "addr", "add", cidr, "dev", dev);
  ip("-n", ns, "link", "set", dev, "up");
}

const tbf = (ns: string, dev: string) =>
  execFileSync("tc", [
    "-n",
    ns,
    "qdisc",
    "add",
    "dev",
    dev,
    "root",
    "tbf",
    "rate",
    "1gbit",
    "burst",
    "125000",
    "latency",
    "50ms",
  ]);

function buildLab(): void {
  for (const ns of Object.values(NS)) {
    made.push(ns);
    ip("netns", "add", ns);
    inNs(ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
    ip("-n", ns, "link", "set", "lo", "up");
  }
  for (const br of ["gen", "time"]) {
    ip("-n", NS.server, "link", "add", br, "type", "bridge");
    ip("-n", NS.server, "link", "set", br, "up");
  }
  cable(NS.gen, "eth0", "gen", "pg", "198.18.241.2/24");
  cable(NS.timer, "eth0", "time", "pt", "198.18.242.2/24");
  for (const [i, r] of [NS.r1, NS.r2].entries()) {
    cable(r, "eth0", "gen", `r${i + 1}g`, `198.18.241.${11 + i}/24`);
    cable(r, "eth1", "time", `r${i + 1}t`, `198.18.242.${11 + i}/24`);
    inNs(r, "sysctl", "-qw", "net.ipv4.ip_forward=1");
    const batch = Array.from(
      { length: 8 },
      (_, k) => `route add 198.18.248.${k + 1}/32 via 198.18.242.2 proto 198`,
    );
    execFileSync("ip", ["-n", r, "-batch", "-"], { input: `${batch.join("\n")}\n`, timeout: 30_000 });
  }
  // One gigabit link between the generator and the bridge, as the lab's: both directions shaped.
  tbf(NS.gen, "eth0");
  tbf(NS.server, "pg");
  scratch = fs.mkdtempSync(`/tmp/${P}-`);
}

function tearDown(): void {
  for (const ns of made.splice(0)) {
    const pids = spawnSync("ip", ["netns", "pids", ns], { encoding: "utf8" })
      .stdout.split("\n")
      .filter(Boolean);
    for (const pid of pids) spawnSync("kill", ["-9", pid]);
    spawnSync("ip", ["netns", "del", ns]);
  }
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
}

const exec = (ns: string): Exec => ({ target: { kind: "local", netns: ns } });
const dir = (name: string): string => `${scratch}/${name}`;
const machine = (name: string, ns: string, address: string, bridge: string): MachineSpec => ({
  name,
  exec: exec(ns),
  address,
  ifname: "eth0",
  bridge,
  scratchDir: dir(name),
});
const router = (name: string, ns: string, host: number): SystemSpec => ({
  name,
  exec: exec(ns),
  role: "router",
  vcpus: 1,
  memoryMiB: 256,
  diskGiB: 1,
  addresses: { gen: `198.18.241.${host}`, time: `198.18.242.${host}` },
  ifnames: { gen: "eth0", time: "eth1" },
  scratchDir: dir(name),
});

const systems = [router("r1", NS.r1, 11), router("r2", NS.r2, 12)];
const lab: LabSpec = {
  owner: "vnb-test",
  hypervisor: "netns",
  substrate: "namespaces",
  server: { name: "server", exec: exec(NS.server) },
  systems,
  generator: machine("gen", NS.gen, "198.18.241.2", "gen"),
  timer: machine("timer", NS.timer, "198.18.242.2", "time"),
  toolsDir: "/nonexistent",
};

const progress: string[] = [];
const context = (l: LabSpec = lab): BenchContext => ({
  lab: l,
  run: runOn,
  timed: () => {
    throw new Error("not used");
  },
  progress: (m) => progress.push(m),
});

/** prepare, run, cleanup as the harness does, cleanup also after a failure. */
async function bench<O>(m: BenchmarkModule<O>, o: O, ctx = context(), sys = systems) {
  try {
    await m.prepare(ctx, sys, o);
    return await m.run(ctx, sys, o, 1);
  } finally {
    await m.cleanup(ctx, sys, o);
  }
}

/** No benchmark process may outlive its module's cleanup. */
function processesLeft(): string[] {
  return made.flatMap((ns) =>
    spawnSync("ip", ["netns", "pids", ns], { encoding: "utf8" })
      .stdout.split("\n")
      .filter(Boolean)
      .map((pid) => {
        try {
          return `${ns}: ${fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ")}`;
        } catch {
          return `${ns}: pid ${pid} (exited while looked at)`;
        }
      }),
  );
}

const root = process.getuid?.() === 0;
(root ? describe : describe.skip)("network benchmarks in a namespace lab", () => {
  beforeAll(() => {
    try {
      buildLab();
    } catch (e) {
      tearDown();
      throw e;
    }
  });
  afterAll(() => {
    tearDown();
    expect(leaksWithPrefix(`${P}-`)).toEqual([]);
    expect(fs.readdirSync("/run/netns").filter((n) => n.startsWith(P))).toEqual([]);
  });
  afterEach(() => expect(processesLeft()).toEqual([]));

  test.each(["tx", "rx"] as const)(
    "iperf-udp %s: each system's throughput, as its receiver saw it",
    async (direction) => {
      const o = { direction, payloadBytes: 1472, offeredMbps: 300, durationS: 1 };
      const samples = await bench(iperfUdp, o);
      const metric = direction === "tx" ? "transmit throughput" : "receive throughput";
      expect(samples.map((s) => `${s.system} ${s.metric} ${s.unit}`)).toEqual([
        `r1 ${metric} Mb/s`,
        "r1 loss %",
        `r2 ${metric} Mb/s`,
        "r2 loss %",
      ]);
      for (const s of samples.filter((x) => x.metric === metric)) {
        expect(s.value).toBeGreaterThan(150); // 300 offered, unloaded veths
        expect(s.value).toBeLessThanOrEqual(1000);
        expect(s.metadata).toMatchObject({ offered: 300, payload: 1472, direction });
        expect(s.metadata.datagrams).toBeGreaterThan(0);
      }
      for (const s of samples.filter((x) => x.metric === "loss")) {
        expect(s.value).toBeGreaterThanOrEqual(0);
        expect(s.value).toBeLessThanOrEqual(100);
      }
    },
  );

  test("fairness: simultaneous senders share the gigabit link; Jain's index in (0, 1]", async () => {
    const samples = await bench(fairness, {
      sweep: [1, 2],
      payloadBytes: 1472,
      offeredMbps: 950,
      durationS: 2,
    });
    for (const n of [1, 2]) {
      const at = samples.filter((s) => s.params?.vms === n);
      const perVm = at.filter((s) => s.metric === "throughput" && s.system.startsWith("r"));
      expect(perVm.map((s) => s.system)).toEqual(["r1", "r2"].slice(0, n));
      const aggregate = at.find((s) => s.system === "aggregate");
      const jain = at.find((s) => s.metric === "jain index");
      for (const s of perVm) expect(s.value).toBeGreaterThan(0);
      expect(aggregate?.value).toBeCloseTo(
        perVm.reduce((a, s) => a + s.value, 0),
        6,
      );
      expect(aggregate?.value).toBeLessThanOrEqual(1000); // one shaped gigabit link
      expect(jain?.unit).toBe("1");
      expect(jain?.system).toBe("all");
      expect(jain?.value).toBeGreaterThan(0);
      expect(jain?.value).toBeLessThanOrEqual(1);
    }
  });

  test("forwarding: the timer receives what the routers forward, never more than was offered", async () => {
    const samples = await bench(forwarding, {
      sweep: [1, 2],
      offeredPps: 20000,
      frameBytes: 64,
      durationS: 2,
    });
    for (const n of [1, 2]) {
      const at = samples.filter((s) => s.params?.routers === n);
      const fwd = at.find((s) => s.metric === "forwarded rate");
      const offered = at.find((s) => s.metric === "offered rate");
      const shortfall = at.find((s) => s.metric === "offered shortfall");
      expect([fwd?.unit, fwd?.system, offered?.unit, offered?.system]).toEqual([
        "kp/s",
        "aggregate",
        "kp/s",
        "gen",
      ]);
      expect(offered?.value).toBeGreaterThan(19.8 * 0.9);
      expect(offered?.value).toBeLessThanOrEqual(20 * 1.01);
      expect(fwd?.value).toBeGreaterThan(0);
      expect(fwd?.value).toBeLessThanOrEqual((offered?.value ?? 0) * 1.01);
      expect(shortfall?.unit).toBe("%");
      expect(typeof fwd?.metadata.shortfall).toBe("boolean");
      expect(String(fwd?.metadata.destinations).split(",")).toHaveLength(n);
    }
    expect(progress.filter((l) => l.startsWith("forwarding:"))).toHaveLength(2);
  });

  test("iperf-udp with the generator's link down throws: no report, not a number", async () => {
    ip("-n", NS.gen, "link", "set", "eth0", "down");
    try {
      const o = { direction: "tx" as const, payloadBytes: 1472, offeredMbps: 100, durationS: 1 };
      await expect(bench(iperfUdp, o, context(), systems.slice(0, 1))).rejects.toThrow(
        /gen port 5001: iperf UDP server report: no report/,
      );
    } finally {
      ip("-n", NS.gen, "link", "set", "eth0", "up");
    }
  });

  test("forwarding with a missing timer throws", async () => {
    const gone = { ...lab, timer: machine("timer", `${P}-missing`, "198.18.242.2", "time") };
    const o = { sweep: [1], offeredPps: 1000, frameBytes: 64, durationS: 1 };
    await expect(bench(forwarding, o, context(gone))).rejects.toThrow(/missing/);
  });

  test("forwarding through a system that does not forward throws", async () => {
    const notRouter = { ...router("g", NS.gen, 2), ifnames: { gen: "eth0" } };
    const o = { sweep: [1], offeredPps: 1000, frameBytes: 64, durationS: 1 };
    await expect(bench(forwarding, o, context(), [notRouter])).rejects.toThrow(/g does not forward/);
  });

  test("a sweep larger than the systems given throws before sending", async () => {
    const o = { sweep: [1, 3], payloadBytes: 1472, offeredMbps: 100, durationS: 1 };
    await expect(bench(fairness, o)).rejects.toThrow(/sweep value 3 needs more systems than the 2 given/);
    const f = { sweep: [3], offeredPps: 1000, frameBytes: 64, durationS: 1 };
    await expect(bench(forwarding, f)).rejects.toThrow(/sweep value 3 needs more routers than the 2 given/);
  });
});
