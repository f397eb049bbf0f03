// What the kernel of this machine holds of a lab, for `vrlab show`: per namespace its links (state,
// bridge, IPv4 addresses), root qdiscs and vrlab's route count, and each guest's cgroup limits. Only
// reads; every name comes from the stack's `lab` output, is checked against the ifname allow-list, and
// reaches `ip`/`tc` as one argv element (execFile, no shell).
import { execFile } from "node:child_process";
import * as fs from "node:fs/promises";
import { promisify } from "node:util";
import { type LabPlan } from "../components/plan";
import { ROUTE_PROTO } from "../drivers/routes";
import { check } from "../remote/shell";

export interface LinkFacts {
  up: boolean;
  /** The bridge it is enslaved to. */
  master?: string;
  /** `bridge`, `veth`, ... (ip -d's linkinfo.info_kind). */
  kind?: string;
  /** IPv4 addresses as CIDRs, sorted. */
  addresses: string[];
}

export interface QdiscFacts {
  kind: string;
  rateBits?: number;
  /** Bytes the size table adds to each packet (tc's stab overhead). */
  overhead?: number;
}

export interface NsFacts {
  links: Record<string, LinkFacts>;
  /** Root qdisc per device. */
  qdiscs: Record<string, QdiscFacts>;
  /** Routes with vrlab's protocol number; probed only where the plan has a routing table. */
  routes?: number;
}

export interface CgroupFacts {
  cpuQuotaUs?: number;
  cpuPeriodUs?: number;
  memoryBytes?: number;
}

export interface Probe {
  /** The namespaces that exist, with what they hold. A planned namespace absent here is missing. */
  namespaces: Record<string, NsFacts>;
  /** Per guest cgroup: its limits, or null when it does not exist. */
  cgroups: Record<string, CgroupFacts | null>;
}

const run = promisify(execFile);
const TIMEOUT_MS = 15_000;

async function out(file: string, args: string[]): Promise<string> {
  const r = await run(file, args, { encoding: "utf8", timeout: TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
  return r.stdout;
}

const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);

/** `ip -j -d addr show` → links by name. */
export function parseAddr(json: string): Record<string, LinkFacts> {
  const links: Record<string, LinkFacts> = {};
  for (const l of JSON.parse(json || "[]") as Record<string, unknown>[]) {
    const info = (l.addr_info ?? []) as { family?: string; local?: string; prefixlen?: number }[];
    const linkinfo = l.linkinfo as { info_kind?: string } | undefined;
    links[String(l.ifname)] = {
      up: Array.isArray(l.flags) && l.flags.includes("UP"),
      master: typeof l.master === "string" ? l.master : undefined,
      kind: linkinfo?.info_kind,
      addresses: info
        .filter((a) => a.family === "inet")
        .map((a) => `${a.local}/${a.prefixlen}`)
        .sort(),
    };
  }
  return links;
}

/** `tc -j -d qdisc show` → root qdiscs by device. tc prints rates in bytes per second. */
export function parseQdiscs(json: string): Record<string, QdiscFacts> {
  const qdiscs: Record<string, QdiscFacts> = {};
  for (const q of JSON.parse(json || "[]") as Record<string, unknown>[]) {
    if (q.root !== true || typeof q.dev !== "string") continue;
    const rate = num((q.options as Record<string, unknown> | undefined)?.rate);
    qdiscs[q.dev] = {
      kind: String(q.kind),
      rateBits: rate === undefined ? undefined : rate * 8,
      overhead: num((q.stab as Record<string, unknown> | undefined)?.overhead),
    };
  }
  return qdiscs;
}

export async function namespaceList(): Promise<string[]> {
  return (await out("ip", ["netns", "list"]))
    .split("\n")
    .map((l) => l.split(" ")[0])
    .filter((n) => n !== "");
}

async function probeNs(ns: string, routes: boolean): Promise<NsFacts | undefined> {
  try {
    const [addr, tc, rt] = await Promise.all([
      out("ip", ["-n", ns, "-j", "-d", "addr", "show"]),
      out("tc", ["-n", ns, "-j", "-d", "qdisc", "show"]),
      routes ? out("ip", ["-n", ns, "route", "show", "proto", String(ROUTE_PROTO)]) : Promise.resolve(""),
    ]);
    const count = rt.split("\n").filter((l) => l.trim() !== "").length;
    return { links: parseAddr(addr), qdiscs: parseQdiscs(tc), routes: routes ? count : undefined };
  } catch {
    return undefined; // gone while we looked
  }
}

async function readNumbers(file: string): Promise<number[]> {
  const text = await fs.readFile(file, "utf8");
  return text
    .trim()
    .split(/\s+/)
    .map((w) => (w === "max" ? -1 : Number(w)));
}

/** cgroup v2 where the host has cpu and memory there, else v1 (as drivers/cgroup.ts decides). */
async function probeCgroup(cg: string): Promise<CgroupFacts | null> {
  const controllers = await fs.readFile("/sys/fs/cgroup/cgroup.controllers", "utf8").catch(() => "");
  const v2 = /\bcpu\b/.test(controllers) && /\bmemory\b/.test(controllers);
  try {
    if (v2) {
      const [quota, period] = await readNumbers(`/sys/fs/cgroup/${cg}/cpu.max`);
      const [memory] = await readNumbers(`/sys/fs/cgroup/${cg}/memory.max`);
      return { cpuQuotaUs: quota, cpuPeriodUs: period, memoryBytes: memory };
    }
    const [quota] = await readNumbers(`/sys/fs/cgroup/cpu/${cg}/cpu.cfs_quota_us`);
    const [period] = await readNumbers(`/sys/fs/cgroup/cpu/${cg}/cpu.cfs_period_us`);
    const [memory] = await readNumbers(`/sys/fs/cgroup/memory/${cg}/memory.limit_in_bytes`);
    return { cpuQuotaUs: quota, cpuPeriodUs: period, memoryBytes: memory };
  } catch {
    return null;
  }
}

/** Every kernel name the plan would have us look at, checked before any is used. */
export function namesOf(plan: LabPlan): string[] {
  const names = [
    ...(plan.serverNs ? [plan.serverNs] : []),
    ...plan.bridges.map((b) => b.kernel),
    ...plan.guests.flatMap((g) => [g.kernel, ...g.ports.flatMap((p) => [p.hostEnd, p.ns, p.ifname])]),
    ...plan.machines.flatMap((m) => (m.local ? [m.local.ns, m.local.port.hostEnd, m.local.port.ifname] : [])),
  ];
  names.forEach((n, i) => check("ifname", n, `lab name #${i}`));
  return names;
}

/** Probes a lab whose server is this machine. */
export async function probeLab(plan: LabPlan): Promise<Probe> {
  namesOf(plan);
  const routed = new Set(plan.guests.filter((g) => g.routes).map((g) => g.kernel));
  const wanted = [
    ...(plan.serverNs ? [plan.serverNs] : []),
    ...plan.guests.map((g) => g.kernel),
    ...plan.machines.flatMap((m) => (m.local ? [m.local.ns] : [])),
  ];
  const present = new Set(await namespaceList());
  const namespaces: Record<string, NsFacts> = {};
  const cgroups: Record<string, CgroupFacts | null> = {};
  await Promise.all([
    ...wanted
      .filter((ns) => present.has(ns))
      .map(async (ns) => {
        const facts = await probeNs(ns, routed.has(ns));
        if (facts) namespaces[ns] = facts;
      }),
    ...plan.guests.map(async (g) => {
      cgroups[g.kernel] = await probeCgroup(g.kernel);
    }),
  ]);
  return { namespaces, cgroups };
}
