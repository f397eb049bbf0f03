// `scripts/vrlab report [STACK...] [--from FILE]... [--out DIR]`: the stacks' benchmark results as
// DIR/results.csv and the paper's figures as DIR/fig*.png. Each stack's `results` output is read
// with the pulumi CLI (or a results file, for tests), checked against harness/results.schema.json,
// and only results of one substrate are combined. `--table` prints the headline results instead.
// Exit status: 0 when written, 1 when a results document is invalid (or, with --table, when a
// benchmark failed), 2 on a usage error (bad arguments, no such stack, mixed substrates).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv from "ajv";
import schemaJson from "../harness/results.schema.json";
import { resultsCsv } from "./csv";
import { buildFigures } from "./figures";
import { toPng } from "./render";
import { resultsTable } from "./table";
import { type Results, type StackResults } from "./types";

const repo = path.resolve(__dirname, "..");
const USAGE = "usage: scripts/vrlab report [STACK...] [--from FILE]... [--out DIR | --table]";
/** Every figure this report can write; a stale one from an earlier run is removed. */
const FIGURE_IDS = ["fig1a", "fig1b", "fig2a", "fig2b", "fig3a", "fig3b", "fig4a", "fig4b"];

export class UsageError extends Error {}

export interface ReportArgs {
  stacks: string[];
  files: string[];
  out?: string;
  /** Print the headline results as a table instead of writing files. */
  table?: boolean;
}

export function parseArgs(argv: string[]): ReportArgs {
  const args: ReportArgs = { stacks: [], files: [] };
  const value = (i: number, opt: string): string => {
    const v = argv[i];
    if (v === undefined || v.startsWith("-")) throw new UsageError(`${opt} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--from") args.files.push(value(++i, a));
    else if (a.startsWith("--from=")) args.files.push(a.slice("--from=".length));
    else if (a === "--out") args.out = value(++i, a);
    else if (a.startsWith("--out=")) args.out = a.slice("--out=".length);
    else if (a === "--table") args.table = true;
    else if (a === "-h" || a === "--help") throw new UsageError("");
    else if (a.startsWith("-")) throw new UsageError(`unknown option ${a}`);
    else args.stacks.push(a);
  }
  if (args.stacks.length + args.files.length === 0) throw new UsageError("no STACK given");
  if (args.out === "") throw new UsageError("--out needs a value");
  return args;
}

// The schema asks for date-time; ajv knows no formats without ajv-formats, so this one is ours.
const isoDateTime = (s: string): boolean =>
  /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i.test(s) && !Number.isNaN(Date.parse(s));
const ajv = new Ajv({ allErrors: true, strict: true, formats: { "date-time": isoDateTime } });
const validate = ajv.compile(schemaJson);

/** Every way `raw` breaks the results schema, one sentence each; empty when it is valid. */
export function resultsProblems(raw: unknown): string[] {
  if (validate(raw)) return [];
  return (validate.errors ?? []).map((e) => {
    const p = e.params as Record<string, unknown>;
    const extra =
      e.keyword === "additionalProperties"
        ? `: ${String(p.additionalProperty)}`
        : e.keyword === "enum"
          ? `: ${(p.allowedValues as unknown[]).join(", ")}`
          : "";
    return `${e.instancePath || "/"} ${e.message ?? e.keyword}${extra}`;
  });
}

/** The stack's `results` output, through the pulumi on PATH (scripts/env.sh sets the backend). */
export function stackResults(stack: string): unknown {
  let stdout: string;
  try {
    const argv = ["stack", "output", "results", "--json", "--non-interactive", "--stack", stack];
    stdout = execFileSync("pulumi", argv, {
      cwd: repo,
      encoding: "utf8",
      timeout: 120_000,
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    const why = (err.stderr || err.message).trim();
    throw new UsageError(
      `cannot read the results of stack "${stack}": ${why}\n(a stack has results once \`scripts/vrlab up ${stack}\` ran its benchmarks)`,
    );
  }
  return JSON.parse(stdout) as unknown;
}

function fileResults(file: string): unknown {
  if (!fs.existsSync(file)) throw new UsageError(`no results file ${file}`);
  return JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
}

export interface ReportIo {
  out(line: string): void;
  err(line: string): void;
  /** Reads a stack's results; the pulumi CLI unless a test gives another. */
  readStack(stack: string): unknown;
}

const processIo: ReportIo = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
  readStack: stackResults,
};

/** The whole command; returns the exit status. */
export async function report(argv: string[], io: ReportIo = processIo): Promise<number> {
  let args: ReportArgs;
  const raw: { stack: string; doc: unknown }[] = [];
  const problems: string[] = [];
  try {
    args = parseArgs(argv);
    for (const stack of args.stacks) raw.push({ stack, doc: io.readStack(stack) });
    for (const file of args.files) {
      const stack = path.basename(file).replace(/\.json$/, "");
      try {
        raw.push({ stack, doc: fileResults(file) });
      } catch (e) {
        if (!(e instanceof SyntaxError)) throw e;
        problems.push(`${stack}: ${file} is not JSON: ${e.message}`);
      }
    }
    const names = raw.map((r) => r.stack);
    const twice = names.filter((n, i) => names.indexOf(n) !== i);
    if (twice.length) throw new UsageError(`${twice.join(", ")} given twice`);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(e.message ? `vrlab report: ${e.message}\n${USAGE}` : USAGE);
    return 2;
  }
  for (const { stack, doc } of raw) problems.push(...resultsProblems(doc).map((p) => `${stack}: ${p}`));
  if (problems.length) {
    io.err(`vrlab report: invalid results (harness/results.schema.json):\n  ${problems.join("\n  ")}`);
    return 1;
  }
  const inputs: StackResults[] = raw.map(({ stack, doc }) => ({ stack, results: doc as Results }));
  const substrates = new Set(inputs.map((i) => i.results.provenance.substrate));
  if (substrates.size > 1) {
    const each = inputs.map((i) => `${i.stack} is ${i.results.provenance.substrate}`).join(", ");
    io.err(`vrlab report: will not combine ${each}: namespace results are never mixed with hardware results`);
    return 2;
  }
  if (args.table) {
    for (const i of inputs) io.out(`${i.stack}: ${resultsTable(i.results)}\n`);
    // A run with a failed benchmark is not a clean result: say so in the exit status too.
    return inputs.every((i) => i.results.status === "complete") ? 0 : 1;
  }
  const dir = path.resolve(args.out ?? path.join(repo, "reports", inputs.map((i) => i.stack).join("+")));
  fs.mkdirSync(dir, { recursive: true });
  const csv = resultsCsv(inputs);
  fs.writeFileSync(path.join(dir, "results.csv"), csv);
  io.out(`wrote ${path.join(dir, "results.csv")} (${csv.split("\r\n").length - 2} rows)`);
  const figures = buildFigures(inputs);
  for (const f of figures) {
    const file = path.join(dir, `${f.id}.png`);
    const { png, width, height } = await toPng(f.spec);
    fs.writeFileSync(file, png);
    io.out(`wrote ${file} (${width}×${height}${f.status === "ok" ? "" : `, ${f.status.toUpperCase()}`})`);
    for (const line of f.failures) io.out(`  ${line}`);
  }
  for (const id of FIGURE_IDS.filter((id) => !figures.some((f) => f.id === id))) {
    const stale = path.join(dir, `${id}.png`);
    const had = fs.existsSync(stale);
    if (had) fs.rmSync(stale);
    io.out(`no ${id}: its benchmark is not in the results${had ? ` (removed the old ${id}.png)` : ""}`);
  }
  return 0;
}

if (require.main === module) {
  report(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`vrlab report: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
