// What iproute2 says about a machine: an interface's MAC and counters (`ip -s -j link`), a router's
// vrlab routes in the lab range (`ip route show proto 198 root 198.18.0.0/15`, `ip route get`). The scripts that ask, and pure parsers of the
// answers; the output is recorded in test/fixtures/trafgen/ and checked by test/unit/netbench.test.ts.
import { script } from "../../remote/script";
import { arg, check } from "../../remote/shell";

/** One interface as `ip -s -j link` describes it: its MAC and its 64-bit packet counters. */
export interface LinkCounters {
  ifname: string;
  /** Lower-case `aa:bb:cc:dd:ee:ff`. */
  mac: string;
  rxPackets: number;
  txPackets: number;
  rxBytes: number;
  txBytes: number;
  rxDropped: number;
  txDropped: number;
}

const MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/;

function fail(why: string, text: string): never {
  const shown = text.length > 300 ? `${text.slice(0, 300)}...` : text;
  throw new Error(`ip -s -j link: ${why}; output was ${JSON.stringify(shown)}`);
}

/** A unicast Ethernet MAC, or throws: all-zero, broadcast and multicast addresses are refused. */
export function checkMac(mac: string, what: string): string {
  const m = mac.toLowerCase();
  if (!MAC.test(m)) throw new Error(`${what}: ${JSON.stringify(mac)} is not an Ethernet MAC address`);
  if (m === "00:00:00:00:00:00" || (parseInt(m.slice(0, 2), 16) & 1) === 1) {
    throw new Error(`${what}: ${m} is not a unicast MAC address`);
  }
  return m;
}

/**
 * The one interface `ifname` in the output of `ip -s -j link show dev <ifname>`. Throws on anything
 * else: no JSON, another or more than one interface, no stats64 block (run with -s), non-numbers.
 */
export function parseIpLinkJson(text: string, ifname: string): LinkCounters {
  let doc: unknown;
  try {
    doc = JSON.parse(text.trim());
  } catch {
    fail("not JSON (run with -j)", text);
  }
  if (!Array.isArray(doc) || doc.length !== 1) fail("expected exactly one interface", text);
  const link = doc[0] as Record<string, unknown>;
  if (link.ifname !== ifname) fail(`interface is ${JSON.stringify(link.ifname)}, not ${ifname}`, text);
  const stats = link.stats64 as { rx?: Record<string, unknown>; tx?: Record<string, unknown> } | undefined;
  if (!stats?.rx || !stats.tx) fail("no stats64 block (run with -s)", text);
  const n = (dir: "rx" | "tx", key: string): number => {
    const v = stats[dir]?.[key];
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
      fail(`${dir}.${key} ${JSON.stringify(v)} is not a counter`, text);
    }
    return v;
  };
  if (typeof link.address !== "string") fail("no link-layer address", text);
  return {
    ifname,
    mac: checkMac(link.address, `${ifname}'s address`),
    rxPackets: n("rx", "packets"),
    txPackets: n("tx", "packets"),
    rxBytes: n("rx", "bytes"),
    txBytes: n("tx", "bytes"),
    rxDropped: n("rx", "dropped"),
    txDropped: n("tx", "dropped"),
  };
}

/** after − before of one counter; a counter that went backwards (interface re-created) throws. */
export function counterDelta(
  before: LinkCounters,
  after: LinkCounters,
  key: "rxPackets" | "txPackets" | "rxBytes" | "txBytes",
): number {
  const d = after[key] - before[key];
  if (d < 0) {
    throw new Error(`${after.ifname}: ${key} went from ${before[key]} to ${after[key]} (interface reset?)`);
  }
  return d;
}

/** After a pause (tenths of a second), a nanosecond timestamp and the interface's counters. */
export function countersScript(dev: string, pauseTenths = 0): string {
  const vars = { DEV: arg("ifname", dev), PAUSE: arg("uint", pauseTenths) };
  return script(
    vars,
    `
sleep "$((PAUSE / 10)).$((PAUSE % 10))"
ns=$(date +%s%N)
link=$(ip -s -j link show dev "$DEV")
echo "ns=$ns"
echo "link=$link"`,
  );
}

/**
 * The router's interface (MAC, counters), whether it forwards, how many vrlab routes it has, and
 * those inside 198.18.0.0/15 (`root`: prefixes within it), the only ones lab traffic may be sent to.
 * Of a generated table that is its lab destinations (256 by default): never the whole table.
 */
export function routerInspectScript(dev: string): string {
  return script(
    { DEV: arg("ifname", dev) },
    `
link=$(ip -s -j link show dev "$DEV")
echo "link=$link"
echo "forwarding=$(cat /proc/sys/net/ipv4/ip_forward)"
echo "routes=$(ip route show proto 198 | wc -l)"
echo "--- routes ---"
ip route show proto 198 root 198.18.0.0/15`,
  );
}

/**
 * `ip -o -batch -` input asking the route the kernel really takes to each destination (longest
 * prefix and all). Each line is a command to `ip`, so every address is checked first.
 */
export function routeGetBatch(destinations: readonly string[]): string {
  return destinations.map((d) => `route get ${check("ipv4", d, "destination")}\n`).join("");
}

/** Runs routeGetBatch's lines (stdin) in the router, one answer a line. */
export const routeGetScript = (): string => script({}, "ip -o -batch -");

/** The next hop of each destination in routeGetScript's answer; undefined for a connected one. */
export function parseRouteGets(text: string): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const line of text.split("\n").filter((l) => l.trim() !== "")) {
    const dst = /^(\d+\.\d+\.\d+\.\d+) /.exec(line)?.[1];
    if (dst) out.set(dst, routeGetVia(line));
  }
  return out;
}

/** One vrlab route (`ip route show proto 198`), as the destination and next hop it names. */
export interface Route {
  dst: string;
  prefixLength: number;
  via: string;
}

/** `198.19.0.1 via 198.18.2.2 dev eth1 proto 198` lines (a /32 is printed without its length). */
export function parseRoutes(text: string): Route[] {
  return text
    .split("\n")
    .map((l) => /^(\d+\.\d+\.\d+\.\d+)(?:\/(\d+))? via (\d+\.\d+\.\d+\.\d+) /.exec(l.trim() + " "))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ dst: m[1], prefixLength: m[2] === undefined ? 32 : Number(m[2]), via: m[3] }));
}

/** The next hop in `ip -o route get DST`'s answer; undefined for a directly connected destination. */
export function routeGetVia(text: string): string | undefined {
  return / via (\d+\.\d+\.\d+\.\d+) /.exec(`${text.trim()} `)?.[1];
}
