// Checks of the address plan: the lab range, subnets per bridge, and routes a guest can install.
import {
  LAB_PREFIX,
  LAB_RANGE,
  contains,
  formatPrefix,
  ipToInt,
  overlaps,
  parseCidr,
  prefixSize,
  type Prefix,
} from "./addr";
import { quoted, type Problem } from "./errors";
import schemaJson from "./experiment.schema.json";
import { type Experiment } from "./model";

// Values the schema refused are reported there; these checks skip them rather than guess.
const IPV4 = new RegExp(schemaJson.definitions.ipv4.pattern);
const CIDR = new RegExp(schemaJson.definitions.cidr.pattern);

/** Every address with the bridge it sits on; the machines' NICs sit on their cable's bridge. */
function addressesOf(e: Experiment): { cidr: string; bridge: string; path: string; bridgeOwn?: true }[] {
  const all = [
    ...e.bridges.flatMap((b, i) =>
      b.address
        ? [{ cidr: b.address, bridge: b.name, path: `bridges[${i}].address`, bridgeOwn: true as const }]
        : [],
    ),
    ...e.guests.flatMap((g, gi) =>
      g.interfaces.map((f, i) => ({
        cidr: f.address,
        bridge: f.bridge,
        path: `guests[${gi}].interfaces[${i}].address`,
      })),
    ),
    ...[
      { m: e.timer, path: "timer" },
      { m: e.generator, path: "generator" },
    ].flatMap(({ m, path }) =>
      m.nic.address ? [{ cidr: m.nic.address, bridge: m.link.bridge, path: `${path}.nic.address` }] : [],
    ),
  ];
  return all.filter((a) => typeof a.cidr === "string" && CIDR.test(a.cidr));
}

const isEdge = (addr: number, p: Prefix): "network" | "broadcast" | undefined =>
  p.len >= 31
    ? undefined
    : addr === p.net
      ? "network"
      : addr === p.net + prefixSize(p) - 1
        ? "broadcast"
        : undefined;
export function checkAddresses(e: Experiment): Problem[] {
  const out: Problem[] = [];
  const hosts = new Map<number, string>();
  const subnets: { prefix: Prefix; bridge: string; path: string }[] = [];
  const known = new Set(e.bridges.map((b) => b.name));
  const reported = new Set<string>();
  const pairKey = (x: string, y: string): string => [x, y].sort().join("\0");
  const addresses = addressesOf(e);
  for (const a of addresses) {
    const { addr, prefix } = parseCidr(a.cidr);
    if (!contains(LAB_PREFIX, prefix)) {
      out.push({ path: a.path, message: `${a.cidr} is outside the lab range ${LAB_RANGE}` });
      continue;
    }
    const edge = isEdge(addr, prefix);
    if (edge) out.push({ path: a.path, message: `${a.cidr} is the ${edge} address of its subnet` });
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
        message: `subnet ${formatPrefix(prefix)} on bridge ${quoted(a.bridge)} overlaps ${formatPrefix(clash.prefix)} on bridge ${quoted(clash.bridge)} (${clash.path})`,
      });
    }
    if (known.has(a.bridge)) subnets.push({ prefix, bridge: a.bridge, path: a.path });
  }
  // Generated routes skip every prefix that touches a connected subnet, so they never shadow a host.
  const connected = [...new Map(subnets.map((x) => [formatPrefix(x.prefix), x.prefix])).values()];
  e.routingTables.forEach((t, i) => {
    // The contiguous form; tables.ts checks the realistic one and files.
    if (!t.generate || !("within" in t.generate)) return;
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

/** A guest's or machine's address must lie in its bridge's subnet when the bridge has an address. */
export function checkSubnets(e: Experiment): Problem[] {
  const subnets = new Map(
    e.bridges.flatMap((b) =>
      b.address && CIDR.test(b.address) ? [[b.name, parseCidr(b.address).prefix]] : [],
    ),
  );
  const out: Problem[] = [];
  for (const a of addressesOf(e)) {
    const subnet = subnets.get(a.bridge);
    const { addr, prefix } = parseCidr(a.cidr);
    // Outside the lab range is said once, by checkAddresses.
    if (a.bridgeOwn || !subnet || !contains(LAB_PREFIX, prefix)) continue;
    const where = `bridge ${quoted(a.bridge)}'s subnet ${formatPrefix(subnet)}`;
    if (!contains(subnet, { net: addr, len: 32 }))
      out.push({
        path: a.path,
        message: `${a.cidr} is outside ${where}: nothing on the bridge could reach it`,
      });
    else if (prefix.len !== subnet.len)
      out.push({
        path: a.path,
        message: `${a.cidr} has prefix length /${prefix.len}, but ${where} is /${subnet.len}`,
      });
  }
  return out;
}

/** Every connected subnet (a valid address's prefix), once: what no route may touch. */
export function connectedCidrs(e: Experiment): string[] {
  return [...new Set(addressesOf(e).map((a) => formatPrefix(parseCidr(a.cidr).prefix)))];
}

/**
 * Why `hop` cannot be a next hop of table `table`: it must be in the lab range, on a subnet of every
 * guest that installs the table, and not that guest's own address or a subnet's network or broadcast
 * address (the kernel refuses such routes midway through `up`).
 */
export function nextHopProblems(e: Experiment, table: string, hop: string): string[] {
  const via = ipToInt(hop);
  if (!contains(LAB_PREFIX, { net: via, len: 32 }))
    return [`next hop ${hop} is outside the lab range ${LAB_RANGE}: lab traffic would leave the lab`];
  const out: string[] = [];
  const unreachable: string[] = [];
  e.guests.forEach((g, gi) => {
    if (g.routingTable !== table || !g.interfaces.every((f) => CIDR.test(f.address))) return;
    const nics = g.interfaces.map((f) => parseCidr(f.address));
    const own = nics.findIndex((n) => n.addr === via);
    const subnet = nics.map((n) => n.prefix).find((p) => contains(p, { net: via, len: 32 }));
    const edge = subnet && isEdge(via, subnet);
    if (own >= 0)
      out.push(
        `guest ${quoted(g.name)} installs this table, and ${hop} is its own address (guests[${gi}].interfaces[${own}].address)`,
      );
    else if (!subnet) unreachable.push(quoted(g.name));
    else if (edge)
      out.push(
        `guest ${quoted(g.name)} installs this table, and ${hop} is the ${edge} address of its subnet ${formatPrefix(subnet)}`,
      );
  });
  if (unreachable.length > 0) {
    const one = unreachable.length === 1;
    out.push(
      `${one ? "guest" : "guests"} ${unreachable.join(", ")} install${one ? "s" : ""} this table, but next hop ${hop} is on none of ${one ? "its" : "their"} subnets: a next hop must be directly reachable`,
    );
  }
  return out;
}

/** Each of a table's next hops (`via`, one or a list) passes nextHopProblems. */
export function checkNextHops(e: Experiment): Problem[] {
  return e.routingTables.flatMap((t, ti) =>
    (Array.isArray(t.via) ? t.via : []).flatMap((hop, j) => {
      if (typeof hop !== "string" || !IPV4.test(hop)) return [];
      const path = `routingTables[${ti}].via${t.via.length > 1 ? `[${j}]` : ""}`;
      const first = t.via.indexOf(hop);
      if (first < j) return [{ path, message: `${hop} repeats via[${first}]` }];
      return nextHopProblems(e, t.name, hop).map((message) => ({ path, message }));
    }),
  );
}
