// A guest's routing table (drivers/table.ts says which routes a spec stands for). State keeps the
// spec, the count and the digest, never the routes. Apply reads the wanted `dest via` lines on stdin
// and changes only the difference from what the kernel lists through one `ip -batch`: replaces
// first, deletes last, no flush, so the guest never has an empty or partial table. A change from a
// table the last read found in place sends just the difference of the two tables (routesChange).
import { arg, check } from "../remote/shell";
import { type Rendered } from "./linux";
import { script } from "./render";
import { type TableSpec } from "./table";
import { cachedDigest, cachedText } from "./tableCache";

/** Routes vrlab installs carry this protocol number, so apply, read and delete touch only them. */
export const ROUTE_PROTO = 198;

export interface RoutesParams {
  ns: string;
  spec: TableSpec;
  /** Digest of the wanted table, computed by the program; stacks made before it had none. */
  digest?: string;
}

/** How many routes a spec stands for. */
export const routeCount = (s: TableSpec): number => ("form" in s ? s.routes : s.count);

const vias = (s: TableSpec): string[] => ("form" in s ? s.via : [s.via]);

// The last spec's table, so read once per process and operation (the provider renders an object
// several times per operation); drivers/tableCache.ts keeps tables across processes.
let memo: { key: string; text?: string; digest?: string } | undefined;

function memoFor(spec: TableSpec): { text?: string; digest?: string } {
  const key = JSON.stringify(spec);
  if (memo?.key !== key) memo = { key }; // releases the last table first
  return memo;
}

/**
 * apply's stdin: the wanted `dest via` lines, in no particular order (apply needs none). It is
 * `ip -batch` input, so a newline in a value could add a command: the spec's next hops pass the
 * shell allow-lists (remote/shell.ts), and the text holds only digits, dots, slashes and spaces.
 */
export function wantedText(spec: TableSpec): string {
  const m = memoFor(spec);
  if (m.text === undefined) {
    vias(spec).forEach((v, i) => check("ipv4", v, `via[${i}]`));
    m.text = cachedText(spec);
  }
  return m.text;
}

/** The digest read prints for a spec's table; the program passes it in params, old stacks did not. */
export function wantedDigest(spec: TableSpec): string {
  const m = memoFor(spec);
  m.digest ??= cachedDigest(spec);
  return m.digest;
}

/** Both at once (the program and tests; the provider needs only one of them per operation). */
export function wantedTable(spec: TableSpec): { text: string; digest: string } {
  return { text: wantedText(spec), digest: wantedDigest(spec) };
}

/** `dest via` lines as a map of destination to next hop. */
function hops(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const sp = line.indexOf(" ");
    if (sp > 0) out.set(line.slice(0, sp), line.slice(sp + 1));
  }
  return out;
}

/**
 * A change of table as `ip -batch` commands, worked out from the two tables alone: replaces (new
 * routes, changed next hops) first, deletes last. Only when the router is known to hold the old
 * table, that is when the last read or apply found exactly it: otherwise (drift, or an old table
 * that cannot be made again) undefined, and apply compares with what the kernel lists instead.
 * For 1M routes this spares apply the listing and sends ~2% of the lines, not all of them.
 */
export function routesChange(
  old: { params: RoutesParams; observed?: Record<string, string> },
  next: RoutesParams,
): string | undefined {
  const { params, observed } = old;
  if (params.ns !== next.ns || observed?.count !== String(routeCount(params.spec))) return undefined;
  if (observed.digest !== (params.digest ?? wantedDigest(params.spec))) return undefined;
  let before: Map<string, string>;
  try {
    before = hops(cachedText(params.spec));
  } catch {
    return undefined; // a table file changed or gone since: the full apply needs only the new one
  }
  const replaces: string[] = [];
  for (const [dest, via] of hops(wantedText(next.spec))) {
    if (before.get(dest) !== via) replaces.push(`route replace ${dest} via ${via} proto ${ROUTE_PROTO}\n`);
    before.delete(dest);
  }
  const deletes = [...before.keys()].map((dest) => `route del ${dest} proto ${ROUTE_PROTO}\n`);
  return replaces.join("") + deletes.join("");
}

// The current routes as `ip route` prints them, a line `--`, then the wanted `dest via` lines.
const BOTH = `both() { ip -n "$NS" route show proto "$PROTO" </dev/null; echo --; cat; }`;

// The difference as `ip -batch` commands. A wanted route that is missing or has another next hop is
// replaced as it streams in; the routes not wanted (those at another metric too) are deleted once
// all are in. Input cut short (or a listing that failed) deletes nothing and fails the batch.
// A current line is `[type] dest [via V] ... [metric M]`; a multipath route's nexthop lines are
// indented. A typed route has no next hop here, so a wanted one is replaced with the wanted route.
const DELTA = `delta() {
  awk -v P="$PROTO" -v N="$COUNT" '
    !sep && $0 == "--" { sep = 1; next }
    !sep && /^[0-9a-z]/ { i = ($1 ~ /^[0-9]/ || $1 == "default") ? 1 : 2; v = ""; m = 0
      for (j = i + 1; j < NF; j++) if ($j == "via") v = $(j + 1); else if ($j == "metric") m = $(j + 1)
      if (m + 0) other[$i " proto " P " metric " m] = 1; else cur[$i] = (i == 1 ? v : "") }
    !sep { next }
    NF != 2 { bad = 1; exit }
    { n++; if (!($1 in cur) || cur[$1] != $2) print "route replace " $1 " via " $2 " proto " P; delete cur[$1] }
    END {
      if (!sep) why = "the current routes could not be listed"
      else if (bad) why = "wanted line " n + 1 " is not \\"dest via\\""
      else if (n != N) why = "stdin held " n " of " N " wanted routes"
      if (why != "") { print "vrlab: " why "; nothing deleted" | "cat 1>&2"; print "vrlab-incomplete"; exit 1 }
      for (d in cur) print "route del " d " proto " P
      for (o in other) print "route del " o }'
}`;

/** Scripts of a table; legacy params (no digest) get theirs from the spec, as before. */
export function routesScripts(p: RoutesParams): Rendered {
  const count = routeCount(p.spec);
  // Refused when the program renders, not midway through `up`.
  vias(p.spec).forEach((v, i) => check("ipv4", v, `via[${i}]`));
  const vars = { NS: arg("netns", p.ns), PROTO: arg("uint", ROUTE_PROTO) };
  return {
    want: { count: String(count), digest: p.digest ?? wantedDigest(p.spec) },
    scripts: {
      apply: script(
        { ...vars, COUNT: arg("uint", count) },
        `
${BOTH}
${DELTA}
both | delta | ip -n "$NS" -batch -`,
      ),
      read: script(
        vars,
        `
if [ ! -e "/run/netns/$NS" ]; then echo present=0; exit 0; fi
echo present=1
# One listing for both (1M routes take a second to list): awk passes the sorted lines on to be
# hashed and prints their count on fd 3, the script's stdout (through cat: awks differ on /dev/fd).
exec 3>&1
counted() { awk '{ print } END { print "count=" NR | "cat 1>&3" }'; }
echo digest=$(ip -n "$NS" route show proto "$PROTO" | awk '{print $1, $3}' | LC_ALL=C sort | counted | sha256sum | cut -c1-16)`,
      ),
      delete: script(
        vars,
        `
[ -e "/run/netns/$NS" ] || exit 0
ip -n "$NS" route flush proto "$PROTO"`,
      ),
      // The commands of routesChange on stdin; one `ip -batch` stops at the first that fails.
      change: script(vars, `\nip -n "$NS" -batch -`),
    },
  };
}
