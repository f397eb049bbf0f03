// The experiment as kernel objects: which namespaces, bridges, veth pairs, shaped links and routing
// tables a stack owns, with their names on the host. Plain data from a pure function, so the topology
// can be reviewed (and golden-tested) apart from the code that makes it real.
import { formatPrefix, parseCidr, prefixSize } from "../config/addr";
import { type Experiment, type Machine } from "../config/model";
import { hostEndName, ifaceName, kernelName, ownerTag } from "../config/names";
import { type RouteSpec } from "../drivers/routes";

export interface PortPlan {
  /** The end in the server's stack, enslaved to `bridge`. */
  hostEnd: string;
  bridge: string;
  /** The namespace of the other end, and its name and address there. */
  ns: string;
  ifname: string;
  address: string;
}

export interface GuestPlan {
  name: string;
  /** Namespace and cgroup name. */
  kernel: string;
  role: "router" | "endpoint";
  vcpus: number;
  memoryMiB: number;
  ports: PortPlan[];
  routes?: { table: string; spec: RouteSpec };
}

export interface MachinePlan {
  role: "timer" | "generator";
  name: string;
  /** Set when the machine is a namespace on this host, cabled by a veth pair to the server's bridge. */
  local?: { ns: string; port: PortPlan; rateMbps: number };
}

export interface LabPlan {
  owner: string;
  tag: string;
  /** The server's own namespace when the server is this machine; undefined on a remote server. */
  serverNs?: string;
  bridges: { name: string; kernel: string; address?: string; nic?: string }[];
  guests: GuestPlan[];
  machines: MachinePlan[];
}

function connectedRanges(e: Experiment): [number, number][] {
  const cidrs = [
    ...e.bridges.flatMap((b) => (b.address ? [b.address] : [])),
    ...e.guests.flatMap((g) => g.interfaces.map((f) => f.address)),
    ...[e.timer, e.generator].flatMap((m) => (m.nic.address ? [m.nic.address] : [])),
  ];
  const unique = new Map(cidrs.map((c) => parseCidr(c).prefix).map((p) => [formatPrefix(p), p]));
  return [...unique.values()].map((p) => [p.net, p.net + prefixSize(p)]);
}

export function planLab(e: Experiment, owner: string): LabPlan {
  const local = e.server.connection.kind === "local";
  const bridgeKernel = new Map(e.bridges.map((b) => [b.name, ifaceName(owner, b.name)]));
  const br = (name: string): string => bridgeKernel.get(name) ?? name; // references are validated
  const tables = new Map(e.routingTables.map((t) => [t.name, t]));
  const skip = connectedRanges(e);

  const guests = e.guests.map((g): GuestPlan => {
    const kernel = kernelName(owner, g.name);
    const table = g.routingTable ? tables.get(g.routingTable) : undefined;
    const within = table?.generate ? parseCidr(table.generate.within).prefix : undefined;
    return {
      name: g.name,
      kernel,
      role: g.role,
      vcpus: g.vcpus,
      memoryMiB: g.memoryMiB,
      ports: g.interfaces.map((f) => ({
        hostEnd: hostEndName(owner, g.name, f.name),
        bridge: br(f.bridge),
        ns: kernel,
        ifname: f.name,
        address: f.address,
      })),
      routes:
        table?.generate && within
          ? {
              table: table.name,
              spec: {
                start: within.net,
                prefixLength: table.generate.prefixLength,
                count: table.routes,
                via: table.via,
                skip,
              },
            }
          : undefined,
    };
  });

  const machine = (role: MachinePlan["role"], m: Machine): MachinePlan => {
    if (!local || m.connection.kind !== "local" || !m.nic.address) return { role, name: m.name };
    const ns = kernelName(owner, m.name);
    const nic = e.bridges.find((b) => b.name === m.link.bridge)?.nic;
    return {
      role,
      name: m.name,
      local: {
        ns,
        rateMbps: m.link.rateMbps,
        port: {
          hostEnd: nic ?? hostEndName(owner, m.name, m.nic.name),
          bridge: br(m.link.bridge),
          ns,
          ifname: m.nic.name,
          address: m.nic.address,
        },
      },
    };
  };

  return {
    owner,
    tag: ownerTag(owner),
    serverNs: local ? kernelName(owner, e.server.name) : undefined,
    bridges: e.bridges.map((b) => ({ name: b.name, kernel: br(b.name), address: b.address, nic: b.nic })),
    guests,
    machines: [machine("timer", e.timer), machine("generator", e.generator)],
  };
}
