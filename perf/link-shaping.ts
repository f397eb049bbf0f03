// Does vrlab's link shaping behave like gigabit Ethernet with the wire overhead counted? vrlab shapes
// with tbf at 1 Gb/s under a size table (drivers/shaping.ts), so 1472-byte UDP payloads should top out
// at 1472/1538 x 1000 = 957.1 Mb/s (config/wire.ts), where plain `tbf rate 1gbit` charges only the
// 1514 bytes the kernel sees and lets ~972.3 Mb/s through.
//
//   npx ts-node perf/link-shaping.ts [--reps N] [--seconds S]   (root; or `scripts/vrlab perf link-shaping`)
//
// Two cases, each on its own veth pair between two throwaway namespaces (vbs-<pid hex>-a/-b and -c/-d,
// addresses from 198.18.252.0/24 only): "vrlab", the sender's end shaped by the apply script
// shapingScripts() renders and confirmed with its read script; and "plain tbf", shaped by hand with
// `tc qdisc replace ... root tbf rate 1gbit burst 125000 latency 50ms` (vrlab's burst). For each case and
// repetition an iperf2 UDP client offers 1200 Mb/s of 1472-byte datagrams for S seconds; the goodput is
// what the server received. Writes perf/results/link-shaping.json (raw goodputs, medians, the
// theoretical ceilings and the ratios) and prints a table.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { udpGoodputMbps, wireBytesForUdpPayload } from "../config/wire";
import { ETHERNET_EXTRA, burstBytes, shapingScripts } from "../drivers/shaping";
import { runLocal } from "../remote/local";
import { runOk } from "../remote/run";
import { leaksWithPrefix } from "../cli/leaks";
import { parseIperfUdpServerCsv, type UdpServerReport } from "../benchmarks/parse/iperf";
import { intFlags, machineInfo, median, round, writeResult } from "./common";

const root = path.resolve(__dirname, "..");
const resultsFile = path.join(__dirname, "results", "link-shaping.json");

const RATE_MBPS = 1000;
const PAYLOAD_BYTES = 1472;
const OFFERED = "1200M";
const PORT = 5001;
// The server's receive buffer. With the default (208 KiB) the receiving iperf, not the shaper, drops
// datagrams on this 2-vCPU machine; 4 MiB (net.core.rmem_max here) keeps the receiver out of the way.
const SERVER_BUFFER = "4M";
// The link load (what the server received, charged as the qdisc charges it, over the shaped rate)
// below which the shaper was not what limited the run: the sender could not fill the link.
const SATURATED = 0.98;
const SUBNET = "198.18.252.";

const tag = (process.pid & 0xffff).toString(16).padStart(4, "0");
const prefix = `vbs-${tag}-`;

/** UDP payload goodput at line rate when the shaper charges only the kernel's frame (1514 bytes for 1472). */
const plainWireBytes = wireBytesForUdpPayload(PAYLOAD_BYTES) - ETHERNET_EXTRA;
const plainTheoryMbps = (RATE_MBPS * PAYLOAD_BYTES) / plainWireBytes;
const vrlabTheoryMbps = udpGoodputMbps(RATE_MBPS, PAYLOAD_BYTES);

function parseArgs(argv: string[]): { reps: number; seconds: number } {
  return intFlags(
    argv,
    { reps: { flag: "--reps", value: 3, max: 100 }, seconds: { flag: "--seconds", value: 5, max: 600 } },
    "link-shaping.ts [--reps N] [--seconds S]",
  );
}

/** Runs a command (no shell), for set-up and inspection; throws with its output if it fails. */
function cmd(file: string, args: string[], timeoutMs = 30_000): string {
  const r = spawnSync(file, args, {
    encoding: "utf8",
    timeout: timeoutMs,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (r.status !== 0) {
    const why = r.error ? r.error.message : `exit ${r.status ?? r.signal}`;
    throw new Error(`${file} ${args.join(" ")}: ${why}\n${(r.stdout ?? "") + (r.stderr ?? "")}`.trim());
  }
  return r.stdout;
}

function lines(file: string, args: string[]): string[] {
  const r = spawnSync(file, args, { encoding: "utf8", timeout: 30_000 });
  return (r.stdout ?? "").split("\n").filter((l) => l !== "");
}

const f = (x: number | null, d = 1): string => (x === null ? "-" : x.toFixed(d));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Case {
  id: "vrlab" | "plain";
  label: string;
  what: string;
  sendNs: string;
  recvNs: string;
  sendDev: string;
  recvDev: string;
  sendAddr: string;
  recvAddr: string;
  theoryMbps: number;
}

function makeCase(id: Case["id"], a: string, b: string, host: number): Case {
  const c: Case = {
    id,
    label: id === "vrlab" ? "vrlab (size table)" : "plain tbf",
    what:
      id === "vrlab"
        ? "apply script of shapingScripts({ ns, dev, rateMbps: 1000 }): tbf 1 Gb/s under `stab overhead 24 mpu 84 linklayer ethernet`"
        : `tc qdisc replace dev X root tbf rate 1gbit burst ${burstBytes(RATE_MBPS)} latency 50ms`,
    sendNs: `${prefix}${a}`,
    recvNs: `${prefix}${b}`,
    sendDev: `${prefix}${a}0`,
    recvDev: `${prefix}${b}0`,
    sendAddr: `${SUBNET}${host}`,
    recvAddr: `${SUBNET}${host + 1}`,
    theoryMbps: id === "vrlab" ? vrlabTheoryMbps : plainTheoryMbps,
  };
  for (const addr of [c.sendAddr, c.recvAddr]) {
    if (!addr.startsWith(SUBNET) || host < 1 || host + 1 > 254)
      throw new Error(`address ${addr} outside 198.18.252.0/24`);
  }
  for (const n of [c.sendNs, c.recvNs, c.sendDev, c.recvDev]) {
    if (Buffer.byteLength(n) > 15) throw new Error(`name ${n} is longer than 15 bytes`);
  }
  return c;
}

// Everything this process made, so cleanup (also on SIGINT/SIGTERM) can undo it.
const madeNamespaces: string[] = [];
const servers = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Running, not a zombie waiting to be reaped (this process reaps only while its event loop runs). */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** What of this run is still on the machine: namespaces, links, qdiscs, cgroups, iperf servers. */
function leftovers(): string[] {
  const pids = [...servers].map((s) => s.pid).filter((p): p is number => p !== undefined && alive(p));
  return [...leaksWithPrefix(prefix), ...pids.map((p) => `iperf server pid ${p}`)];
}

/** Synchronous, so it can run from a signal handler too. Returns what it could not remove. */
function cleanup(): string[] {
  const problems: string[] = [];
  for (const s of servers) killGroup(s, "SIGKILL");
  for (const ns of madeNamespaces.splice(0)) {
    // Only this run's processes live in its namespaces: the iperf servers and clients it started.
    const pids = lines("ip", ["netns", "pids", ns]).map(Number).filter(Number.isInteger);
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    const r = spawnSync("ip", ["netns", "del", ns], { encoding: "utf8", timeout: 30_000 });
    if (r.status !== 0 && fs.existsSync(`/run/netns/${ns}`))
      problems.push(`ip netns del ${ns}: ${r.stderr.trim()}`);
  }
  // A killed process's pid is reused only after it is reaped; give the kernel a moment to tear down.
  const deadline = Date.now() + 5_000;
  let left = leftovers();
  while (left.length > 0 && Date.now() < deadline) {
    spawnSync("sleep", ["0.2"]);
    left = leftovers();
  }
  return [...problems, ...left.map((l) => `left on the machine: ${l}`)];
}

function setUpPair(c: Case): void {
  for (const ns of [c.sendNs, c.recvNs]) {
    madeNamespaces.push(ns);
    cmd("ip", ["netns", "add", ns]);
    // No IPv6 chatter (router solicitations, MLD) through the shaper or in its counters.
    spawnSync("ip", ["netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1"]);
    spawnSync("ip", ["netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf.default.disable_ipv6=1"]);
    cmd("ip", ["-n", ns, "link", "set", "lo", "up"]);
  }
  cmd("ip", [
    "link",
    "add",
    c.sendDev,
    "netns",
    c.sendNs,
    "type",
    "veth",
    "peer",
    "name",
    c.recvDev,
    "netns",
    c.recvNs,
  ]);
  cmd("ip", ["-n", c.sendNs, "addr", "add", `${c.sendAddr}/30`, "dev", c.sendDev]);
  cmd("ip", ["-n", c.recvNs, "addr", "add", `${c.recvAddr}/30`, "dev", c.recvDev]);
  cmd("ip", ["-n", c.sendNs, "link", "set", c.sendDev, "up"]);
  cmd("ip", ["-n", c.recvNs, "link", "set", c.recvDev, "up"]);
}

/** Shapes the sender's end as the case says and checks, with vrlab's read script, that it took. */
async function shape(c: Case): Promise<Record<string, string>> {
  const rendered = shapingScripts({ ns: c.sendNs, dev: c.sendDev, rateMbps: RATE_MBPS });
  let want: Record<string, string>;
  if (c.id === "vrlab") {
    await runOk({ kind: "local" }, {}, rendered.scripts.apply);
    want = { present: "1", ...(rendered.want as Record<string, string>) };
  } else {
    cmd("tc", [
      ...["-n", c.sendNs, "qdisc", "replace", "dev", c.sendDev, "root"],
      ...["tbf", "rate", "1gbit", "burst", String(burstBytes(RATE_MBPS)), "latency", "50ms"],
    ]);
    // The same read script: a tbf at 1Gbit with no size table prints no overhead or mpu.
    want = { present: "1", qdisc: "tbf", rate: "1Gbit" };
  }
  const read = await runOk({ kind: "local" }, {}, rendered.scripts.read);
  const have: Record<string, string> = {};
  for (const l of read.stdout.split("\n")) {
    const i = l.indexOf("=");
    if (i > 0) have[l.slice(0, i)] = l.slice(i + 1);
  }
  if (JSON.stringify(Object.entries(have).sort()) !== JSON.stringify(Object.entries(want).sort())) {
    throw new Error(
      `${c.label}: qdisc on ${c.sendNs}/${c.sendDev} is ${JSON.stringify(have)}, want ${JSON.stringify(want)}`,
    );
  }
  return have;
}

interface QdiscCounters {
  bytes: number;
  packets: number;
  drops: number;
  overlimits: number;
}

function qdiscCounters(c: Case): QdiscCounters {
  const q = JSON.parse(cmd("tc", ["-n", c.sendNs, "-s", "-j", "qdisc", "show", "dev", c.sendDev, "root"]));
  const { bytes, packets, drops, overlimits } = q[0] ?? {};
  for (const v of [bytes, packets, drops, overlimits]) {
    if (typeof v !== "number")
      throw new Error(`tc -s -j qdisc show on ${c.sendNs}: unexpected ${JSON.stringify(q)}`);
  }
  return { bytes, packets, drops, overlimits };
}

async function startServer(c: Case): Promise<{ child: ChildProcess; out: () => string }> {
  const args = ["-s", "-u", "-B", c.recvAddr, "-p", String(PORT), "-y", "C", "-w", SERVER_BUFFER];
  // detached: its own process group, killed as a whole; `ip netns exec` execs iperf, so the pid is iperf's.
  const child = spawn("ip", ["netns", "exec", c.recvNs, "iperf", ...args], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  servers.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (b: Buffer) => (stdout += b.toString("utf8")));
  child.stderr?.on("data", (b: Buffer) => (stderr += b.toString("utf8")));
  const out = (): string => stdout;
  const listening = `${c.recvAddr}:${PORT}`;
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    if (lines("ip", ["netns", "exec", c.recvNs, "ss", "-Huln"]).some((l) => l.includes(listening))) {
      return { child, out };
    }
    await sleep(50);
  }
  killGroup(child, "SIGKILL");
  throw new Error(`iperf server in ${c.recvNs} did not listen on ${listening}: ${stdout}${stderr}`.trim());
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  killGroup(child, "SIGTERM");
  const timer = setTimeout(() => killGroup(child, "SIGKILL"), 2_000);
  await exited;
  clearTimeout(timer);
  servers.delete(child);
}

interface RunOk extends UdpServerReport {
  rep: number;
  ok: true;
  /** Bytes the shaper charged per packet it sent (its counters over the run): the frame plus any size table. */
  qdiscChargedBytesPerPacket: number;
  qdiscDrops: number;
  /** goodput x charged bytes per packet / payload / rate: how full the server saw the shaped link. */
  linkLoad: number;
  serverCsv: string;
}
interface RunFailed {
  rep: number;
  ok: false;
  error: string;
}
type Run = RunOk | RunFailed;

async function measure(c: Case, rep: number, seconds: number): Promise<Run> {
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    const before = qdiscCounters(c);
    server = await startServer(c);
    const client = await runLocal(
      { kind: "local", netns: c.sendNs },
      `exec iperf -c ${c.recvAddr} -p ${PORT} -u -l ${PAYLOAD_BYTES} -b ${OFFERED} -t ${seconds} -y C`,
      { timeoutMs: (seconds + 30) * 1000 },
    );
    if (client.code !== 0)
      throw new Error(`iperf client exited ${client.code}: ${client.stdout}${client.stderr}`);
    // The server reports once the client's end-of-test datagrams arrive.
    const deadline = Date.now() + 5_000;
    while (!server.out().includes("\n") && Date.now() < deadline) await sleep(50);
    await stopServer(server.child);
    const csv = server.out();
    server = undefined;
    let report: UdpServerReport;
    try {
      report = parseIperfUdpServerCsv(csv);
    } catch (e) {
      const clientSaid = `${client.stdout}${client.stderr}`.trim();
      throw new Error(`${(e as Error).message}${clientSaid ? `\nclient said: ${clientSaid}` : ""}`);
    }
    const after = qdiscCounters(c);
    const charged = (after.bytes - before.bytes) / (after.packets - before.packets);
    return {
      rep,
      ok: true,
      ...report,
      qdiscChargedBytesPerPacket: round(charged, 2),
      qdiscDrops: after.drops - before.drops,
      linkLoad: round((report.goodputMbps * charged) / PAYLOAD_BYTES / RATE_MBPS, 4),
      serverCsv: csv.trim(),
    };
  } catch (e) {
    return { rep, ok: false, error: e instanceof Error ? e.message : String(e) };
  } finally {
    if (server) await stopServer(server.child);
  }
}

function toolVersion(file: string, args: string[]): string {
  const r = spawnSync(file, args, { encoding: "utf8", timeout: 10_000 });
  return `${r.stdout ?? ""}${r.stderr ?? ""}`.trim().split("\n")[0] ?? "unknown";
}

async function main(): Promise<void> {
  const { reps, seconds } = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) throw new Error("link-shaping: run as root (namespaces and tc need it)");
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      const problems = cleanup();
      if (problems.length > 0) console.error(`link-shaping: cleanup:\n  ${problems.join("\n  ")}`);
      process.exit(130);
    });
  }
  const started = new Date();
  const loadStart = os.loadavg()[0];
  const cases = [makeCase("vrlab", "a", "b", 1), makeCase("plain", "c", "d", 5)];
  const runs: Record<Case["id"], Run[]> = { vrlab: [], plain: [] };
  const qdiscs: Partial<Record<Case["id"], Record<string, string>>> = {};
  const problems: string[] = [];
  try {
    for (const c of cases) {
      setUpPair(c);
      qdiscs[c.id] = await shape(c);
    }
    for (let rep = 1; rep <= reps; rep++) {
      // Alternate which case goes first, so a drift in the machine's load hits both alike.
      for (const c of rep % 2 ? cases : [...cases].reverse()) {
        const r = await measure(c, rep, seconds);
        runs[c.id].push(r);
        console.error(
          r.ok
            ? `${c.label} rep ${rep}: ${r.goodputMbps.toFixed(1)} Mb/s received, ${r.lostDatagrams}/${r.totalDatagrams} lost, link load ${r.linkLoad}`
            : `${c.label} rep ${rep}: FAILED: ${r.error}`,
        );
      }
    }
  } finally {
    problems.push(...cleanup());
  }
  if (problems.length > 0) console.error(`link-shaping: cleanup:\n  ${problems.join("\n  ")}`);

  const summary = (id: Case["id"]) => {
    const good = runs[id].filter((r): r is RunOk => r.ok);
    const med = (pick: (r: RunOk) => number): number | null => (good.length ? median(good.map(pick)) : null);
    return {
      good,
      failed: runs[id].length - good.length,
      medianMbps: med((r) => r.goodputMbps),
      medianLinkLoad: med((r) => r.linkLoad),
      medianChargedBytes: med((r) => r.qdiscChargedBytesPerPacket),
    };
  };
  const v = summary("vrlab");
  const p = summary("plain");
  const ratio = (a: number | null, b: number | null): number | null =>
    a === null || b === null ? null : round(a / b, 4);
  const senderBound = cases.filter((c) => {
    const s = c.id === "vrlab" ? v : p;
    return s.medianLinkLoad !== null && s.medianLinkLoad < SATURATED;
  });
  const notes: string[] = [];
  if (senderBound.length > 0) {
    notes.push(
      `sender-bound: in ${senderBound.map((c) => c.label).join(" and ")} the server saw the link less than ${SATURATED * 100}% full ` +
        `(median link load below ${SATURATED}), so the shaper was not what limited the rate and the claim is not tested by this run ` +
        `(the sender was CPU-bound, or the receiver dropped: compare lostDatagrams with qdiscDrops)`,
    );
  }
  for (const [c, sm] of [
    [cases[0], v],
    [cases[1], p],
  ] as const) {
    const expected = c.id === "vrlab" ? wireBytesForUdpPayload(PAYLOAD_BYTES) : plainWireBytes;
    if (sm.medianChargedBytes !== null && Math.abs(sm.medianChargedBytes - expected) >= 0.5) {
      notes.push(
        `${c.label}: the qdisc charged ${sm.medianChargedBytes} bytes per packet, not the ${expected} the theory counts, ` +
          `so its ceiling is ${f((RATE_MBPS * PAYLOAD_BYTES) / sm.medianChargedBytes, 1)} Mb/s`,
      );
    }
  }
  if (v.failed + p.failed > 0) notes.push(`${v.failed + p.failed} run(s) failed; medians are over the rest`);
  const caseJson = (c: Case, s: typeof v) => ({
    what: c.what,
    namespaces: `${c.sendNs} (${c.sendAddr}) -> ${c.recvNs} (${c.recvAddr})`,
    qdiscRead: qdiscs[c.id] ?? null,
    goodputMbps: runs[c.id].map((r) => (r.ok ? round(r.goodputMbps, 2) : "failed")),
    medianMbps: s.medianMbps === null ? null : round(s.medianMbps, 2),
    medianLinkLoad: s.medianLinkLoad,
    medianQdiscChargedBytesPerPacket: s.medianChargedBytes,
    qdiscCeilingMbps:
      s.medianChargedBytes === null ? null : round((RATE_MBPS * PAYLOAD_BYTES) / s.medianChargedBytes, 1),
    failed: s.failed,
    runs: runs[c.id],
  });
  const result = {
    benchmark: "link-shaping",
    date: started.toISOString(),
    machine: machineInfo(loadStart, { iperf: toolVersion("iperf", ["-v"]), tc: toolVersion("tc", ["-V"]) }),
    reps,
    seconds,
    setup: {
      rateMbps: RATE_MBPS,
      burstBytes: burstBytes(RATE_MBPS),
      client: `iperf -c RECV -p ${PORT} -u -l ${PAYLOAD_BYTES} -b ${OFFERED} -t ${seconds} -y C (in the sending namespace)`,
      server: `iperf -s -u -B RECV -p ${PORT} -y C -w ${SERVER_BUFFER} (in the receiving namespace; one per run)`,
      goodput: "payload Mb/s the server received, from its CSV report",
      linkLoad:
        "goodput x bytes the qdisc charged per packet / 1472 / 1000 Mb/s; below 0.98 the sender (or the receiver), not the shaper, limited the run",
    },
    theoryMbps: { vrlab: round(vrlabTheoryMbps, 1), plain: round(plainTheoryMbps, 1) },
    vrlab: caseJson(cases[0], v),
    plain: caseJson(cases[1], p),
    ratio: {
      vrlabVsTheory: ratio(v.medianMbps, vrlabTheoryMbps),
      plainVsTheory: ratio(p.medianMbps, plainTheoryMbps),
      vrlabVsPlain: ratio(v.medianMbps, p.medianMbps),
      theoryVrlabVsPlain: round(vrlabTheoryMbps / plainTheoryMbps, 4),
    },
    senderBound: senderBound.map((c) => c.id),
    notes,
  };
  await writeResult(resultsFile, result);

  const row = (...cols: string[]): string =>
    cols.map((col, i) => (i === 0 ? col.padEnd(20) : col.padStart(i === 1 ? 6 : 12))).join("");
  console.log(
    `link-shaping, ${reps} repetition(s) of ${seconds} s, 1472-byte UDP at ${OFFERED} offered, medians:`,
  );
  console.log(row("", "ok", "goodput", "theory", "ratio", "link load", "B/packet"));
  for (const [c, s] of [
    [cases[0], v],
    [cases[1], p],
  ] as const) {
    console.log(
      row(
        c.label,
        `${s.good.length}/${runs[c.id].length}`,
        f(s.medianMbps),
        f(c.theoryMbps),
        f(ratio(s.medianMbps, c.theoryMbps), 4),
        f(s.medianLinkLoad, 4),
        f(s.medianChargedBytes, 0),
      ),
    );
  }
  console.log(
    `vrlab / plain tbf: ${f(result.ratio.vrlabVsPlain, 4)} (theory ${f(result.ratio.theoryVrlabVsPlain, 4)})`,
  );
  for (const n of notes) console.log(`NOTE: ${n}`);
  console.log(`written: ${path.relative(root, resultsFile)}`);
  if (v.failed + p.failed > 0 || problems.length > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
