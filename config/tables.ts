// Routing tables at load: the YAML's forms as the model has them, prefix-list files read and checked in
// full before anything is touched (every bad line with its number), and the realistic generator's lab
// destinations checked against the room their block has.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { labProblem, parseTableFile, tableDigest, tableLines } from "../drivers/table";
import { LAB_PREFIX, LAB_RANGE, contains, ipToInt, overlaps, parseCidr } from "./addr";
import { connectedCidrs, nextHopProblems, routeCapacity } from "./addrCheck";
import { type Problem } from "./errors";
import schemaJson from "./experiment.schema.json";
import { type Experiment, type RawRoutingTable, type RoutingTable, type SeedGenerate } from "./model";

const table = schemaJson.definitions.routingTable.properties;
// Values the schema refused are reported there; these checks skip them rather than guess.
const FILE = new RegExp(table.file.pattern);
const CIDR = new RegExp(schemaJson.definitions.cidr.pattern);
const IPV4 = new RegExp(schemaJson.definitions.ipv4.pattern);

/** A realistic table's lab destinations when the YAML does not say: 256 (or all) in 198.19.0.0/16. */
export const defaultDestinations = (routes: number): { within: string; routes: number } => ({
  within: "198.19.0.0/16",
  routes: Math.min(routes, 256),
});
/** The generator draws lab destinations of these lengths (drivers/table.ts generateRoutes). */
const DEST_LENGTHS = { min: 20, max: 28 };
/** Bad lines listed per file; the rest are counted. */
export const MAX_LISTED = 20;
/** A file larger than this is refused unread: 1,000,000 routes with comments fit well inside. */
export const MAX_FILE_BYTES = 128 * 2 ** 20;

/** The model of a table as written: `via` a list, default destinations, a file not read yet. */
export function resolveTable(t: RawRoutingTable): RoutingTable {
  // A shape the schema refused stays as it is; the checks skip it.
  if (typeof t !== "object" || t === null) return t as unknown as RoutingTable;
  const out: RoutingTable = {
    name: t.name,
    routes: t.routes ?? 0, // a file table's count comes from its file (loadTableFiles)
    via: typeof t.via === "string" ? [t.via] : t.via,
  };
  const g = t.generate;
  if (g) out.generate = typeof g === "object" && "seed" in g ? seeded(g, t.routes ?? 0) : g;
  if (t.file !== undefined) out.file = { path: t.file, sha256: "", digest: "" };
  return out;
}

const seeded = (g: SeedGenerate, routes: number): SeedGenerate => ({
  ...g,
  destinations: g.destinations ?? defaultDestinations(routes),
});

/** A realistic table's lab destinations lie in the lab range and fit their block. */
export function checkSeededTables(e: Experiment): Problem[] {
  const connected = connectedCidrs(e).map((c) => parseCidr(c).prefix);
  return e.routingTables.flatMap((t, i): Problem[] => {
    const d = t.generate && "seed" in t.generate ? t.generate.destinations : undefined;
    if (!d || typeof d.within !== "string" || !CIDR.test(d.within) || typeof d.routes !== "number") return [];
    const at = `routingTables[${i}].generate.destinations`;
    const block = parseCidr(d.within).prefix;
    if (!contains(LAB_PREFIX, block))
      return [
        {
          path: `${at}.within`,
          message: `${d.within} is outside the lab range ${LAB_RANGE}: destinations are lab addresses`,
        },
      ];
    if (block.len > DEST_LENGTHS.max)
      return [
        {
          path: `${at}.within`,
          message: `${d.within} is a /${block.len}: destinations are /${DEST_LENGTHS.min} to /${DEST_LENGTHS.max} prefixes, so the block must be /${DEST_LENGTHS.max} or larger`,
        },
      ];
    if (d.routes > t.routes)
      return [
        {
          path: `${at}.routes`,
          message: `${d.routes} destination routes are more than the table's ${t.routes} routes`,
        },
      ];
    let room = 0;
    for (let len = Math.max(block.len, DEST_LENGTHS.min); len <= DEST_LENGTHS.max; len++)
      room += routeCapacity(block, len, connected);
    if (d.routes <= room) return [];
    return [
      {
        path: `${at}.routes`,
        message: `${d.routes} destination routes do not fit: ${d.within} holds only ${room} /${DEST_LENGTHS.min} to /${DEST_LENGTHS.max} prefixes outside the connected subnets (set generate.destinations to a larger block, or fewer routes)`,
      },
    ];
  });
}

/**
 * Reads and checks every file table, filling in its sha256, digest and (when the YAML omits it) its
 * number of routes. Relative paths are taken from the project directory, absolute ones as they are.
 */
export function loadTableFiles(e: Experiment, projectDir: string): Problem[] {
  const skip = connectedCidrs(e);
  // A table with both forms is the schema's problem; its file is not read.
  return e.routingTables.flatMap((t, i) =>
    t.file && !t.generate ? loadFile(e, t, i, projectDir, skip) : [],
  );
}

interface LineProblem {
  line: number;
  message: string;
}

function loadFile(e: Experiment, t: RoutingTable, i: number, projectDir: string, skip: string[]): Problem[] {
  const file = t.file;
  if (!file || typeof file.path !== "string" || !FILE.test(file.path)) return [];
  const at = `routingTables[${i}].file`;
  const name = file.path;
  const full = path.resolve(projectDir, name);
  let bytes: Buffer;
  try {
    bytes = readBounded(full);
  } catch (err) {
    return [{ path: at, message: `${name}: cannot be read: ${reason(err)} (looked at ${full})` }];
  }
  file.sha256 = createHash("sha256").update(bytes).digest("hex");
  const text = bytes.toString("utf8");
  const via = Array.isArray(t.via) ? t.via : [];
  // A bad via is reported at `via`; its lines are still parsed, against a stand-in in the lab.
  const fallback = typeof via[0] === "string" && IPV4.test(via[0]) ? via[0] : "198.18.0.1";
  const { routes, lines: lineOf, problems } = parseTableFile(text, fallback);
  const found: LineProblem[] = [...problems];
  // labProblem says why a route is bad; only routes touching the lab range or leaving it through
  // their next hop can be (a default route and one covering the lab touch it), so only those are asked.
  const inLab = new Map<string, boolean>();
  const leaves = (hop: string): boolean => {
    let v = inLab.get(hop);
    if (v === undefined) inLab.set(hop, (v = contains(LAB_PREFIX, { net: ipToInt(hop), len: 32 })));
    return !v;
  };
  routes.forEach((r, i) => {
    const why = overlaps(r, LAB_PREFIX) || leaves(r.via) ? labProblem(r, skip) : undefined;
    if (why) found.push({ line: lineOf[i], message: why });
  });
  // Next hops the lines name besides `via` (checked there) meet the same rules; each said once.
  const named = new Map<string, { first: number; lines: number }>();
  routes.forEach((r, i) => {
    if (via.includes(r.via) || r.via === fallback) return;
    const n = named.get(r.via);
    if (n) n.lines++;
    else named.set(r.via, { first: i, lines: 1 });
  });
  for (const [hop, { first, lines }] of named) {
    if (leaves(hop)) continue; // outside the lab, labProblem has said so on every line already
    for (const m of nextHopProblems(e, t.name, hop))
      found.push({
        line: lineOf[first],
        message: lines > 1 ? `${m} (${lines - 1} more lines name ${hop})` : m,
      });
  }
  if (found.length > 0) return listed(at, name, found);
  if (t.routes !== 0 && t.routes !== routes.length)
    return [
      {
        path: `routingTables[${i}].routes`,
        message: `${name} has ${routes.length} routes, not ${t.routes} (omit routes to take the file's count)`,
      },
    ];
  t.routes = routes.length;
  file.digest = tableDigest(tableLines(routes));
  return [];
}

/** The file's bytes, refusing what is not a regular file or is too large to be a table. */
function readBounded(full: string): Buffer {
  const fd = fs.openSync(full, "r");
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new Error("it is not a regular file");
    if (st.size > MAX_FILE_BYTES)
      throw new Error(`it has ${st.size} bytes; a table file may have at most ${MAX_FILE_BYTES}`);
    return fs.readFileSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

const REASONS: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EISDIR: "it is a directory",
  ENOTDIR: "a directory on its path is a file",
  ELOOP: "too many symbolic links",
};
function reason(err: unknown): string {
  const code = (err as { code?: string }).code;
  return (code && REASONS[code]) ?? (err as Error).message;
}

const CUT = 160;
/** The first MAX_LISTED problems in line order, each `file:line: message`, and a count of the rest. */
function listed(at: string, name: string, found: LineProblem[]): Problem[] {
  const sorted = [...found].sort((a, b) => a.line - b.line);
  const shown = sorted.slice(0, MAX_LISTED).map((p) => ({
    path: at,
    message: `${name}${p.line > 0 ? `:${p.line}` : ""}: ${p.message.length > CUT ? `${p.message.slice(0, CUT)}...` : p.message}`,
  }));
  const rest = sorted.slice(MAX_LISTED);
  if (rest.length > 0)
    shown.push({
      path: at,
      message: `${name}:${rest[0].line}-${rest[rest.length - 1].line}: ${rest.length} more problems, not listed`,
    });
  return shown;
}
