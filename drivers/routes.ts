// Generated routing tables (the seed's 1k / 10k / 100k routes). The route list is derived from a
// small spec when the script runs, and only its count and digest are kept in state.
import { createHash } from "node:crypto";
import { arg, check } from "../remote/shell";
import { type Rendered } from "./linux";
import { script } from "./render";

/** Routes vrlab installs carry this protocol number, so flush and count touch only them. */
export const ROUTE_PROTO = 198;

export interface RouteSpec {
  /** First network address, as an unsigned 32-bit number. */
  start: number;
  prefixLength: number;
  count: number;
  /** Next hop, dotted quad. */
  via: string;
  /** [from, to) address ranges no route may touch (the guest's connected subnets). */
  skip: [number, number][];
}

function ip(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

/** Destinations in address order, skipping prefixes that touch a connected subnet; as `ip route` prints them. */
export function routeDestinations(s: RouteSpec): string[] {
  const step = 2 ** (32 - s.prefixLength);
  const out: string[] = [];
  for (let n = s.start; out.length < s.count && n < 2 ** 32; n += step) {
    if (s.skip.some(([lo, hi]) => n < hi && lo < n + step)) continue;
    out.push(s.prefixLength === 32 ? ip(n) : `${ip(n)}/${s.prefixLength}`);
  }
  return out;
}

/**
 * `ip -batch` input that installs the table. Each line is a command to `ip`, so its values pass the
 * same allow-lists as shell values (remote/shell.ts): a newline in one could not add a command.
 */
export function routeBatch(s: RouteSpec): string {
  const via = check("ipv4", s.via, "via");
  const kind = s.prefixLength === 32 ? "ipv4" : "ipv4cidr"; // `ip route` prints /32 routes bare
  return routeDestinations(s)
    .map((d) => `route replace ${check(kind, d, "route")} via ${via} proto ${ROUTE_PROTO}\n`)
    .join("");
}

/** What the read script prints as `digest`: the sorted `dest via` lines, hashed. */
export function routeDigest(s: RouteSpec): string {
  const lines = routeDestinations(s)
    .map((d) => `${d} ${s.via}`)
    .sort();
  return createHash("sha256")
    .update(lines.map((l) => `${l}\n`).join(""))
    .digest("hex")
    .slice(0, 16);
}

export function routesScripts(p: { ns: string; spec: RouteSpec }): Rendered {
  check("ipv4", p.spec.via, "via"); // refused when the program renders, not midway through `up`
  const vars = { NS: arg("netns", p.ns), PROTO: arg("uint", ROUTE_PROTO) };
  return {
    want: { count: String(p.spec.count), digest: routeDigest(p.spec) },
    scripts: {
      apply: script(
        vars,
        `
ip -n "$NS" route flush proto "$PROTO"
ip -n "$NS" -batch -`,
      ),
      read: script(
        vars,
        `
if [ ! -e "/run/netns/$NS" ]; then echo present=0; exit 0; fi
echo present=1
echo count=$(ip -n "$NS" route show proto "$PROTO" | wc -l)
echo digest=$(ip -n "$NS" route show proto "$PROTO" | awk '{print $1, $3}' | LC_ALL=C sort | sha256sum | cut -c1-16)`,
      ),
      delete: script(
        vars,
        `
[ -e "/run/netns/$NS" ] || exit 0
ip -n "$NS" route flush proto "$PROTO"`,
      ),
    },
  };
}
