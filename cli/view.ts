// The lab as `vrlab show` presents it: the stack's plan (components/plan.ts) set against what was
// probed on the server (cli/probe.ts), as machines, bridges and links, each with a state. Pure: the
// view is built and rendered (cli/render.ts) without a kernel, so both are golden-tested.
import { type GuestPlan, type LabPlan, type PortPlan } from "../components/plan";
import { CPU_PERIOD_US } from "../drivers/cgroup";
import { routeCount } from "../drivers/routes";
import { ETHERNET_EXTRA, tcRateText } from "../drivers/shaping";
import {
  type AddressView,
  type BridgeView,
  type LabView,
  type LinkView,
  type MachineView,
  type Presence,
  type ShapedEnd,
} from "./model";
import { type NsFacts, type Probe, type QdiscFacts } from "./probe";

export { renderDot, renderText } from "./render";
export type * from "./model";

/** tc's text for a rate: whole Mb/s as tc prints them, anything else in bit/s. */
export function rateText(bits: number): string {
  return bits % 1e6 === 0 ? tcRateText(bits / 1e6) : `${bits}bit`;
}

export function shapingText(q: QdiscFacts | undefined): string {
  if (!q || q.kind !== "tbf") return "unshaped";
  const rate = q.rateBits === undefined ? "" : ` ${rateText(q.rateBits)}`;
  return `tbf${rate}${q.overhead ? ` +${q.overhead}B/frame` : ""}`;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/** Looks things up in a probe; with none, everything is as planned but unprobed. */
class Facts {
  constructor(
    readonly plan: LabPlan,
    readonly probe?: Probe,
  ) {}
  ns(ns: string | undefined): NsFacts | undefined {
    return this.probe && ns !== undefined ? this.probe.namespaces[ns] : undefined;
  }
  /** The server's own stack: its namespace on this machine, or a remote server's root stack. */
  server(): NsFacts | undefined {
    return this.plan.serverNs ? this.ns(this.plan.serverNs) : this.probe?.root;
  }
  presence(ns: string | undefined): Presence {
    return !this.probe || ns === undefined ? "unprobed" : this.ns(ns) ? "up" : "missing";
  }
  address(facts: NsFacts | undefined, dev: string, planned: string): AddressView {
    const found = facts?.links[dev]?.addresses ?? [];
    return { dev, planned, found, ok: !this.probe || (found.length === 1 && found[0] === planned) };
  }
}

function guestOf(f: Facts, g: GuestPlan): MachineView {
  const cg = f.probe?.cgroups[g.kernel];
  const want = {
    cpuQuotaUs: g.vcpus * CPU_PERIOD_US,
    cpuPeriodUs: CPU_PERIOD_US,
    memoryBytes: g.memoryMiB * 2 ** 20,
  };
  const same = cg && Object.entries(want).every(([k, v]) => cg[k as keyof typeof want] === v);
  const cgroup = !f.probe ? "unprobed" : !cg ? "missing" : same ? "ok" : "differs";
  return {
    ...{ name: g.name, kind: "guest", role: g.role, ns: g.kernel, state: f.presence(g.kernel), drift: [] },
    addresses: g.ports.map((p) => f.address(f.ns(p.ns), p.ifname, p.address)),
    limits: { vcpus: g.vcpus, memoryMiB: g.memoryMiB, cgroup },
    routes: g.routes ? { planned: routeCount(g.routes.spec), found: f.ns(g.kernel)?.routes } : undefined,
  };
}

function machinesOf(f: Facts): MachineView[] {
  const { plan } = f;
  const addrs = plan.bridges.flatMap((b) => (b.address ? [f.address(f.server(), b.kernel, b.address)] : []));
  const machines: MachineView[] = [
    {
      name: "server",
      kind: "server",
      role: "server",
      ns: plan.serverNs,
      // A remote server that answered is up; its bridges and NICs say the rest.
      state: plan.serverNs || !f.probe ? f.presence(plan.serverNs) : f.probe.root ? "up" : "missing",
      addresses: addrs,
      drift: [],
    },
    ...plan.guests.map((g) => guestOf(f, g)),
    ...plan.machines.map((m): MachineView => {
      const ns = m.local?.ns;
      const addresses = m.local ? [f.address(f.ns(ns), m.local.port.ifname, m.local.port.address)] : [];
      return { name: m.name, kind: m.role, role: m.role, ns, state: f.presence(ns), addresses, drift: [] };
    }),
  ];
  for (const m of machines.filter((x) => x.state === "up")) {
    m.drift.push(...m.addresses.filter((a) => !a.ok).map((a) => `${a.dev} address`));
    if (m.limits && m.limits.cgroup !== "ok") m.drift.push(`cgroup ${m.limits.cgroup}`);
    if (m.routes && m.routes.found !== m.routes.planned) {
      m.drift.push(`routes ${m.routes.found ?? 0}/${m.routes.planned}`);
    }
  }
  return machines;
}

function linkOf(f: Facts, machine: string, p: PortPlan, rateMbps?: number): LinkView {
  const srv = f.plan.serverNs;
  const he = f.server()?.links[p.hostEnd];
  const peer = f.ns(p.ns)?.links[p.ifname];
  const state: LinkView["state"] = !f.probe
    ? "unprobed"
    : !he || !peer
      ? "missing"
      : he.master !== p.bridge
        ? "detached"
        : he.up && peer.up
          ? "up"
          : "down";
  const planned =
    rateMbps === undefined ? undefined : `tbf ${tcRateText(rateMbps)} +${ETHERNET_EXTRA}B/frame`;
  const end = (at: string, ns: string, dev: string): ShapedEnd => {
    const facts = f.ns(ns);
    const found = !f.probe ? "unprobed" : !facts?.links[dev] ? "missing" : shapingText(facts.qdiscs[dev]);
    return { at, ns, dev, found, ok: !f.probe || found === planned };
  };
  const shaping =
    planned === undefined || !srv
      ? undefined
      : { planned, ends: [end(machine, p.ns, p.ifname), end("server", srv, p.hostEnd)] };
  const ok = (state === "up" || state === "unprobed") && (shaping?.ends.every((e) => e.ok) ?? true);
  return {
    bridge: p.bridge,
    machine,
    ifname: p.ifname,
    address: p.address,
    hostEnd: p.hostEnd,
    state,
    shaping,
    ok,
  };
}

/** A remote server's NIC in its bridge (linux:NicPort). On this machine a NIC is a cable's host end. */
function nicOf(f: Facts, bridge: string, nic: string): LinkView {
  const l = f.server()?.links[nic];
  const state: LinkView["state"] = !f.probe
    ? "unprobed"
    : !l
      ? "missing"
      : l.master !== bridge
        ? "detached"
        : l.up
          ? "up"
          : "down";
  const ok = state === "up" || state === "unprobed";
  return { bridge, machine: "server", ifname: nic, address: "", hostEnd: nic, state, ok };
}

export function viewOf(plan: LabPlan, probe?: Probe): LabView {
  const f = new Facts(plan, probe);
  const bridges = plan.bridges.map((b): BridgeView => {
    const dev = f.server()?.links[b.kernel];
    const found = !dev || (dev.kind && dev.kind !== "bridge") ? "missing" : dev.up ? "up" : "down";
    return { name: b.name, kernel: b.kernel, address: b.address, state: probe ? found : "unprobed" };
  });
  const machines = machinesOf(f);
  const order = (l: LinkView): number => plan.bridges.findIndex((b) => b.kernel === l.bridge);
  const links = [
    ...plan.bridges.flatMap((b) => (b.nic && !plan.serverNs ? [nicOf(f, b.kernel, b.nic)] : [])),
    ...plan.machines.flatMap((m) => (m.local ? [linkOf(f, m.name, m.local.port, m.local.rateMbps)] : [])),
    ...plan.guests.flatMap((g) => g.ports.map((p) => linkOf(f, g.name, p))),
  ].sort((a, b) => order(a) - order(b));

  const count = (state: Presence, drifted?: boolean): number =>
    machines.filter((m) => m.state === state && (drifted === undefined || drifted === m.drift.length > 0))
      .length;
  const [up, differ, missing, unprobed] = [
    count("up"),
    count("up", true),
    count("missing"),
    count("unprobed"),
  ];
  const drifted = links.filter((l) => !l.ok).length;
  const gone = bridges.filter((b) => b.state === "missing" || b.state === "down").length;
  const summary = [
    `${plural(up, "machine")} up${differ ? ` (${differ} drifted)` : ""}, ${missing} missing` +
      (unprobed ? `, ${unprobed} not probed` : ""),
    `${plural(links.length, "link")}, ${drifted} drifted`,
    ...(gone ? [`${plural(gone, "bridge")} missing or down`] : []),
  ].join("; ");
  const others = machines.filter((m) => m.state === "unprobed").map((m) => m.name);
  const note = !probe
    ? "not probed: this is the plan, not the live state"
    : others.length
      ? `${others.join(", ")}: machines of their own, not probed`
      : undefined;
  const { owner, tag, serverNs } = plan;
  const ok = missing === 0 && differ === 0 && drifted === 0 && gone === 0;
  return { owner, tag, serverNs, host: probe?.host, note, machines, bridges, links, summary, ok };
}

/** `vrlab show`'s exit status: 0 when the lab matches its plan (or could only be shown), 1 when not. */
export function exitStatus(view: LabView): 0 | 1 {
  return view.ok ? 0 : 1;
}
