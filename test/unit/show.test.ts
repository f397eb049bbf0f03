// `vrlab show` without a kernel: the embedded stack's plan set against made-up probes, through
// viewOf, the exit status and both renderings (golden, test/unit/__snapshots__/show.test.ts.snap).
import * as fs from "node:fs";
import { routeCount } from "../../drivers/routes";
import * as path from "node:path";
import { loadExperiment, parseStackFile } from "../../config/load";
import { planLab, type LabPlan } from "../../components/plan";
import { ifaceName, kernelName, ownedPrefix } from "../../config/names";
import { parseArgs } from "../../cli/show";
import { namesOf, parseAddr, parseQdiscs, type NsFacts, type Probe } from "../../cli/probe";
import { exitStatus, renderDot, renderText, viewOf } from "../../cli/view";

const embeddedFile = path.resolve(__dirname, "../../stacks/Pulumi.embedded.yaml");
const embedded = loadExperiment(parseStackFile(embeddedFile, fs.readFileSync(embeddedFile, "utf8")), {
  deploy: false,
});
const plan = planLab(embedded, "vrlab-embedded");
const k = (name: string): string => kernelName(plan.owner, name);
const time = ifaceName(plan.owner, "time");

const TBF = { kind: "tbf", rateBits: 1e9, overhead: 24 };

/** What the kernel holds once `vrlab up` has converged. */
function healthy(p: LabPlan): Probe {
  const namespaces: Record<string, NsFacts> = {};
  const at = (name: string): NsFacts => (namespaces[name] ??= { links: {}, qdiscs: {} });
  const srv = at(p.serverNs ?? "");
  for (const b of p.bridges) {
    srv.links[b.kernel] = { up: true, kind: "bridge", addresses: b.address ? [b.address] : [] };
  }
  const cgroups: Probe["cgroups"] = {};
  for (const g of p.guests) {
    const facts = at(g.kernel);
    if (g.routes) facts.routes = routeCount(g.routes.spec);
    for (const port of g.ports) {
      srv.links[port.hostEnd] = { up: true, kind: "veth", master: port.bridge, addresses: [] };
      facts.links[port.ifname] = { up: true, kind: "veth", addresses: [port.address] };
      facts.qdiscs[port.ifname] = { kind: "noqueue" };
    }
    cgroups[g.kernel] = {
      cpuQuotaUs: g.vcpus * 100_000,
      cpuPeriodUs: 100_000,
      memoryBytes: g.memoryMiB * 2 ** 20,
    };
  }
  for (const m of p.machines) {
    if (!m.local) continue;
    const { port } = m.local;
    srv.links[port.hostEnd] = { up: true, kind: "veth", master: port.bridge, addresses: [] };
    srv.qdiscs[port.hostEnd] = TBF;
    at(m.local.ns).links[port.ifname] = { up: true, kind: "veth", addresses: [port.address] };
    at(m.local.ns).qdiscs[port.ifname] = TBF;
  }
  return { host: "local", namespaces, cgroups };
}

/** vr3's namespace deleted (its veth pairs die with it), the time bridge deleted, the generator's cable unshaped. */
function broken(p: LabPlan): Probe {
  const probe = healthy(p);
  const without = <T>(o: Record<string, T>, gone: string[]): Record<string, T> =>
    Object.fromEntries(Object.entries(o).filter(([key]) => !gone.includes(key)));
  probe.namespaces = without(probe.namespaces, [k("vr3")]);
  const srv = probe.namespaces[k("server")];
  const vr3Ends = p.guests.find((g) => g.name === "vr3")?.ports.map((port) => port.hostEnd) ?? [];
  srv.links = without(srv.links, [...vr3Ends, time]);
  for (const l of Object.values(srv.links)) if (l.master === time) l.master = undefined;
  probe.namespaces[k("gen")].qdiscs.eth0 = { kind: "noqueue" };
  return probe;
}

describe("vrlab show: a healthy lab", () => {
  const view = viewOf(plan, healthy(plan));

  test("every machine is up as planned, every link is up and shaped, and the exit status is 0", () => {
    expect(view.machines.map((m) => [m.name, m.kind, m.state, m.drift])).toEqual([
      ["server", "server", "up", []],
      ["vr1", "guest", "up", []],
      ["vr2", "guest", "up", []],
      ["vr3", "guest", "up", []],
      ["vr4", "guest", "up", []],
      ["timer", "timer", "up", []],
      ["gen", "generator", "up", []],
    ]);
    expect(view.machines.flatMap((m) => m.addresses.filter((a) => !a.ok))).toEqual([]);
    expect(view.links).toHaveLength(10);
    expect(view.links.every((l) => l.state === "up" && l.ok)).toBe(true);
    expect(view.links.filter((l) => l.shaping).map((l) => l.shaping?.ends.map((e) => e.found))).toEqual([
      ["tbf 1Gbit +24B/frame", "tbf 1Gbit +24B/frame"],
      ["tbf 1Gbit +24B/frame", "tbf 1Gbit +24B/frame"],
    ]);
    expect(view.summary).toBe("7 machines up, 0 missing; 10 links, 0 drifted");
    expect(exitStatus(view)).toBe(0);
  });

  test("renders as text and as DOT (golden)", () => {
    expect(renderText(view)).toMatchSnapshot();
    expect(renderDot(view)).toMatchSnapshot();
  });
});

describe("vrlab show: a guest namespace, a bridge and a cable's shaping gone", () => {
  const view = viewOf(plan, broken(plan));
  const machine = (name: string) => view.machines.find((m) => m.name === name);

  test("marks them missing or drifted, and the exit status is 1", () => {
    expect(machine("vr3")?.state).toBe("missing");
    expect(machine("vr3")?.limits?.cgroup).toBe("ok"); // the cgroup outlives the namespace
    expect(machine("server")?.drift).toEqual([`${time} address`]);
    expect(view.bridges.map((b) => [b.name, b.state])).toEqual([
      ["gen", "up"],
      ["time", "missing"],
    ]);
    expect(
      view.links.map(
        (l) => `${l.machine}:${l.ifname}@${l.bridge.slice(ownedPrefix(plan.owner).length + 1)} ${l.state}`,
      ),
    ).toEqual([
      "gen:eth0@gen up",
      "vr1:eth0@gen up",
      "vr2:eth0@gen up",
      "vr3:eth0@gen missing",
      "vr4:eth0@gen up",
      "timer:eth0@time detached",
      "vr1:eth1@time detached",
      "vr2:eth1@time detached",
      "vr3:eth1@time missing",
      "vr4:eth1@time detached",
    ]);
    const gen = view.links[0];
    expect(gen.ok).toBe(false);
    expect(gen.shaping?.ends.map((e) => [e.at, e.found, e.ok])).toEqual([
      ["gen", "unshaped", false],
      ["server", "tbf 1Gbit +24B/frame", true],
    ]);
    expect(view.summary).toBe(
      "6 machines up (1 drifted), 1 missing; 10 links, 7 drifted; 1 bridge missing or down",
    );
    expect(exitStatus(view)).toBe(1);
  });

  test("renders as text and as DOT (golden)", () => {
    expect(renderText(view)).toMatchSnapshot();
    expect(renderDot(view)).toMatchSnapshot();
  });
});

describe("vrlab show: details", () => {
  test("a drifted address and cgroup and a short routing table are marked", () => {
    const probe = healthy(plan);
    probe.namespaces[k("vr1")].links.eth0.addresses = ["198.18.1.99/24"];
    probe.namespaces[k("vr1")].routes = 0;
    probe.cgroups[k("vr2")] = { cpuQuotaUs: -1, cpuPeriodUs: 100_000, memoryBytes: 2 ** 28 };
    probe.cgroups[k("vr4")] = null;
    const view = viewOf(plan, probe);
    expect(view.machines.filter((m) => m.drift.length).map((m) => [m.name, m.drift])).toEqual([
      ["vr1", ["eth0 address", "routes 0/1000"]],
      ["vr2", ["cgroup differs"]],
      ["vr4", ["cgroup missing"]],
    ]);
    const text = renderText(view);
    expect(text).toContain("198.18.1.11/24 ! found 198.18.1.99/24");
    expect(text).toContain("0/1000 !");
    expect(text).toContain("cgroup missing !");
    expect(view.summary).toBe("7 machines up (3 drifted), 0 missing; 10 links, 0 drifted");
    expect(exitStatus(view)).toBe(1);
  });

  test("DOT strings are escaped", () => {
    const odd = structuredClone(plan);
    odd.owner = 'a "quoted" \\ owner';
    expect(renderDot(viewOf(odd, healthy(odd)))).toContain('label="a \\"quoted\\" \\\\ owner (tag');
  });

  test("parses what ip and tc print as JSON", () => {
    const addr = `[{"ifname":"va","flags":["BROADCAST","UP"],"master":"br0","linkinfo":{"info_kind":"veth"},
      "addr_info":[{"family":"inet","local":"198.18.9.1","prefixlen":24},{"family":"inet6","local":"fe80::1","prefixlen":64}]}]`;
    expect(parseAddr(addr)).toEqual({
      va: { up: true, master: "br0", kind: "veth", addresses: ["198.18.9.1/24"] },
    });
    const tc = `[{"kind":"tbf","handle":"1:","dev":"va","root":true,"options":{"rate":125000000},
      "stab":{"overhead":24,"mpu":84}},{"kind":"noqueue","dev":"vb","root":true,"options":{}},
      {"kind":"pfifo","dev":"vb","parent":"1:1"}]`;
    expect(parseQdiscs(tc)).toEqual({
      va: { kind: "tbf", rateBits: 1e9, overhead: 24 },
      vb: { kind: "noqueue", rateBits: undefined, overhead: undefined },
    });
  });

  test("every kernel name is checked before it is probed", () => {
    expect(namesOf(plan)).toContain(k("server"));
    const bad = structuredClone(plan);
    bad.guests[0].kernel = "-n; reboot";
    expect(() => namesOf(bad)).toThrow(/unsafe netns value "-n; reboot" at lab namespace #1/);
    const port = structuredClone(plan);
    port.guests[0].ports[0].hostEnd = "$(reboot)";
    expect(() => namesOf(port)).toThrow(/unsafe ifname/);
  });

  test("arguments", () => {
    expect(parseArgs(["lab", "--json", "--dot", "x.dot"])).toEqual({
      stack: "lab",
      json: true,
      dot: "x.dot",
    });
    expect(parseArgs(["--dot=y.dot", "lab"])).toEqual({ stack: "lab", json: false, dot: "y.dot" });
    expect(() => parseArgs(["a", "b"])).toThrow(/one STACK at most/);
    expect(() => parseArgs(["--dot"])).toThrow(/needs a FILE/);
    expect(() => parseArgs(["lab", "--bogus"])).toThrow(/unknown option/);
  });
});
