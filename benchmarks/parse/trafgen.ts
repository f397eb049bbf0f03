// netsniff-ng's trafgen, for the forwarding benchmark: the destinations it picks from each router's
// table, the packet config it sends (one UDP frame per router and destination, sent round robin), the
// script that runs it between two counter readings, and its report. Pure functions; trafgen 0.6.8's
// output is recorded in test/fixtures/trafgen/ and checked by test/unit/netbench.test.ts.
import { script } from "../../remote/script";
import { arg, check } from "../../remote/shell";
import { parseKeyValues } from "../../remote/script";
import { checkMac, parseIpLinkJson, type LinkCounters, type Route } from "./counters";

/** One frame of the config: to a router's MAC, addressed past it. */
export interface TrafgenFrame {
  dstMac: string;
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
}

/** Ethernet header 14 + IPv4 20 + UDP 8: the rest of a frame (FCS excluded) is UDP payload. */
const HEADERS = 42;
const FCS = 4;

/** The only addresses the benchmark may send to: 198.18.0.0/15 (RFC 2544's benchmarking block). */
export function inBenchmarkBlock(ip: string): boolean {
  const o = check("ipv4", ip).split(".").map(Number);
  return o[0] === 198 && (o[1] === 18 || o[1] === 19);
}

function port(p: number, what: string): number {
  if (!Number.isInteger(p) || p < 1 || p > 65535)
    throw new Error(`trafgen config: ${what} ${p} is not a port`);
  return p;
}

/**
 * A trafgen config of `frames`, each `frameBytes` long on the wire's count (FCS included, as RFC 2544
 * sizes them; trafgen writes the frame without its FCS). Every value is checked: this text is a
 * program for trafgen, so nothing unchecked may reach it.
 */
export function trafgenConfig(frames: readonly TrafgenFrame[], frameBytes: number): string {
  if (frames.length === 0) throw new Error("trafgen config: no frames");
  if (!Number.isInteger(frameBytes) || frameBytes < 64 || frameBytes > 1518) {
    throw new Error(`trafgen config: frame size ${frameBytes} is not 64..1518 bytes`);
  }
  const payload = frameBytes - FCS - HEADERS;
  const blocks = frames.map((f, i) => {
    const src = check("ipv4", f.srcIp, `frame ${i} source`);
    const dst = check("ipv4", f.dstIp, `frame ${i} destination`);
    if (!inBenchmarkBlock(dst))
      throw new Error(`trafgen config: destination ${dst} is outside 198.18.0.0/15`);
    // ttl: trafgen's default is 0, which a router drops (and answers with ICMP time exceeded).
    return [
      "{",
      `  eth(da=${checkMac(f.dstMac, `frame ${i} destination MAC`)}),`,
      `  ipv4(sa=${src}, da=${dst}, ttl=64),`,
      `  udp(sp=${port(f.srcPort, "source port")}, dp=${port(f.dstPort, "destination port")}),`,
      `  fill(0x00, ${payload})`,
      "}",
    ].join("\n");
  });
  const head = `# vrlab forwarding: ${frames.length} frame(s) of ${frameBytes} bytes (${frameBytes - FCS} without FCS), sent round robin`;
  return `${head}\n${blocks.join("\n")}\n`;
}

/** What trafgen says it sent when it exits (or is interrupted with SIGINT). */
export interface TrafgenReport {
  packets: number;
  bytes: number;
  /** Seconds its slowest worker sent for (trafgen times each worker from its first packet). */
  seconds: number;
  workers: { cpu: number; seconds: number; packets: number }[];
}

function fail(why: string, text: string): never {
  const shown = text.length > 400 ? `${text.slice(-400)}` : text;
  throw new Error(`trafgen report: ${why}; output was ${JSON.stringify(shown)}`);
}

/**
 * trafgen's closing statistics (stdout), e.g. `1300000 packets outgoing`, `78000000 bytes outgoing`,
 * `10 sec, 844 usec on CPU0 (1300000 packets)`: the usec field is not zero-padded (844 is 0.000844 s).
 */
export function parseTrafgenReport(text: string): TrafgenReport {
  const lines = text.split(/[\r\n]+/).map((l) => l.trim());
  const one = (re: RegExp, what: string): number => {
    const hits = lines.map((l) => re.exec(l)).filter((m): m is RegExpExecArray => m !== null);
    if (hits.length !== 1) fail(`${hits.length === 0 ? "no" : "more than one"} "${what}" line`, text);
    return Number(hits[0][1]);
  };
  const packets = one(/^(\d+) packets outgoing$/, "packets outgoing");
  const bytes = one(/^(\d+) bytes outgoing$/, "bytes outgoing");
  const workers = lines
    .map((l) => /^(\d+) sec, (\d+) usec on CPU(\d+) \((\d+) packets\)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ cpu: Number(m[3]), seconds: Number(m[1]) + Number(m[2]) / 1e6, packets: Number(m[4]) }));
  if (workers.length === 0) fail("no per-CPU line (was it run with -C?)", text);
  const sum = workers.reduce((a, w) => a + w.packets, 0);
  if (sum !== packets) fail(`the workers sent ${sum} packets, the total says ${packets}`, text);
  if (packets === 0) fail("trafgen sent nothing", text);
  const seconds = Math.max(...workers.map((w) => w.seconds));
  if (!(seconds > 0)) fail("trafgen's workers ran for no time", text);
  return { packets, bytes, seconds, workers };
}

const LAB_NET = 0xc6120000; // 198.18.0.0/15
const LAB_SIZE = 2 ** 17;
const toInt = (ip: string): number =>
  check("ipv4", ip)
    .split(".")
    .reduce((n, o) => n * 256 + Number(o), 0);
const toIp = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");

/** A route as the address range it covers: first and last address, inclusive. */
interface Span {
  net: number;
  last: number;
  len: number;
  via: string;
}

/** Refuses, as a bug, any destination outside 198.18.0.0/15, outside its prefix, or its network/broadcast. */
function assertDestination(a: number, s: Span): void {
  const edge = s.len <= 30 && (a === s.net || a === s.last);
  if (a < LAB_NET || a >= LAB_NET + LAB_SIZE || a < s.net || a > s.last || edge) {
    throw new Error(
      `forwarding: picked ${toIp(a)} for ${toIp(s.net)}/${s.len}: not a lab host of that prefix`,
    );
  }
}

/** Lab-range routes, one per prefix, ordered by address then length (a covering prefix first). */
function labSpans(routes: readonly Route[]): Span[] {
  const byPrefix = new Map<string, Span>();
  for (const r of routes) {
    const net = toInt(r.dst);
    const s = { net, last: net + 2 ** (32 - r.prefixLength) - 1, len: r.prefixLength, via: r.via };
    const key = `${net}/${s.len}`;
    const had = byPrefix.get(key); // the same prefix twice (another metric): one, whatever the order
    if (s.net >= LAB_NET && s.last < LAB_NET + LAB_SIZE && (!had || s.via < had.via)) byPrefix.set(key, s);
  }
  return [...byPrefix.values()].sort((a, b) => a.net - b.net || a.len - b.len);
}

/**
 * The first host of spans[i] (not its network or broadcast address, unless a /31 or /32) that no
 * more specific route takes, so its lookup ends at this prefix; undefined when they cover it all.
 * The more specific routes are the ones right after it in labSpans' order.
 */
function freeHost(spans: Span[], i: number): number | undefined {
  const s = spans[i];
  let a = s.len >= 31 ? s.net : s.net + 1;
  const last = s.len >= 31 ? s.last : s.last - 1;
  for (let j = i + 1; j < spans.length && spans[j].net <= Math.min(a, s.last); j++) {
    if (spans[j].last >= a) a = spans[j].last + 1;
  }
  return a <= last ? a : undefined;
}

/** Destinations per router unless the benchmark says otherwise: a generated table's default lab routes. */
export const DEFAULT_DESTINATIONS = 256;

/** Destinations in the router's table, and how many of its lab-range routes go via the timer. */
export interface Destinations {
  destinations: string[];
  viaTimer: number;
}

/**
 * Up to `max` destinations for one router: of its vrlab routes inside 198.18.0.0/15 via `via` (the
 * timer), taken evenly over their address order, one host address in each that no more specific
 * route takes. Deterministic: the same routes, in any order, give the same destinations.
 */
export function pickDestinations(routes: readonly Route[], via: string, max: number): Destinations {
  if (!Number.isInteger(max) || max < 1) throw new Error(`forwarding: ${max} destinations is not a count`);
  const spans = labSpans(routes);
  const usable: { at: number; span: Span }[] = [];
  let viaTimer = 0;
  spans.forEach((span, i) => {
    if (span.via !== via) return;
    viaTimer++;
    const at = freeHost(spans, i);
    if (at !== undefined) usable.push({ at, span });
  });
  const n = usable.length;
  const k = Math.min(max, n);
  const picked = Array.from({ length: k }, (_, i) => usable[Math.floor((i * n) / k)]);
  for (const p of picked) assertDestination(p.at, p.span);
  return { destinations: picked.map((p) => toIp(p.at)), viaTimer };
}

/** One router as the generator sees it: its MAC and the destinations its frames are addressed to. */
export interface RouterTarget {
  mac: string;
  destinations: readonly string[];
}

/**
 * The frames of one run: as many rounds as the longest destination list, each round one frame per
 * router (a shorter list cycles), so every router gets the same share and every packet of a router
 * needs a lookup of another prefix of its table. trafgen sends them in this order, round robin.
 */
export function forwardingFrames(
  routers: readonly RouterTarget[],
  p: { srcIp: string; firstSrcPort: number; dstPort: number },
): TrafgenFrame[] {
  const empty = routers.findIndex((r) => r.destinations.length === 0);
  if (routers.length === 0 || empty >= 0) throw new Error(`forwarding: router ${empty} has no destinations`);
  const rounds = Math.max(...routers.map((r) => r.destinations.length));
  return Array.from({ length: rounds }, (_, j) =>
    routers.map((r, i) => ({
      dstMac: r.mac,
      srcIp: p.srcIp,
      dstIp: r.destinations[j % r.destinations.length],
      srcPort: p.firstSrcPort + i,
      dstPort: p.dstPort,
    })),
  ).flat();
}

/**
 * Writes the trafgen config (stdin) to DIR, then sends COUNT frames at PPS on DEV, bounded by LIMIT s,
 * between two readings of DEV's counters. -q: through the qdisc, so the lab's link shaping applies;
 * --no-sock-mem and -Q: leave the machine's socket-memory sysctls and IRQ affinities alone; -P 1: one
 * worker (with a rate, trafgen sends from one anyway). SIGINT on timeout: trafgen still reports.
 */
export function generatorScript(p: {
  dir: string;
  dev: string;
  pps: number;
  count: number;
  limitS: number;
}): string {
  const vars = {
    DIR: arg("path", p.dir),
    DEV: arg("ifname", p.dev),
    PPS: arg("uint", p.pps),
    COUNT: arg("uint", p.count),
    LIMIT: arg("uint", p.limitS),
  };
  return script(
    vars,
    `
mkdir -p "$DIR"
cat > "$DIR/forwarding.cfg"
before=$(ip -s -j link show dev "$DEV")
echo "before=$before"
echo "start_ns=$(date +%s%N)"
rc=0
timeout -s INT -k 5 "$LIMIT" trafgen -o "$DEV" -i "$DIR/forwarding.cfg" -b "\${PPS}pps" -n "$COUNT" -P 1 -q --no-sock-mem -Q >"$DIR/trafgen.out" 2>"$DIR/trafgen.err" || rc=$?
echo "end_ns=$(date +%s%N)"
after=$(ip -s -j link show dev "$DEV")
echo "after=$after"
echo "rc=$rc"
echo "${TRAFGEN_MARKER}"
cat "$DIR/trafgen.out"
case "$rc" in 0|124) ;; *) cat "$DIR/trafgen.err" >&2; exit "$rc" ;; esac`,
  );
}

/** The line between the generator script's `key=value` lines and trafgen's own stdout. */
export const TRAFGEN_MARKER = "--- trafgen stdout ---";

/** What the generator script printed around one trafgen run. */
export interface GeneratorRun {
  before: LinkCounters;
  after: LinkCounters;
  /** Wall-clock seconds around trafgen, process start and exit included. */
  wallS: number;
  /** 0, or 124 when `timeout` interrupted trafgen (SIGINT: it still printed its statistics). */
  exitCode: number;
  report: TrafgenReport;
}

/** Parses the generator script's stdout (forwarding.ts renders the script). */
export function parseGeneratorRun(stdout: string, ifname: string): GeneratorRun {
  const at = stdout.indexOf(`\n${TRAFGEN_MARKER}\n`);
  if (at < 0)
    throw new Error(`generator run: no "${TRAFGEN_MARKER}" line in ${JSON.stringify(stdout.slice(0, 300))}`);
  const kv = parseKeyValues(stdout.slice(0, at));
  const need = (k: string): string => {
    if (kv[k] === undefined)
      throw new Error(`generator run: no ${k}= line in ${JSON.stringify(stdout.slice(0, 300))}`);
    return kv[k];
  };
  const ns = (k: string): bigint => {
    if (!/^\d+$/.test(need(k)))
      throw new Error(`generator run: ${k} ${JSON.stringify(kv[k])} is not nanoseconds`);
    return BigInt(kv[k]);
  };
  const exitCode = Number(need("rc"));
  if (exitCode !== 0 && exitCode !== 124) throw new Error(`generator run: trafgen exited ${kv.rc}`);
  return {
    before: parseIpLinkJson(need("before"), ifname),
    after: parseIpLinkJson(need("after"), ifname),
    wallS: Number(ns("end_ns") - ns("start_ns")) / 1e9,
    exitCode,
    report: parseTrafgenReport(stdout.slice(at + TRAFGEN_MARKER.length + 2)),
  };
}
