// A table's routes are a pure function of its spec, and costly at scale (1M routes: seconds to
// generate, sort and hash). The program works out each new spec's table once, for its digest, and
// caches it with its `dest via` text, which apply then streams to the host as it is: a later
// `up`, preview, or the provider's apply pays milliseconds. The key is the spec and the generator's
// own source, so an edited generator never meets an old table.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { cacheRoot, pruneCached, readCached, writeCached } from "./cache";
import { routeLine, type TableSpec, tableDigest, tableRoutes } from "./table";

/** Tables kept (about 28 MB per 1M routes); older ones are removed when a new one is written. */
const KEEP = 8;
// Destinations and next hops are printed from numbers or checked addresses (drivers/table.ts), so
// a table holds nothing else; the text is still checked, cached or not, before it reaches `ip -batch`.
const SAFE = /^[0-9./ \n]*$/;

let source: string | undefined;
function generatorSource(): string {
  source ??= createHash("sha256")
    .update(Buffer.concat(["table.ts", "tableMix.ts"].map((f) => fs.readFileSync(path.join(__dirname, f)))))
    .digest("hex");
  return source;
}

export interface Table {
  /** `dest via` lines, each ended by a newline, in no particular order. */
  text: string;
  digest: string;
}

const keyOf = (spec: TableSpec): string =>
  createHash("sha256").update(generatorSource()).update(JSON.stringify(spec)).digest("hex").slice(0, 32);

function make(spec: TableSpec, file: (ext: string) => string): Table {
  const lines = tableRoutes(spec).map(routeLine);
  const text = lines.length > 0 ? `${lines.join("\n")}\n` : "";
  // The same lines, sorted as tableLines sorts them: 1M routes are formatted once, not twice.
  const table = { text: checked(text, spec), digest: tableDigest(lines.sort()) };
  writeCached(file("lines"), table.text); // the text first: a digest on disk means its text is complete
  writeCached(file("digest"), table.digest);
  pruneCached(path.dirname(file("")), ".lines", KEEP);
  return table;
}

function checked(text: string, spec: TableSpec): string {
  if (!SAFE.test(text)) throw new Error(`routing table ${JSON.stringify(spec)}: unexpected characters`);
  return text;
}

/** The digest of a spec's table: cached, or made (and the table cached with it). */
export function cachedDigest(spec: TableSpec, dir = path.join(cacheRoot(), "tables")): string {
  const file = (ext: string): string => path.join(dir, `${keyOf(spec)}.${ext}`);
  const digest = readCached(file("digest"));
  return digest && /^[0-9a-f]{16}$/.test(digest) ? digest : make(spec, file).digest;
}

/** The text of a spec's table: cached, or made (and cached). */
export function cachedText(spec: TableSpec, dir = path.join(cacheRoot(), "tables")): string {
  const file = (ext: string): string => path.join(dir, `${keyOf(spec)}.${ext}`);
  const text = readCached(file("digest")) !== undefined ? readCached(file("lines")) : undefined;
  return checked(text ?? make(spec, file).text, spec);
}
