// How fast a routing table goes in, changes and comes out through vrlab's linux:Routes resource,
// against raw `ip -batch` of the same routes in the same run (issue 11's install-time targets):
//
//   npx ts-node perf/routes.ts [--sizes N,N,...] [--reps N] [--reps-1m N] [--timeout S] [--quick]
//                                                     (root; or `scripts/vrlab perf routes`)
//
// For each size (default 1k, 10k, 100k, 1M; --quick: 1k and 10k, nothing written) a fresh pair of
// throwaway namespaces (vrlab-perf-routes-<pid>-<size>-a/-b, a veth between them, 198.18.2.1/24 and
// 198.18.2.2/24) holds a generated table (seed 1, next hop 198.18.2.2) in -a. Each repetition times,
// raw and resource in alternating order:
//   - raw: `ip -n NS -batch FILE` of `route add` lines (FILE written beforehand from tableLines), a
//     1% removal and a 1% addition the same way, then `ip -n NS route flush proto 198`;
//   - the resource: scriptedProvider's create of kind linux:Routes (the resource's code path minus
//     the engine: the table's text from the cache the program filled when it worked out the digest,
//     checked, streamed to the delta apply), update to the table of 0.99 N routes and back to N (the
//     generator draws the same prefixes first, so each update is a 1% difference), and delete. The
//     program's own cost for a new spec (generate, sort, hash, cache) is timed apart.
// The route count is checked after every step. Medians per size; ratios resource / raw, and a 1%
// change as a fraction of a full install. Writes perf/results/routes.json and prints a table.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { leaksWithPrefix } from "../cli/leaks";
import { ROUTE_PROTO, wantedTable } from "../drivers/routes";
import { cachedDigest } from "../drivers/tableCache";
import { scriptedProvider, type ScriptedState } from "../drivers/scriptedProvider";
import { type GeneratedSpec, MAX_ROUTES, tableDigest, tableLines, tableRoutes } from "../drivers/table";
import { codeMeasured, intFlags, machineInfo, median, round, writeResult } from "./common";
import { forwardInterrupts, interrupted, ok, root, run } from "./common-run";

const resultsFile = path.join(__dirname, "results", "routes.json");
const usage = "routes.ts [--sizes N,N,...] [--reps N] [--reps-1m N] [--timeout S] [--quick]";
const prefix = `vrlab-perf-routes-${process.pid}-`;
const VIA = "198.18.2.2";
const log = (line: string): void => console.error(`routes: ${line}`);
// The provider implements every method; the type leaves update and delete optional.
const provider = scriptedProvider as Required<typeof scriptedProvider>;

interface Args {
  sizes: number[];
  reps: number;
  reps1m: number;
  timeoutS: number;
  quick: boolean;
}

function parseArgs(argv: string[]): Args {
  const quick = argv.includes("--quick");
  const rest = argv.filter((a) => a !== "--quick");
  const at = rest.indexOf("--sizes");
  let sizes = quick ? [1_000, 10_000] : [1_000, 10_000, 100_000, 1_000_000];
  if (at >= 0) {
    sizes = (rest.splice(at, 2)[1] ?? "").split(",").map(Number);
    if (sizes.some((n) => !Number.isInteger(n) || n < 100 || n > MAX_ROUTES))
      throw new Error(`--sizes needs integers from 100 to ${MAX_ROUTES}, comma-separated; usage: ${usage}`);
  }
  const flags = intFlags(
    rest,
    {
      reps: { flag: "--reps", value: 3, max: 50 },
      reps1m: { flag: "--reps-1m", value: 1, max: 50 },
      timeoutS: { flag: "--timeout", value: 600, max: 3600 },
    },
    usage,
  );
  return { ...flags, sizes, quick };
}

// What this run made; cleanup() removes it, from main's finally, on exit and after an interrupt.
const made = { namespaces: [] as string[], dir: "" };

/** Synchronous, so that it can run on exit too; returns what it could not remove. */
function cleanup(all = true): string[] {
  for (const ns of made.namespaces.splice(0)) spawnSync("ip", ["netns", "del", ns], { timeout: 60_000 });
  if (all && made.dir) fs.rmSync(made.dir, { recursive: true, force: true });
  if (all) made.dir = "";
  return leaksWithPrefix(prefix).map((l) => `left on the machine: ${l}`);
}

/** Runs a command to its end, bounded by the timeout; throws with its output if it fails. */
async function cmd(file: string, args: string[], timeoutS: number) {
  return ok(`${file} ${args.join(" ")}`, await run(file, args, { env: process.env, timeoutS }));
}

/** A fresh pair of namespaces for one size; the routes go into the first, toward the second. */
async function pair(size: number): Promise<string> {
  const [a, b] = [`${prefix}${size}-a`, `${prefix}${size}-b`];
  made.namespaces.push(a, b);
  for (const argv of [
    ["netns", "add", a],
    ["netns", "add", b],
    ["-n", a, "link", "add", "rt0", "type", "veth", "peer", "name", "rt1", "netns", b],
    ["-n", a, "addr", "add", "198.18.2.1/24", "dev", "rt0"],
    ["-n", b, "addr", "add", "198.18.2.2/24", "dev", "rt1"],
    ["-n", a, "link", "set", "rt0", "up"],
    ["-n", b, "link", "set", "rt1", "up"],
  ])
    await cmd("ip", argv, 60);
  return a;
}

/** The count (and, when asked, the digest) of the vrlab routes in `ns`, as the resource's read sees them. */
async function observed(ns: string, digest = false): Promise<{ count: number; digest?: string }> {
  const list = `ip -n "$1" route show proto ${ROUTE_PROTO}`;
  const sh = digest
    ? `echo $(${list} | wc -l) $(${list} | awk '{print $1, $3}' | LC_ALL=C sort | sha256sum | cut -c1-16)`
    : `${list} | wc -l`;
  const [count, hash] = (await cmd("sh", ["-c", sh, "sh", ns], 600)).stdout.trim().split(" ");
  return { count: Number(count), ...(hash ? { digest: hash } : {}) };
}

function expectCount(what: string, got: { count: number }, want: number): void {
  if (got.count !== want) throw new Error(`${what}: ${got.count} vrlab routes, want ${want}`);
}

interface Table {
  spec: GeneratedSpec;
  digest: string;
  lines: string[];
}

function table(routes: number): Table {
  const spec: GeneratedSpec = {
    form: "generated",
    seed: 1,
    routes,
    destinations: { within: "198.19.0.0/16", routes: Math.min(routes, 256) },
    via: [VIA],
    skip: ["198.18.2.0/24"],
  };
  const lines = tableLines(tableRoutes(spec));
  const digest = tableDigest(lines);
  // As the program does when it plans the stack: the provider then finds the table's text cached.
  if (cachedDigest(spec) !== digest) throw new Error(`${routes}: the cached table's digest differs`);
  return { spec, lines, digest };
}

const batch = (lines: string[], verb: "add" | "del"): string =>
  lines
    .map((l) => `route ${verb} ${l.split(" ")[0]}${verb === "add" ? ` via ${VIA}` : ""} proto 198\n`)
    .join("");

/** Seconds of one awaited call; the provider's memo of the last table is dropped first, as in a fresh `up`. */
async function timed(body: () => Promise<unknown>): Promise<number> {
  wantedTable(table(1).spec);
  const t0 = process.hrtime.bigint();
  await body();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

// The steps timed; providerTable and read are parts of create (the provider's wanted table:
// generation, checks, stdin; and its verifying read), timed apart.
const RAW = ["rawInstall", "rawDown", "rawUp", "rawFlush"] as const;
const RESOURCE = ["create", "updateDown", "updateUp", "delete", "providerTable", "read"] as const;
type Series = Record<(typeof RAW)[number] | (typeof RESOURCE)[number], number[]>;

async function measureSize(n: number, reps: number, timeoutS: number) {
  const t0 = process.hrtime.bigint();
  const full = table(n);
  const programS = Number(process.hrtime.bigint() - t0) / 1e9; // what components/plan.ts spends on the digest
  const small = table(Math.round(n * 0.99));
  const wanted = new Set(small.lines);
  const gone = full.lines.filter((l) => !wanted.has(l));
  if (small.lines.length + gone.length !== n) throw new Error(`${n}: the 0.99 table is not a subset`);
  const files = { full: `${made.dir}/full-${n}`, down: `${made.dir}/down-${n}`, up: `${made.dir}/up-${n}` };
  fs.writeFileSync(files.full, batch(full.lines, "add"));
  fs.writeFileSync(files.down, batch(gone, "del"));
  fs.writeFileSync(files.up, batch(gone, "add"));
  const ns = await pair(n);
  const state = (t: Table): ScriptedState => ({
    target: { kind: "local" },
    kind: "linux:Routes",
    params: { ns, spec: t.spec, digest: t.digest },
  });
  const s = Object.fromEntries([...RAW, ...RESOURCE].map((k) => [k, []])) as unknown as Series;
  let rawDigest = "";
  const ipBatch = (file: string) => cmd("ip", ["-n", ns, "-batch", file], timeoutS);
  const raw = async (rep: number) => {
    s.rawInstall.push(await timed(() => ipBatch(files.full)));
    const seen = await observed(ns, rep === 1);
    expectCount("raw install", seen, n);
    rawDigest ||= seen.digest ?? "";
    s.rawDown.push(await timed(() => ipBatch(files.down)));
    expectCount("raw 1% removal", await observed(ns), small.lines.length);
    s.rawUp.push(await timed(() => ipBatch(files.up)));
    expectCount("raw 1% addition", await observed(ns), n);
    s.rawFlush.push(await timed(() => cmd("ip", ["-n", ns, "route", "flush", "proto", "198"], timeoutS)));
    expectCount("raw flush", await observed(ns), 0);
  };
  const resource = async () => {
    const id = `routes-${n}`;
    let outs = state(full);
    // As the engine calls it: each operation gets the outputs the one before returned.
    const got = (r: { outs?: ScriptedState }, what: string): ScriptedState => {
      if (!r.outs) throw new Error(`${n}: ${what} returned no outputs`);
      return r.outs;
    };
    const update = async (to: Table) => (outs = got(await provider.update(id, outs, state(to)), "update"));
    s.create.push(await timed(async () => (outs = got(await provider.create(state(full)), "create"))));
    expectCount("resource create", await observed(ns), n);
    s.providerTable.push(await timed(async () => wantedTable(full.spec)));
    s.read.push(await timed(() => provider.read(id, outs)));
    s.updateDown.push(await timed(() => update(small)));
    expectCount("resource update to 0.99 N", await observed(ns), small.lines.length);
    s.updateUp.push(await timed(() => update(full)));
    expectCount("resource update back to N", await observed(ns), n);
    s.delete.push(await timed(() => provider.delete(id, outs)));
    expectCount("resource delete", await observed(ns), 0);
  };
  for (let rep = 1; rep <= reps; rep++) {
    // Alternate which goes first, so a drift in the machine's load falls on both alike.
    for (const step of rep % 2 ? [raw, resource] : [resource, raw]) {
      if (interrupted()) throw new Error("interrupted");
      await step(rep);
    }
    const last = (k: keyof Series): string => `${s[k][s[k].length - 1].toFixed(3)} s`;
    log(
      `${n} routes, rep ${rep}: install raw ${last("rawInstall")}, resource ${last("create")}; ` +
        `1% raw ${last("rawDown")}/${last("rawUp")}, resource ${last("updateDown")}/${last("updateUp")}; ` +
        `removal raw ${last("rawFlush")}, resource ${last("delete")}`,
    );
  }
  if (rawDigest !== full.digest)
    throw new Error(`${n}: raw install's digest ${rawDigest}, want ${full.digest}`);
  return { n, reps, changed: gone.length, programS, s };
}

function summarize(m: Awaited<ReturnType<typeof measureSize>>) {
  const med = Object.fromEntries(Object.entries(m.s).map(([k, v]) => [k, median(v)])) as Record<
    keyof Series,
    number
  >;
  // A 1% change: the mean of the 1% removal and the 1% addition.
  const change = { raw: (med.rawDown + med.rawUp) / 2, resource: (med.updateDown + med.updateUp) / 2 };
  return {
    routes: m.n,
    reps: m.reps,
    changedRoutes: m.changed,
    programDigestS: round(m.programS),
    seconds: Object.fromEntries(Object.entries(m.s).map(([k, v]) => [k, v.map((x) => round(x))])),
    medianS: Object.fromEntries(Object.entries(med).map(([k, v]) => [k, round(v)])) as typeof med,
    changeS: { raw: round(change.raw), resource: round(change.resource) },
    ratio: {
      install: round(med.create / med.rawInstall),
      installWithProgramDigest: round((med.create + m.programS) / med.rawInstall),
      removal: round(med.delete / med.rawFlush),
      change: round(change.resource / change.raw),
      changeOfInstall: round(change.resource / med.create, 4),
    },
  };
}

function printTable(rows: ReturnType<typeof summarize>[]): string[] {
  const head = "routes|raw|resource|ratio|flush|delete|ratio|raw 1%|res 1%|1%/inst".split("|");
  const f = (x: number): string => x.toFixed(3);
  const body = rows.map(({ routes, medianS: m, changeS: c, ratio: r }) => [
    String(routes),
    ...[m.rawInstall, m.create, r.install, m.rawFlush, m.delete, r.removal, c.raw, c.resource].map(f),
    f(r.changeOfInstall),
  ]);
  return [head, ...body].map((cols) => cols.map((c, i) => (i ? c.padStart(9) : c.padEnd(8))).join(" "));
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) throw new Error("routes: run as root (namespaces need it)");
  forwardInterrupts();
  process.on("exit", () => cleanup()); // also after a second Ctrl-C
  const started = new Date();
  const loadStart = os.loadavg()[0];
  const code = codeMeasured();
  made.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const sizes: ReturnType<typeof summarize>[] = [];
  const problems: string[] = [];
  try {
    for (const n of a.sizes) {
      sizes.push(summarize(await measureSize(n, n >= 1_000_000 ? a.reps1m : a.reps, a.timeoutS)));
      problems.push(...cleanup(false)); // each size on a fresh pair
    }
  } finally {
    problems.push(...cleanup());
  }
  if (problems.length > 0) throw new Error(`routes: not clean after the run:\n  ${problems.join("\n  ")}`);
  const ip = spawnSync("ip", ["-V"], { encoding: "utf8", timeout: 10_000 }).stdout.trim();
  const result = {
    benchmark: "routes",
    date: started.toISOString(),
    machine: machineInfo(loadStart, { iproute2: ip }),
    code,
    setup: {
      table:
        "generated, seed 1, next hop 198.18.2.2, 256 routes in 198.19.0.0/16 (all when fewer), skip 198.18.2.0/24",
      namespaces: `${prefix}<size>-a (routes, rt0 198.18.2.1/24) and -b (rt1 198.18.2.2/24), a veth between`,
      raw: "ip -n NS -batch FILE of `route add DEST via 198.18.2.2 proto 198` lines; removal: ip -n NS route flush proto 198",
      rawChange: "ip -n NS -batch of `route del` lines of the 1% (then `route add` of them back)",
      resource:
        "drivers/scriptedProvider.ts create / update / delete of kind linux:Routes {ns, spec, digest}, local target: generation, streaming, apply, verifying read",
      change:
        "update from N routes to round(0.99 N) and back to N: a 1% removal and a 1% addition; 'change' is their mean",
      programDigestS: "seconds the program takes for the digest (components/plan.ts), outside the provider",
    },
    sizes,
  };
  if (!a.quick) await writeResult(resultsFile, result);
  console.log(printTable(sizes).join("\n"));
  console.log(a.quick ? "not written (--quick)" : `written: ${path.relative(root, resultsFile)}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
