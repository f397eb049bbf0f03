// `vrlab show`'s two renderings of a LabView (cli/view.ts): text tables for a terminal, and a Graphviz
// DOT graph of the topology. Pure functions of the view.
import type { LabView, LinkView, MachineView } from "./model";

/** Columns padded to their widest cell, two spaces apart; no trailing blanks. */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

const MARK = "!";

function addressCell(a: MachineView["addresses"][number]): string {
  return a.ok ? a.planned : `${a.planned} ${MARK} found ${a.found.join(",") || "none"}`;
}

function limitsCell(m: MachineView): string {
  if (!m.limits) return "-";
  const { vcpus, memoryMiB, cgroup } = m.limits;
  const bad = cgroup === "missing" || cgroup === "differs";
  const found = cgroup === "unprobed" ? "" : `, cgroup ${cgroup}${bad ? ` ${MARK}` : ""}`;
  return `${vcpus} vCPU, ${memoryMiB} MiB${found}`;
}

function routesCell(m: MachineView): string {
  if (!m.routes) return "-";
  const { planned, found } = m.routes;
  if (m.state === "unprobed") return `${planned} planned`;
  return `${found ?? 0}/${planned}${found === planned ? "" : ` ${MARK}`}`;
}

function machineRows(m: MachineView): string[][] {
  const addrs = m.addresses.length ? m.addresses : [undefined];
  return addrs.map((a, i) => {
    const head = i === 0;
    return [
      head ? m.name : "",
      head ? m.kind : "",
      head ? (m.kind === "guest" ? m.role : "-") : "",
      head ? (m.ns ?? "-") : "",
      head ? (m.state === "unprobed" ? "not probed" : m.state) : "",
      a ? a.dev : "-",
      a ? addressCell(a) : "-",
      head ? limitsCell(m) : "",
      head ? routesCell(m) : "",
    ];
  });
}

function shapingCell(l: LinkView): string {
  if (!l.shaping) return "-";
  const planned = l.shaping.planned;
  return l.shaping.ends
    .map(
      (e) =>
        `${e.at}: ${e.found === "unprobed" ? planned : e.found}${e.ok ? "" : ` ${MARK} want ${planned}`}`,
    )
    .join(", ");
}

export function renderText(view: LabView): string {
  const where = view.serverNs
    ? `, server namespace ${view.serverNs}`
    : `, remote server${view.host ? ` ${view.host}` : ""}`;
  const head = `${view.owner} (tag ${view.tag})${where}`;
  const machines = table([
    ["MACHINE", "KIND", "ROLE", "NAMESPACE", "STATE", "INTERFACE", "ADDRESS", "LIMITS", "ROUTES"],
    ...view.machines.flatMap(machineRows),
  ]);
  const bridgeState = new Map(view.bridges.map((b) => [b.kernel, b.state]));
  const links = table([
    ["BRIDGE", "END", "HOST END", "STATE", "SHAPING"],
    ...view.links.map((l, i) => {
      const first = i === 0 || view.links[i - 1].bridge !== l.bridge;
      const state = bridgeState.get(l.bridge);
      const bridge = !first
        ? ""
        : state === "up" || state === "unprobed"
          ? l.bridge
          : `${l.bridge} (${state})`;
      const linkState = l.state === "unprobed" ? "not probed" : l.state;
      return [bridge, `${l.machine} ${l.ifname}`, l.hostEnd, linkState, shapingCell(l)];
    }),
  ]);
  const note = view.note ? [`note: ${view.note}`] : [];
  return [head, ...note, "", machines, "", links, "", view.summary, ""].join("\n");
}

/** A DOT double-quoted string; `lines` are joined by DOT's centred line break. */
function q(...lines: string[]): string {
  return `"${lines.map((l) => l.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, " ")).join("\\n")}"`;
}

const RED = ", color=red, fontcolor=red";
const SHAPES: Record<MachineView["kind"], string> = {
  server: "box3d",
  guest: "ellipse",
  timer: "hexagon",
  generator: "hexagon",
};

export function renderDot(view: LabView): string {
  const out = [
    "graph vrlab {",
    `  graph [rankdir=LR, labelloc=t, fontname="Helvetica", label=${q(`${view.owner} (tag ${view.tag})`, view.summary)}];`,
    '  node [fontname="Helvetica"];',
    '  edge [fontname="Helvetica", fontsize=10];',
  ];
  const mid = (name: string): string => q(`machine:${name}`);
  const bid = (kernel: string): string => q(`bridge:${kernel}`);
  for (const b of view.bridges) {
    const bad = b.state === "missing" || b.state === "down";
    const label = q(`bridge ${b.name}`, b.kernel, ...(bad ? [`(${b.state})`] : []));
    out.push(`  ${bid(b.kernel)} [shape=box, style=rounded, label=${label}${bad ? RED : ""}];`);
  }
  for (const m of view.machines) {
    const bad = m.state === "missing" || m.drift.length > 0;
    const what = m.kind === "guest" ? [`${m.role}, ${m.limits?.vcpus} vCPU, ${m.limits?.memoryMiB} MiB`] : [];
    if (m.kind !== "guest" && m.kind !== m.name) what.push(m.kind);
    const state =
      m.state === "missing" ? ["(missing)"] : m.drift.length ? [`drift: ${m.drift.join(", ")}`] : [];
    const style = m.state === "unprobed" ? ", style=dashed" : "";
    const label = q(m.name, ...what, ...(m.ns ? [m.ns] : []), ...state);
    out.push(`  ${mid(m.name)} [shape=${SHAPES[m.kind]}, label=${label}${style}${bad ? RED : ""}];`);
  }
  const server = view.machines.find((m) => m.kind === "server");
  for (const b of view.bridges) {
    const a = server?.addresses.find((x) => x.dev === b.kernel);
    const nic = view.links.find((l) => l.machine === "server" && l.bridge === b.kernel);
    const bad = (a && !a.ok) || b.state === "missing" || (nic !== undefined && !nic.ok);
    const label = a ? q(a.ok ? a.planned : `${a.planned} (found ${a.found.join(",") || "none"})`) : q("");
    out.push(`  ${mid("server")} -- ${bid(b.kernel)} [style=bold, label=${label}${bad ? RED : ""}];`);
  }
  for (const l of view.links) {
    if (l.machine === "server") continue; // a remote server's NIC: the server–bridge edge above
    const m = view.machines.find((x) => x.name === l.machine);
    const a = m?.addresses.find((x) => x.dev === l.ifname);
    const address = a && !a.ok ? `${l.address} (found ${a.found.join(",") || "none"})` : l.address;
    const shaping = l.shaping
      ? [l.shaping.planned, ...l.shaping.ends.filter((e) => !e.ok).map((e) => `${e.at} end: ${e.found}`)]
      : [];
    const state = l.state === "up" || l.state === "unprobed" ? [] : [`(${l.state})`];
    const bad = !l.ok || (a !== undefined && !a.ok);
    const label = q(`${l.ifname} ${address}`, `host end ${l.hostEnd}`, ...shaping, ...state);
    out.push(`  ${mid(l.machine)} -- ${bid(l.bridge)} [label=${label}${bad ? RED : ""}];`);
  }
  out.push("}", "");
  return out.join("\n");
}
