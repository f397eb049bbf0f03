// What the server's kernel holds of a lab, for `vrlab show`: per namespace its links (state, bridge,
// IPv4 addresses), root qdiscs and vrlab's route count, and each guest's cgroup limits. One read-only
// script does it all, run through remote/run.ts on the server's target: this machine, or the server
// over SSH, the same probes either way. Every name comes from the stack's `lab` output, is checked
// against an allow-list, and reaches the script on its stdin, where it is only ever expanded quoted.
import { type LabPlan } from "../components/plan";
import { ROUTE_PROTO } from "../drivers/routes";
import { run } from "../remote/run";
import { script } from "../remote/script";
import { arg, check } from "../remote/shell";
import { type Credentials, type Target, describeTarget, remoteError, tailOf } from "../remote/types";

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
  /** Where it was probed: `local`, or `ssh root@host:22`. */
  host: string;
  /** The namespaces that exist, with what they hold. A planned namespace absent here is missing. */
  namespaces: Record<string, NsFacts>;
  /** A remote server's own network stack (where its bridges live); unset for a local plan. */
  root?: NsFacts;
  /** Per guest cgroup: its limits, or null when it does not exist. */
  cgroups: Record<string, CgroupFacts | null>;
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

/** Every kernel name the plan would have us look at, checked before any is used. */
export function namesOf(plan: LabPlan): string[] {
  const ns = [
    ...(plan.serverNs ? [plan.serverNs] : []),
    ...plan.guests.flatMap((g) => [g.kernel, ...g.ports.map((p) => p.ns)]),
    ...plan.machines.flatMap((m) => (m.local ? [m.local.ns] : [])),
  ];
  const ifnames = [
    ...plan.bridges.flatMap((b) => [b.kernel, ...(b.nic ? [b.nic] : [])]),
    ...plan.guests.flatMap((g) => g.ports.flatMap((p) => [p.hostEnd, p.ifname])),
    ...plan.machines.flatMap((m) => (m.local ? [m.local.port.hostEnd, m.local.port.ifname] : [])),
  ];
  ns.forEach((n, i) => check("netns", n, `lab namespace #${i}`));
  ifnames.forEach((n, i) => check("ifname", n, `lab interface #${i}`));
  return [...ns, ...ifnames];
}

// Reads `ns NAME ROUTES` and `cg NAME` lines; NAME `.` is the host's own stack. Prints a section per
// namespace that exists (`@@ns NAME ROUTES`, ip's JSON, `@@tc`, tc's JSON) and per cgroup that does
// (`@@cg NAME`, then quota, period and memory limit), choosing cgroup v2 or v1 as drivers/cgroup.ts does.
const BODY = `
b=/sys/fs/cgroup
if grep -qw cpu "$b/cgroup.controllers" 2>/dev/null && grep -qw memory "$b/cgroup.controllers"; then v=2; else v=1; fi
on() { c=$1; shift; if [ "$n" = . ]; then "$c" "$@"; else "$c" -n "$n" "$@"; fi; }
while read -r what n r; do
  if [ "$what" = ns ]; then
    a=$(on ip -j -d addr show 2>/dev/null) || continue
    q=$(on tc -j -d qdisc show 2>/dev/null) || q=
    if [ "$r" = 1 ]; then r=$(on ip route show proto "$PROTO" | wc -l); else r=-; fi
    printf '@@ns %s %s\\n%s\\n@@tc\\n%s\\n' "$n" "$r" "$a" "$q"
  elif [ "$v" = 2 ]; then
    l=$(cat "$b/$n/cpu.max" "$b/$n/memory.max" 2>/dev/null) || continue
    printf '@@cg %s\\n%s\\n' "$n" "$l"
  else
    l=$(cat "$b/cpu/$n/cpu.cfs_quota_us" "$b/cpu/$n/cpu.cfs_period_us" "$b/memory/$n/memory.limit_in_bytes" 2>/dev/null) || continue
    printf '@@cg %s\\n%s\\n' "$n" "$l"
  fi
done`;

/** The probe script, and the stdin that names what it looks at. */
export function probeScript(plan: LabPlan): { script: string; stdin: string } {
  namesOf(plan);
  const routed = new Set(plan.guests.filter((g) => g.routes).map((g) => g.kernel));
  const wanted = [
    plan.serverNs ?? ".",
    ...plan.guests.map((g) => g.kernel),
    ...plan.machines.flatMap((m) => (m.local ? [m.local.ns] : [])),
  ];
  const lines = [
    ...[...new Set(wanted)].map((ns) => `ns ${ns} ${routed.has(ns) ? 1 : 0}`),
    ...plan.guests.map((g) => `cg ${g.kernel}`),
  ];
  return { script: script({ PROTO: arg("uint", ROUTE_PROTO) }, BODY), stdin: `${lines.join("\n")}\n` };
}

/** The probe script's output → facts. `.` (the host's own stack) becomes `root`. */
export function parseProbe(host: string, stdout: string): Probe {
  const probe: Probe = { host, namespaces: {}, cgroups: {} };
  const sections = stdout.split(/^(?=@@(?:ns|cg) )/m).filter((s) => s.startsWith("@@"));
  for (const section of sections) {
    const [head, ...rest] = section.split("\n");
    const [kind, name, routes] = head.slice(2).split(" ");
    const body = rest.join("\n");
    if (kind === "ns") {
      const [addr, tc = ""] = body.split(/^@@tc$/m);
      const facts: NsFacts = {
        links: parseAddr(addr.trim()),
        qdiscs: parseQdiscs(tc.trim()),
        routes: routes === "-" ? undefined : Number(routes),
      };
      if (name === ".") probe.root = facts;
      else probe.namespaces[name] = facts;
    } else {
      const [quota, period, memory] = body
        .trim()
        .split(/\s+/)
        .map((w) => (w === "max" ? -1 : Number(w)));
      probe.cgroups[name] = { cpuQuotaUs: quota, cpuPeriodUs: period, memoryBytes: memory };
    }
  }
  return probe;
}

/** Probes a lab on the server's target: this machine, or the server over SSH. Rejects if it cannot. */
export async function probeLab(plan: LabPlan, target: Target, creds: Credentials = {}): Promise<Probe> {
  const { script: s, stdin } = probeScript(plan);
  const r = await run(target, creds, s, { stdin, timeoutMs: 60_000 });
  if (r.code !== 0) throw remoteError(describeTarget(target), s, r.code, tailOf(r.stdout, r.stderr));
  const probe = parseProbe(describeTarget(target), r.stdout);
  for (const g of plan.guests) probe.cgroups[g.kernel] ??= null;
  return probe;
}
