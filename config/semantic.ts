// Checks the schema cannot express. Each returns problems; none stops at the first.
import { checkAddresses, checkNextHops, checkSubnets } from "./addrCheck";
import { checkBenchmarkFit, checkOfferedLoad } from "./benchChecks";
import { checkHostKeys } from "./connections";
import { bare, quoted, type Problem } from "./errors";
import { hostEndName, ifaceName, ownedPrefix } from "./names";
import { type Experiment, type GuestKind, type Hypervisor, type Machine } from "./model";
import { checkSeededTables } from "./tables";

export type { Problem } from "./errors";

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
    if (prev)
      out.push({ path: it.path, message: `${what} name ${quoted(it.name)} is already used at ${prev}` });
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
  out.push(...kernelNameClashes(e));
  return out;
}

/**
 * Interfaces in the server's stack whose kernel names would clash. A bridge with a long name and every
 * host end of a veth pair are named `v<tag>` and a 30-bit hash (names.ts), which can collide; the
 * hash does not depend on the owner, so any owner stands in for the stack's.
 */
function kernelNameClashes(e: Experiment): Problem[] {
  const owner = "x";
  const ends = [
    ...e.bridges.map((b, i) => ({
      name: b.name,
      path: `bridges[${i}].name`,
      kernel: ifaceName(owner, b.name),
    })),
    ...e.guests.flatMap((g, gi) =>
      g.interfaces.map((f, i) => ({
        name: `${g.name}/${f.name}`,
        path: `guests[${gi}].interfaces[${i}].name`,
        kernel: hostEndName(owner, g.name, f.name),
      })),
    ),
    ...machines(e).map(({ m, path }) => ({
      name: `${m.name}/${m.nic.name}`,
      path: `${path}.nic.name`,
      kernel: hostEndName(owner, m.name, m.nic.name),
    })),
  ];
  const first = new Map<string, { name: string; path: string }>();
  const out: Problem[] = [];
  for (const x of ends) {
    const prev = first.get(x.kernel);
    // Equal names are reported as duplicates already; only distinct names that hash alike are new.
    if (prev && prev.name !== x.name) {
      out.push({
        path: x.path,
        message: `${quoted(x.name)} and ${quoted(prev.name)} (${prev.path}) hash to the same interface name on the server (${x.kernel.slice(ownedPrefix(owner).length)} after the stack's tag): rename one`,
      });
    } else if (!prev) first.set(x.kernel, x);
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
      const list = [...known].map(bare).join(", ") || "none";
      out.push({ path, message: `no ${what} named ${quoted(name)} (known: ${list})` });
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

/**
 * What the experiment may do on purpose but should hear about: more vCPUs in all than the server has
 * CPUs (the paper's forwarding experiment runs 4 one-vCPU routers on 2 cores, so this is no error).
 * `server.cpus` is what the experiment declares; on a local server `hostCpus` is what this machine has.
 */
export function capacityWarnings(e: Experiment, hostCpus?: number): string[] {
  const vcpus = e.guests.reduce((sum, g) => sum + g.vcpus, 0);
  const out: string[] = [];
  const local = e.server.connection.kind === "local";
  if (local && hostCpus !== undefined && hostCpus < e.server.cpus)
    out.push(`server.cpus is ${e.server.cpus}, but this machine has ${hostCpus} CPUs: guests share those`);
  const cpus = local && hostCpus !== undefined ? Math.min(hostCpus, e.server.cpus) : e.server.cpus;
  if (vcpus > cpus)
    out.push(
      `the guests have ${vcpus} vCPUs in all on the server's ${cpus} CPUs: guests running at once share CPUs, so their benchmarks run slower than alone`,
    );
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
                ? `hypervisor ${quoted(e.server.hypervisor)} runs no guests: the benchmarks run on the server itself`
                : `hypervisor ${quoted(e.server.hypervisor)} runs ${supported.join(" and ")} guests, not ${bare(g.kind)}`,
          },
        ],
  );
}

export const SEMANTIC_CHECKS = [
  checkNames,
  checkReferences,
  checkAddresses,
  checkSubnets,
  checkNextHops,
  checkSeededTables,
  checkHostKeys,
  checkCapacity,
  checkGuestKinds,
  checkOfferedLoad,
  checkBenchmarkFit,
];
