// Network: iperf2 UDP throughput between each system and the traffic generator (Fig. 3): tx sends
// from the system to the generator, rx the other way. What counts is what the RECEIVER got, from the
// iperf2 server's CSV report: the client's own line only says what it tried to send.
//
// Servers are bounded (`timeout`), one fresh server per run, and stopped by the pid they wrote into
// the receiver's scratch directory: never by a pattern that could hit another user's iperf.
import { type BenchContext, type Exec, type Sample, type SystemSpec } from "../harness/types";
import { arg } from "../remote/shell";
import { RUNNING, script } from "../remote/script";
import { parseIperfUdpServerCsv, type UdpServerReport } from "./parse/iperf";
import { type BenchmarkModule } from "./types";

export interface IperfUdpOptions {
  direction: "tx" | "rx";
  payloadBytes: number;
  offeredMbps: number;
  durationS: number;
}

/** One end of an iperf run: where scripts run, its address on the generator's bridge, its scratch dir. */
export interface Endpoint {
  name: string;
  exec: Exec;
  address: string;
  dir: string;
}

export const FIRST_PORT = 5001;
// Seconds a server or client may outlive its run's duration before `timeout` stops it.
const SERVER_GRACE_S = 60;
const CLIENT_GRACE_S = 30;

/** Starts `iperf -s -u` on ADDR:PORT, bounded, its pid in DIR/server-PORT.pid; returns once it listens. */
export function serverStartScript(p: { dir: string; address: string; port: number; limitS: number }): string {
  const vars = {
    DIR: arg("path", p.dir),
    ADDR: arg("ipv4", p.address),
    PORT: arg("uint", p.port),
    LIMIT: arg("uint", p.limitS),
  };
  // -w 4M: with the default 208 KiB receive buffer the receiving iperf, not the link, drops datagrams
  // (perf/link-shaping.ts). setsid: the server must outlive this script (and an SSH session).
  return script(
    vars,
    `
F="$DIR/server-$PORT"
mkdir -p "$DIR"
rm -f "$F.csv" "$F.err" "$F.pid"
setsid sh -c 'echo $$ > "$1.pid"; exec timeout -k 5 "$2" iperf -s -u -B "$3" -p "$4" -y C -w 4M' sh "$F" "$LIMIT" "$ADDR" "$PORT" </dev/null >"$F.csv" 2>"$F.err" &
i=0
until ss -Huln "sport = :$PORT" | grep -qF "$ADDR:$PORT"; do
  i=$((i + 1))
  if [ "$i" -gt 100 ]; then echo "iperf server did not listen on $ADDR:$PORT:" >&2; cat "$F.err" >&2; exit 1; fi
  sleep 0.05
done`,
  );
}

// Stops the servers of DIR/server-PORT.pid (every port when PORT is empty): the pid is the server's
// `timeout`, which leads its own process group; a pid that is no longer a `timeout` was reused: left alone.
const STOP_BODY = `
${RUNNING}
for f in "$DIR"/server-\${PORT:-*}.pid; do
  [ -s "$f" ] || continue
  pid=$(cat "$f")
  if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = timeout ]; then
    kill -TERM "-$pid" 2>/dev/null || true
    i=0; while running "$pid" && [ "$i" -lt 200 ]; do sleep 0.01; i=$((i + 1)); done
    kill -KILL "-$pid" 2>/dev/null || true
  fi
  rm -f "$f"
done`;

/** Stops the servers of DIR (or only PORT's), by their pid files. */
export function serverStopScript(p: { dir: string; port?: number }): string {
  const vars = { DIR: arg("path", p.dir), PORT: p.port === undefined ? undefined : arg("uint", p.port) };
  return script(vars, `[ -d "$DIR" ] || exit 0${STOP_BODY}`);
}

/** Waits (at most WAIT tenths of a second) for PORT's report line, stops that server, prints its CSV. */
export function serverReportScript(p: { dir: string; port: number; waitS: number }): string {
  const vars = { DIR: arg("path", p.dir), PORT: arg("uint", p.port), WAIT: arg("uint", p.waitS * 10) };
  return script(
    vars,
    `
F="$DIR/server-$PORT"
i=0
while ! grep -q , "$F.csv" 2>/dev/null && [ "$i" -lt "$WAIT" ]; do sleep 0.1; i=$((i + 1)); done${STOP_BODY}
cat "$F.csv" 2>/dev/null || true
cat "$F.err" >&2 2>/dev/null || true`,
  );
}

/** An iperf2 UDP client, bounded; its stdout is the client's CSV line (what it tried to send). */
export function clientScript(p: {
  from: string;
  to: string;
  port: number;
  payloadBytes: number;
  offeredMbps: number;
  durationS: number;
}): string {
  const vars = {
    FROM: arg("ipv4", p.from),
    TO: arg("ipv4", p.to),
    PORT: arg("uint", p.port),
    LEN: arg("uint", p.payloadBytes),
    // Plain bits per second: iperf2 reads -b 950M as 950 x 2^20 (measured: -b 100M sends 104.9 Mb/s).
    BPS: arg("uint", Math.round(p.offeredMbps * 1e6)),
    DURATION: arg("uint", p.durationS),
    LIMIT: arg("uint", p.durationS + CLIENT_GRACE_S),
  };
  // iperf2's client exits 0 even when it could not send; the receiver's report is what decides.
  return script(
    vars,
    'exec timeout -k 5 "$LIMIT" iperf -c "$TO" -B "$FROM" -p "$PORT" -u -l "$LEN" -b "$BPS" -t "$DURATION" -y C',
  );
}

/** Fails, naming the missing ones, unless every tool is on the PATH of `exec`. */
export async function requireTools(ctx: BenchContext, at: Endpoint, tools: readonly string[]): Promise<void> {
  const list = tools.map((t) => arg("name", t)).join(" ");
  const body = `m=""\nfor t in ${list}; do command -v "$t" >/dev/null 2>&1 || m="$m $t"; done\n[ -z "$m" ] || { echo "missing:$m" >&2; exit 1; }`;
  await ctx.run(at.exec, script({}, body), { timeoutMs: 30_000 });
}

export const IPERF_TOOLS = ["iperf", "timeout", "setsid", "ss", "grep"] as const;

/** The generator, and each system as seen on the generator's bridge, as iperf endpoints. */
export function endpoints(ctx: BenchContext, s: SystemSpec, kind: string): { gen: Endpoint; sys: Endpoint } {
  const g = ctx.lab.generator;
  const address = s.addresses[g.bridge];
  if (!address) throw new Error(`${kind}: ${s.name} has no address on the generator's bridge ${g.bridge}`);
  return {
    gen: { name: g.name, exec: g.exec, address: g.address, dir: `${g.scratchDir}/${kind}` },
    sys: { name: s.name, exec: s.exec, address, dir: `${s.scratchDir}/${kind}` },
  };
}

export const startServer = (ctx: BenchContext, at: Endpoint, port: number, durationS: number) =>
  ctx.run(
    at.exec,
    serverStartScript({ dir: at.dir, address: at.address, port, limitS: durationS + SERVER_GRACE_S }),
    { timeoutMs: 30_000 },
  );

export const stopServers = (ctx: BenchContext, at: Endpoint, port?: number) =>
  ctx.run(at.exec, serverStopScript({ dir: at.dir, port }), { timeoutMs: 30_000 });

/** The server's report (which also stops it); a missing or malformed one throws, naming the receiver. */
export async function serverReport(ctx: BenchContext, at: Endpoint, port: number): Promise<UdpServerReport> {
  const r = await ctx.run(at.exec, serverReportScript({ dir: at.dir, port, waitS: 5 }), {
    timeoutMs: 30_000,
  });
  try {
    return parseIperfUdpServerCsv(r.stdout);
  } catch (e) {
    const err = r.stderr.trim() ? `; server said: ${r.stderr.trim().slice(0, 300)}` : "";
    throw new Error(`${at.name} port ${port}: ${(e as Error).message}${err}`);
  }
}

export const runClient = (ctx: BenchContext, from: Endpoint, to: Endpoint, port: number, o: ClientOpts) =>
  ctx.run(from.exec, clientScript({ from: from.address, to: to.address, port, ...o }), {
    timeoutMs: (o.durationS + CLIENT_GRACE_S + 15) * 1000,
  });

type ClientOpts = Pick<IperfUdpOptions, "payloadBytes" | "offeredMbps" | "durationS">;

/** Stops every server of `at`'s directory, then removes the directory. */
export async function removeScratch(ctx: BenchContext, at: Endpoint): Promise<void> {
  await stopServers(ctx, at);
  await ctx.run(at.exec, `rm -rf -- ${arg("path", at.dir)}`, { timeoutMs: 30_000 });
}

/** The metadata every iperf sample carries. */
export function reportMetadata(r: UdpServerReport, o: ClientOpts): Sample["metadata"] {
  return {
    offered: o.offeredMbps,
    payload: o.payloadBytes,
    jitter: r.jitterMs,
    datagrams: r.totalDatagrams,
    lost: r.lostDatagrams,
    intervalS: r.intervalEndS - r.intervalStartS,
  };
}

/** The options the UDP modules share (fairness reuses them, with a per-VM offered load). */
export const UDP_OPTIONS = {
  payloadBytes: {
    type: "integer",
    minimum: 18,
    maximum: 1472,
    default: 1472,
    description: "UDP payload bytes per datagram (the paper: 1472, the most one Ethernet frame carries).",
  },
  offeredMbps: {
    type: "integer",
    minimum: 1,
    maximum: 400000,
    default: 950,
    description: "Offered load, Mb/s.",
  },
  durationS: { type: "integer", minimum: 1, maximum: 3600, default: 10, description: "Seconds per run." },
};

export const iperfUdp: BenchmarkModule<IperfUdpOptions> = {
  kind: "iperf-udp",
  description:
    "Network: iperf2 UDP from each system to the generator (tx) or back (rx), measured at the receiver.",
  options: {
    type: "object",
    properties: {
      direction: {
        type: "string",
        enum: ["tx", "rx"],
        description: "iperf-udp: tx = system under test sends to the generator; rx = the generator sends.",
      },
      ...UDP_OPTIONS,
    },
    required: ["direction"],
  },
  figure: { title: "iperf UDP: mean throughput", paper: "Fig. 3" },
  async prepare(ctx, systems) {
    const all = systems.map((s) => endpoints(ctx, s, "iperf-udp"));
    for (const at of [...all.slice(0, 1).map((e) => e.gen), ...all.map((e) => e.sys)]) {
      await requireTools(ctx, at, IPERF_TOOLS);
    }
  },
  async run(ctx, systems, o, repetition) {
    const out: Sample[] = [];
    for (const s of systems) {
      const { gen, sys } = endpoints(ctx, s, "iperf-udp");
      const [from, to] = o.direction === "tx" ? [sys, gen] : [gen, sys];
      ctx.progress(`iperf-udp ${o.direction} ${s.name}: ${from.name} -> ${to.name}, ${o.durationS} s`);
      await startServer(ctx, to, FIRST_PORT, o.durationS);
      let report: UdpServerReport;
      try {
        await runClient(ctx, from, to, FIRST_PORT, o);
        report = await serverReport(ctx, to, FIRST_PORT);
      } finally {
        await stopServers(ctx, to, FIRST_PORT);
      }
      const metadata = { ...reportMetadata(report, o), direction: o.direction, receiver: to.name };
      const base = { system: s.name, repetition, timestamp: Date.now(), metadata };
      const metric = o.direction === "tx" ? "transmit throughput" : "receive throughput";
      out.push({ ...base, metric, value: report.goodputMbps, unit: "Mb/s" });
      out.push({ ...base, metric: "loss", value: report.lossPercent, unit: "%" });
    }
    return out;
  },
  async cleanup(ctx, systems) {
    const all = systems.map((s) => endpoints(ctx, s, "iperf-udp"));
    for (const at of [...all.slice(0, 1).map((e) => e.gen), ...all.map((e) => e.sys)]) {
      await removeScratch(ctx, at);
    }
  },
};
