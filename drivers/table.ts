// Routing tables as data: the routes a table spec stands for, generated from a seed or read from a
// prefix-list file, in the canonical form `ip route` prints, and their digest. Pure and
// deterministic (the same routes on every machine and Node version), so the program, the provider
// and the tests agree on a table's digest without ever storing its routes.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { LENGTH_MIX, PUBLIC_EXCLUDED, Rng, mix, pickWeighted } from "./tableMix";

export interface Route {
  /** Network address as an unsigned 32-bit number, host bits zero. */
  net: number;
  len: number;
  via: string;
}
interface Prefix {
  net: number;
  len: number;
}

/** 198.18.0.0/15 (RFC 2544): the only addresses lab traffic may go to. */
export const LAB: Prefix = { net: 0xc6120000, len: 15 };
export const MAX_ROUTES = 1_000_000;

/** A realistic table: `routes` prefixes, `destinations.routes` of them inside the lab block. */
export interface GeneratedSpec {
  form: "generated";
  seed: number;
  routes: number;
  destinations: { within: string; routes: number };
  via: string[];
  /** Connected subnets (CIDRs) that no route may touch. */
  skip: string[];
}
/** The seed paper's form: consecutive prefixes of one length carved from a block. */
export interface BlockSpec {
  form: "block";
  within: string;
  prefixLength: number;
  routes: number;
  via: string[];
  skip: string[];
}
/** A prefix-list file, relative to the project directory; via[0] serves lines that name none. */
export interface FileSpec {
  form: "file";
  file: string;
  sha256: string;
  routes: number;
  via: string[];
  skip: string[];
}
/** What stacks made before routing tables had forms stored: kept readable and deletable. */
export interface LegacySpec {
  start: number;
  prefixLength: number;
  count: number;
  via: string;
  skip: [number, number][];
}
export type TableSpec = GeneratedSpec | BlockSpec | FileSpec | LegacySpec;

export function formatIp(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

const OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
const IPV4 = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);

export function parseIp(s: string): number | undefined {
  if (!IPV4.test(s)) return undefined;
  return s.split(".").reduce((n, o) => n * 256 + Number(o), 0);
}

const SIZES = Array.from({ length: 33 }, (_, len) => 2 ** (32 - len));
const size = (len: number): number => SIZES[len];

/** `a.b.c.d/len` or a bare address (/32); undefined when malformed or when host bits are set. */
export function parsePrefix(s: string): Prefix | undefined {
  const [ip, len, extra] = s.split("/");
  const net = parseIp(ip);
  const n = len === undefined ? 32 : /^(3[0-2]|[12]?[0-9])$/.test(len) ? Number(len) : NaN;
  if (net === undefined || Number.isNaN(n) || extra !== undefined || net % size(n) !== 0) return undefined;
  return { net, len: n };
}

const cidr = (p: Prefix): string => `${formatIp(p.net)}/${p.len}`;
const overlaps = (a: Prefix, b: Prefix): boolean =>
  a.net < b.net + size(b.len) && b.net < a.net + size(a.len);
const contains = (outer: Prefix, inner: Prefix): boolean => outer.len <= inner.len && overlaps(outer, inner);

/** CIDRs as prefixes; an interface address (host bits set) stands for its subnet. */
function prefixes(cidrs: string[]): Prefix[] {
  return cidrs.map((c) => {
    const [ip, len = "32"] = c.split("/");
    const addr = parseIp(ip);
    const l = Number(len);
    if (addr === undefined || !/^\d+$/.test(len) || l > 32) throw new Error(`"${c}" is not a CIDR`);
    return { net: addr - (addr % size(l)), len: l };
  });
}

/** Why a route would take lab traffic out of the lab or shadow a connected subnet; undefined if fine. */
export function labProblem(r: Route, skip: string[]): string | undefined {
  const via = parseIp(r.via);
  if (via === undefined) return `next hop "${r.via}" is not an IPv4 address`;
  if (!contains(LAB, { net: via, len: 32 }))
    return `next hop ${r.via} is outside the lab range ${cidr(LAB)}: traffic would leave the lab`;
  if (r.len === 0) return "a default route would take every destination, lab traffic included";
  if (contains(r, LAB)) return `${cidr(r)} covers the lab range ${cidr(LAB)}: lab traffic would follow it`;
  const hit = prefixes(skip).find((s) => overlaps(s, r));
  if (hit) return `${cidr(r)} overlaps the connected subnet ${cidr(hit)}: it would shadow its hosts`;
  return undefined;
}

/** As `ip route` prints a route's destination and next hop: /32 bare. */
export function routeLine(r: Route): string {
  return `${r.len === 32 ? formatIp(r.net) : cidr(r)} ${r.via}`;
}

/** The table as `ip route show proto P | awk '{print $1, $3}' | LC_ALL=C sort` prints it. */
export function tableLines(routes: Route[]): string[] {
  // Byte order: every character is ASCII, so the default (UTF-16) order is the C locale's.
  return routes.map(routeLine).sort();
}

/** sha256 of the lines, each ended by a newline, first 16 hex digits (what the read script prints). */
export function tableDigest(lines: string[]): string {
  const h = createHash("sha256");
  const chunk = 10_000; // one string per chunk: 1M routes without a 30 MB intermediate
  for (let i = 0; i < lines.length; i += chunk) h.update(`${lines.slice(i, i + chunk).join("\n")}\n`);
  return h.digest("hex").slice(0, 16);
}

export interface FileProblem {
  /** 1-based; 0 for the file as a whole. */
  line: number;
  message: string;
}

/** One `prefix [via]` a line; `#` starts a comment. Every bad line is a problem; nothing is skipped. */
export function parseTableFile(
  text: string,
  defaultVia: string | undefined,
): { routes: Route[]; lines: number[]; problems: FileProblem[] } {
  const routes: Route[] = [];
  const lineOf: number[] = []; // each route's line, for problems found later (config/tables.ts)
  const problems: FileProblem[] = [];
  // Per length, the line of each prefix seen, keyed by its index among those of its length.
  const seen = Array.from({ length: 33 }, () => new Map<number, number>());
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const hash = lines[i].indexOf("#");
    const body = (hash < 0 ? lines[i] : lines[i].slice(0, hash)).trim();
    if (body === "") continue;
    const words = body.split(/\s+/);
    const show = (): string => JSON.stringify(words[0]);
    if (words.length > 2) {
      problems.push({ line, message: `expected "prefix [via]", found ${words.length} words` });
      continue;
    }
    const p = parsePrefix(words[0]);
    if (!p) {
      const [ip, len] = words[0].split("/");
      const addr = parseIp(ip);
      const l = Number(len);
      const hostBits = addr !== undefined && /^\d+$/.test(len ?? "") && l <= 32 && addr % size(l) !== 0;
      problems.push({
        line,
        message: hostBits
          ? `${show()} has host bits set (the network is ${formatIp(addr - (addr % size(l)))}/${l})`
          : `${show()} is not an IPv4 prefix (a.b.c.d/len or an address)`,
      });
      continue;
    }
    const via = words[1] ?? defaultVia;
    if (via === undefined) {
      problems.push({ line, message: `${show()} names no next hop, and the table has no via` });
      continue;
    }
    if (words[1] !== undefined && parseIp(via) === undefined) {
      problems.push({ line, message: `next hop ${JSON.stringify(via)} is not an IPv4 address` });
      continue;
    }
    const key = p.net / size(p.len);
    const first = seen[p.len].get(key);
    if (first !== undefined) {
      problems.push({ line, message: `${cidr(p)} repeats line ${first}` });
      continue;
    }
    seen[p.len].set(key, line);
    routes.push({ net: p.net, len: p.len, via });
    lineOf.push(line);
  }
  if (routes.length === 0 && problems.length === 0) problems.push({ line: 0, message: "has no routes" });
  if (routes.length > MAX_ROUTES)
    problems.push({ line: 0, message: `has ${routes.length} routes; at most ${MAX_ROUTES} are allowed` });
  return { routes, lines: lineOf, problems };
}

/** Draws `count` distinct prefixes with `draw`, refusing those `bad` says; bounded attempts. */
function distinct(count: number, draw: () => Prefix, bad: (p: Prefix) => boolean, what: string): Prefix[] {
  const out: Prefix[] = [];
  // Per length, the prefix's index among those of its length: small integers, which V8 hashes fast.
  const seen = Array.from({ length: 33 }, () => new Set<number>());
  let attempts = 0;
  const limit = 64 * count + 1000;
  while (out.length < count) {
    if (++attempts > limit)
      throw new Error(`${what}: only ${out.length} of ${count} distinct prefixes found`);
    const p = draw();
    const key = p.net / size(p.len);
    if (seen[p.len].has(key) || bad(p)) continue;
    seen[p.len].add(key);
    out.push(p);
  }
  return out;
}

/** A realistic table: today's prefix-length mix over public unicast space, plus lab destinations. */
export function generateRoutes(spec: GeneratedSpec): Route[] {
  const rng = new Rng(spec.seed);
  const skip = prefixes(spec.skip);
  const block = prefixes([spec.destinations.within])[0];
  const excluded = [...PUBLIC_EXCLUDED.map((c) => prefixes([c])[0]), LAB];
  const labCount = Math.min(spec.destinations.routes, spec.routes);
  const inLab = distinct(
    labCount,
    () => {
      const len = Math.max(block.len, 20) + rng.below(29 - Math.max(block.len, 20));
      const net = block.net + rng.below(size(block.len) / size(len)) * size(len);
      return { net, len };
    },
    (p) => skip.some((s) => overlaps(s, p)),
    `destinations in ${spec.destinations.within}`,
  );
  const outside = distinct(
    spec.routes - labCount,
    () => {
      const len = pickWeighted(rng, LENGTH_MIX);
      const addr = rng.next();
      return { net: addr - (addr % size(len)), len };
    },
    (p) => p.net < 0x01000000 || p.net + size(p.len) > 0xe0000000 || excluded.some((x) => overlaps(x, p)),
    "public prefixes",
  );
  // A prefix's next hop depends on the prefix and the seed alone, so a table of more or fewer routes
  // keeps every shared route's next hop: a change of count is a change of that many routes.
  const hop = (p: Prefix): string =>
    spec.via[mix(p.net ^ Math.imul(p.len, 0x9e3779b1) ^ spec.seed) % spec.via.length];
  return [...inLab, ...outside].map((p) => ({ ...p, via: hop(p) }));
}

/** Consecutive /prefixLength prefixes from `start`, skipping those touching `skip` ranges. */
function block(start: number, len: number, count: number, skip: [number, number][], via: string[]): Route[] {
  // A spec from state is data: a start or length that is not one refuses, rather than wrapping.
  if (
    !Number.isInteger(start) ||
    start < 0 ||
    start >= 2 ** 32 ||
    !Number.isInteger(len) ||
    len < 0 ||
    len > 32
  )
    throw new Error(`no routes from ${String(start)}/${String(len)}: not an IPv4 prefix`);
  const step = size(len);
  const out: Route[] = [];
  for (let n = start; out.length < count && n < 2 ** 32; n += step) {
    if (skip.some(([lo, hi]) => n < hi && lo < n + step)) continue;
    out.push({ net: n, len, via: via[out.length % via.length] });
  }
  return out;
}

const ranges = (cidrs: string[]): [number, number][] =>
  prefixes(cidrs).map((p) => [p.net, p.net + size(p.len)]);

/** The routes a spec stands for. A file must still hold what the program read (its sha256). */
export function tableRoutes(spec: TableSpec, readFile: (p: string) => Buffer = fs.readFileSync): Route[] {
  if (!("form" in spec)) return block(spec.start, spec.prefixLength, spec.count, spec.skip, [spec.via]);
  switch (spec.form) {
    case "generated":
      return generateRoutes(spec);
    case "block": {
      const within = prefixes([spec.within])[0];
      return block(within.net, spec.prefixLength, spec.routes, ranges(spec.skip), spec.via);
    }
    case "file": {
      const bytes = readFile(spec.file);
      const sha = createHash("sha256").update(bytes).digest("hex");
      if (sha !== spec.sha256)
        throw new Error(`routing table file ${spec.file} changed since the program read it; run up again`);
      const { routes, problems } = parseTableFile(bytes.toString("utf8"), spec.via[0]);
      if (problems.length > 0) throw new Error(`${spec.file}:${problems[0].line}: ${problems[0].message}`);
      return routes;
    }
  }
}
