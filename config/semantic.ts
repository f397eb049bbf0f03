// Checks the schema cannot express. Each returns problems; none stops at the first.
import {
  LAB_PREFIX,
  LAB_RANGE,
  contains,
  formatPrefix,
  overlaps,
  parseCidr,
  prefixSize,
  type Prefix,
} from "./addr";
import { checkBenchmarkFit, checkOfferedLoad } from "./benchChecks";
import { type ConfigProblem } from "./errors";
import { IFNAMSIZ, MAX_OWNED_NAME } from "./names";
import { type Experiment, type GuestKind, type Hypervisor, type Machine } from "./model";

export type Problem = Omit<ConfigProblem, "line">;

/** What each hypervisor runs; `native` runs the benchmarks on the server itself. */
export const GUEST_KINDS: Record<Hypervisor, GuestKind[]> = {
  native: [],
  xen: ["vm"],
  vmware: ["vm"],
  openvz: ["container"],
  netns: ["container"],
};

function unique(items: { name: string; path: string }[], what: string): Problem[] {
  const first = new Map<string, string>();
  const out: Problem[] = [];
  for (const it of items) {
    const prev = first.get(it.name);
    if (prev) out.push({ path: it.path, message: `${what} name "${it.name}" is already used at ${prev}` });
    else first.set(it.name, it.path);
  }
  return out;
}

function machines(e: Experiment): { m: Machine; path: string }[] {
  return [
    { m: e.timer, path: "timer" },
    { m: e.generator, path: "generator" },
  ];
}

export function checkNames(e: Experiment): Problem[] {
  const out = unique(
    [
      { name: e.server.name, path: "server.name" },
      ...e.guests.map((g, i) => ({ name: g.name, path: `guests[${i}].name` })),
      ...machines(e).map(({ m, path }) => ({ name: m.name, path: `${path}.name` })),
    ],
    "machine",
  );
  out.push(
    ...unique(
      e.bridges.map((b, i) => ({ name: b.name, path: `bridges[${i}].name` })),
      "bridge",
    ),
  );
  out.push(
    ...unique(
      e.routingTables.map((t, i) => ({ name: t.name, path: `routingTables[${i}].name` })),
      "routing table",
    ),
  );
  out.push(
    ...unique(
      e.server.nics.map((n, i) => ({ name: n.name, path: `server.nics[${i}].name` })),
      "NIC",
    ),
  );
  e.guests.forEach((g, gi) =>
    out.push(
      ...unique(
        g.interfaces.map((f, i) => ({ name: f.name, path: `guests[${gi}].interfaces[${i}].name` })),
        "interface",
      ),
    ),
  );
  // Names that become kernel objects on a shared host get the owner prefix (names.ts).
  const owned = [
    ...e.bridges.map((b, i) => ({ name: b.name, path: `bridges[${i}].name` })),
    ...e.guests.map((g, i) => ({ name: g.name, path: `guests[${i}].name` })),
    ...machines(e).map(({ m, path }) => ({ name: m.name, path: `${path}.name` })),
  ];
  for (const o of owned) {
    if (Buffer.byteLength(o.name) > MAX_OWNED_NAME) {
      out.push({
        path: o.path,
        message: `"${o.name}" is ${Buffer.byteLength(o.name)} bytes; with the stack's owner prefix it would pass the kernel's ${IFNAMSIZ}-byte interface-name limit (use at most ${MAX_OWNED_NAME})`,
      });
    }
  }
  const ifnames = [
    ...e.server.nics.map((n, i) => ({ name: n.name, path: `server.nics[${i}].name` })),
    ...e.guests.flatMap((g, gi) =>
      g.interfaces.map((f, i) => ({ name: f.name, path: `guests[${gi}].interfaces[${i}].name` })),
    ),
    ...machines(e).map(({ m, path }) => ({ name: m.nic.name, path: `${path}.nic.name` })),
  ];
  for (const f of ifnames) {
    if (Buffer.byteLength(f.name) > IFNAMSIZ) {
      out.push({
        path: f.path,
        message: `interface name "${f.name}" is longer than the kernel's ${IFNAMSIZ}-byte limit`,
      });
    }
  }
  return out;
}

export function checkReferences(e: Experiment): Problem[] {
  const out: Problem[] = [];
  const bridges = new Set(e.bridges.map((b) => b.name));
  const tables = new Set(e.routingTables.map((t) => t.name));
  const guests = new Set(e.guests.map((g) => g.name));
  const nics = new Set(e.server.nics.map((n) => n.name));
  const missing = (path: string, what: string, name: string, known: Set<string>): void => {
    if (!known.has(name)) {
      const list = [...known].join(", ") || "none";
      out.push({ path, message: `no ${what} named "${name}" (known: ${list})` });
    }
  };
  e.bridges.forEach((b, i) => b.nic && missing(`bridges[${i}].nic`, "server NIC", b.nic, nics));
  e.guests.forEach((g, gi) => {
    g.interfaces.forEach((f, i) =>
      missing(`guests[${gi}].interfaces[${i}].bridge`, "bridge", f.bridge, bridges),
    );
    if (g.routingTable) missing(`guests[${gi}].routingTable`, "routing table", g.routingTable, tables);
  });
  machines(e).forEach(({ m, path }) => missing(`${path}.link.bridge`, "bridge", m.link.bridge, bridges));
  e.benchmarks.forEach((b, bi) => {
    // `native` is the server itself: the paper's reference, measured beside the guests.
    const systems = new Set([...guests, "native"]);
    b.guests?.forEach((g, i) => missing(`benchmarks[${bi}].guests[${i}]`, "guest", g, systems));
    b.routingTables?.forEach((t, i) =>
      missing(`benchmarks[${bi}].routingTables[${i}]`, "routing table", t, tables),
    );
  });
  return out;
}

export function checkAddresses(e: Experiment): Problem[] {
  const out: Problem[] = [];
  const hosts = new Map<number, string>();
  const subnets: { prefix: Prefix; bridge: string; path: string }[] = [];
  const known = new Set(e.bridges.map((b) => b.name));
  const reported = new Set<string>();
  const pairKey = (x: string, y: string): string => [x, y].sort().join("\0");
  const addresses: { cidr: string; bridge: string; path: string }[] = [
    ...e.bridges.flatMap((b, i) =>
      b.address ? [{ cidr: b.address, bridge: b.name, path: `bridges[${i}].address` }] : [],
    ),
    ...e.guests.flatMap((g, gi) =>
      g.interfaces.map((f, i) => ({
        cidr: f.address,
        bridge: f.bridge,
        path: `guests[${gi}].interfaces[${i}].address`,
      })),
    ),
    ...machines(e).flatMap(({ m, path }) =>
      m.nic.address ? [{ cidr: m.nic.address, bridge: m.link.bridge, path: `${path}.nic.address` }] : [],
    ),
  ];
  for (const a of addresses) {
    const { addr, prefix } = parseCidr(a.cidr);
    if (!contains(LAB_PREFIX, prefix)) {
      out.push({ path: a.path, message: `${a.cidr} is outside the lab range ${LAB_RANGE}` });
      continue;
    }
    if (prefix.len < 31 && (addr === prefix.net || addr === prefix.net + prefixSize(prefix) - 1)) {
      out.push({
        path: a.path,
        message: `${a.cidr} is the ${addr === prefix.net ? "network" : "broadcast"} address of its subnet`,
      });
    }
    const prev = hosts.get(addr);
    if (prev)
      out.push({ path: a.path, message: `address ${a.cidr.split("/")[0]} is already used at ${prev}` });
    else hosts.set(addr, a.path);
    // One report per pair of bridges; addresses on unknown bridges are a reference problem instead.
    const clash = known.has(a.bridge)
      ? subnets.find(
          (s) =>
            s.bridge !== a.bridge && overlaps(s.prefix, prefix) && !reported.has(pairKey(s.bridge, a.bridge)),
        )
      : undefined;
    if (clash) {
      reported.add(pairKey(clash.bridge, a.bridge));
      out.push({
        path: a.path,
        message: `subnet ${formatPrefix(prefix)} on bridge "${a.bridge}" overlaps ${formatPrefix(clash.prefix)} on bridge "${clash.bridge}" (${clash.path})`,
      });
    }
    if (known.has(a.bridge)) subnets.push({ prefix, bridge: a.bridge, path: a.path });
  }
  // Generated routes skip every prefix that touches a connected subnet, so they never shadow a host.
  const connected = [...new Map(subnets.map((x) => [formatPrefix(x.prefix), x.prefix])).values()];
  e.routingTables.forEach((t, i) => {
    if (!t.generate) return;
    const { prefix } = parseCidr(t.generate.within);
    const path = `routingTables[${i}].generate`;
    const len = t.generate.prefixLength;
    if (!contains(LAB_PREFIX, prefix))
      out.push({
        path: `${path}.within`,
        message: `${t.generate.within} is outside the lab range ${LAB_RANGE}`,
      });
    if (len < prefix.len) {
      out.push({
        path: `${path}.prefixLength`,
        message: `/${len} routes cannot be carved from ${t.generate.within}`,
      });
      return;
    }
    const capacity = routeCapacity(prefix, len, connected);
    if (capacity < t.routes) {
      out.push({
        path: `routingTables[${i}].routes`,
        message: `${t.routes} routes do not fit: ${t.generate.within} holds only ${capacity} /${len} prefixes outside the connected subnets`,
      });
    }
  });
  return out;
}

/** /len prefixes inside `within` that touch none of the connected subnets. */
export function routeCapacity(within: Prefix, len: number, connected: Prefix[]): number {
  const taken = new Set<number>();
  for (const c of connected) {
    if (!overlaps(c, within)) continue;
    const lo = Math.max(c.net, within.net);
    const hi = Math.min(c.net + prefixSize(c), within.net + prefixSize(within));
    const step = 2 ** (32 - len);
    for (let n = Math.floor(lo / step) * step; n < hi; n += step) taken.add(n);
  }
  return 2 ** (len - within.len) - taken.size;
}

export function checkCapacity(e: Experiment): Problem[] {
  const out: Problem[] = [];
  e.guests.forEach((g, i) => {
    if (g.vcpus > e.server.cpus) {
      out.push({
        path: `guests[${i}].vcpus`,
        message: `${g.vcpus} vCPUs is more than the server's ${e.server.cpus} CPUs`,
      });
    }
  });
  const memory = e.guests.reduce((sum, g) => sum + g.memoryMiB, 0);
  if (memory > e.server.memoryMiB) {
    out.push({
      path: "guests",
      message: `the guests need ${memory} MiB of memory in all, more than the server's ${e.server.memoryMiB} MiB`,
    });
  }
  return out;
}

export function checkGuestKinds(e: Experiment): Problem[] {
  const supported = GUEST_KINDS[e.server.hypervisor];
  return e.guests.flatMap((g, i) =>
    supported.includes(g.kind)
      ? []
      : [
          {
            path: `guests[${i}].kind`,
            message:
              supported.length === 0
                ? `hypervisor "${e.server.hypervisor}" runs no guests: the benchmarks run on the server itself`
                : `hypervisor "${e.server.hypervisor}" runs ${supported.join(" and ")} guests, not ${g.kind}`,
          },
        ],
  );
}

export const SEMANTIC_CHECKS = [
  checkNames,
  checkReferences,
  checkAddresses,
  checkCapacity,
  checkGuestKinds,
  checkOfferedLoad,
  checkBenchmarkFit,
];
