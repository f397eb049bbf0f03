// The experiment as kernel objects: which namespaces, bridges, veth pairs, shaped links and routing
// tables a stack owns, with their names on the host. Plain data from a pure function, so the topology
// can be reviewed (and golden-tested) apart from the code that makes it real.
import { formatPrefix, parseCidr } from "../config/addr";
import { type Experiment, type Machine, type RoutingTable } from "../config/model";
import { hostEndName, ifaceName, kernelName, ownerTag } from "../config/names";
import { defaultDestinations } from "../config/tables";
import { type TableSpec } from "../drivers/table";
import { cachedDigest } from "../drivers/tableCache";

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
  /** The table's spec (addresses as CIDR strings) and the digest of the routes it stands for. */
  routes?: { table: string; spec: TableSpec; digest: string };
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

/** The lab's connected subnets, as CIDRs: no route may touch them. */
function connectedSubnets(e: Experiment): string[] {
  const cidrs = [
    ...e.bridges.flatMap((b) => (b.address ? [b.address] : [])),
    ...e.guests.flatMap((g) => g.interfaces.map((f) => f.address)),
    ...[e.timer, e.generator].flatMap((m) => (m.nic.address ? [m.nic.address] : [])),
  ];
  return [...new Set(cidrs.map((c) => formatPrefix(parseCidr(c).prefix)))];
}

/** A table's spec as the linux:Routes resource keeps it, and the digest of its routes. */
export function tablePlan(t: RoutingTable, skip: string[]): { spec: TableSpec; digest: string } {
  const { routes, via } = t;
  if (t.file) {
    const spec = { form: "file", file: t.file.path, sha256: t.file.sha256, routes, via, skip } as const;
    return { spec, digest: t.file.digest }; // load read the file and hashed its table
  }
  const g = t.generate;
  if (!g) throw new Error(`routing table ${t.name} has neither generate nor file`);
  const spec: TableSpec =
    "seed" in g
      ? {
          form: "generated",
          seed: g.seed,
          routes,
          destinations: g.destinations ?? defaultDestinations(routes),
          via,
          skip,
        }
      : { form: "block", within: g.within, prefixLength: g.prefixLength, routes, via, skip };
  return { spec, digest: cachedDigest(spec) }; // worked out once per spec on this machine
}

export function planLab(e: Experiment, owner: string): LabPlan {
  const local = e.server.connection.kind === "local";
  const bridgeKernel = new Map(e.bridges.map((b) => [b.name, ifaceName(owner, b.name)]));
  const br = (name: string): string => bridgeKernel.get(name) ?? name; // references are validated
  const skip = connectedSubnets(e);
  // Each table is generated (and digested) once, however many guests use it.
  const tables = new Map<string, GuestPlan["routes"]>();
  const routesOf = (name: string): GuestPlan["routes"] => {
    const t = e.routingTables.find((x) => x.name === name);
    if (t && !tables.has(name)) tables.set(name, { table: name, ...tablePlan(t, skip) });
    return tables.get(name);
  };

  const guests = e.guests.map((g): GuestPlan => {
    const kernel = kernelName(owner, g.name);
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
      routes: g.routingTable ? routesOf(g.routingTable) : undefined,
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
