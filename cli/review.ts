// `scripts/vrlab review [--base REF] [--baseline RESULTS.json] [--out FILE]`: a pull request's
// effect on the lab, as Markdown. The stacks it touches (cli/review/changes.ts) are previewed with
// `pulumi preview --json --diff` and summarized (cli/review/preview.ts); with --baseline, each
// stack's `results` output is compared with a results document (cli/review/results.ts).
// A stack with no state in the backend is previewed in a throwaway backend, so the review leaves
// the user's backend as it was, and every stack file is restored byte for byte (stack init writes
// an encryptionsalt line into it). Exit status: 0 when every preview ran, whatever it shows;
// 1 when a preview failed (the Markdown says why); 2 on a usage error or an unusable baseline.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import Ajv from "ajv";
import { type Results } from "../harness/results";
import schemaJson from "../harness/results.schema.json";
import { changedFiles, resolveBase, stacksWithState, touched } from "./review/changes";
import { code, renderHeader, renderStack, type StackSection } from "./review/markdown";
import { summarize, type PreviewJson } from "./review/preview";
import { compareResults, renderComparison } from "./review/results";

const repo = path.resolve(__dirname, "..");
const USAGE =
  "usage: scripts/vrlab review [--base REF] [--baseline RESULTS.json] [--out FILE] [--stack STACK]...";

class UsageError extends Error {}

export interface ReviewArgs {
  base?: string;
  baseline?: string;
  out?: string;
  /** Preview these stacks only, touched or not (default: every stack the change touches). */
  stacks: string[];
}

export function parseArgs(argv: string[]): ReviewArgs {
  const args: ReviewArgs = { stacks: [] };
  const opts = { "--base": "base", "--baseline": "baseline", "--out": "out", "--stack": "stack" } as const;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith("--") ? argv[i].split(/=(.*)/s) : [argv[i]];
    if (flag === "-h" || flag === "--help") throw new UsageError("");
    if (!(flag in opts)) throw new UsageError(`unknown argument ${argv[i]}`);
    const v = inline ?? argv[++i];
    if (!v || (inline === undefined && v.startsWith("-"))) throw new UsageError(`${flag} needs a value`);
    const key = opts[flag as keyof typeof opts];
    if (key === "stack") {
      if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(v)) throw new UsageError(`--stack ${v}: not a stack name`);
      args.stacks.push(v);
    } else args[key] = v;
  }
  return args;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
function pulumi(args: string[], env: NodeJS.ProcessEnv = process.env): Run {
  const r = spawnSync("pulumi", [...args, "--non-interactive"], {
    cwd: repo,
    env,
    encoding: "utf8",
    maxBuffer: 1024 * 2 ** 20, // a whole lab's preview, every script in it, passes 1 MB
    stdio: ["ignore", "pipe", "pipe"],
  });
  return {
    code: r.status ?? 1,
    stdout: r.stdout ?? "",
    stderr: r.error ? r.error.message : (r.stderr ?? ""),
  };
}

const hasFile = (stack: string): boolean => fs.existsSync(path.join(repo, "stacks", `Pulumi.${stack}.yaml`));
const tail = (s: string, n = 20): string => s.trim().split("\n").slice(-n).join("\n");
let interrupted = false;

/** The stack's preview; a stack without state is made in a throwaway backend for it. */
function preview(stack: string, hasState: boolean): { json?: PreviewJson; failed?: string } {
  const file = path.join(repo, "stacks", `Pulumi.${stack}.yaml`);
  const before = fs.readFileSync(file);
  const tmp = hasState ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), "vrlab-review-"));
  const env = tmp ? { ...process.env, PULUMI_BACKEND_URL: `file://${tmp}` } : process.env;
  try {
    if (tmp) {
      const init = pulumi(["stack", "init", "--no-select", stack], env);
      if (init.code !== 0)
        return { failed: `pulumi stack init failed:\n${tail(init.stderr || init.stdout)}` };
    }
    const r = pulumi(["preview", "--json", "--diff", "--stack", stack], env);
    let json: PreviewJson | undefined;
    try {
      json = JSON.parse(r.stdout) as PreviewJson;
    } catch {
      json = undefined; // no JSON at all: the CLI's own error is on stderr
    }
    if (r.code === 0 && json) return { json };
    return { json, failed: tail(r.stderr) || `pulumi preview exited ${r.code}` };
  } finally {
    if (!before.equals(fs.readFileSync(file))) fs.writeFileSync(file, before);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// The schema asks for date-time; ajv knows no formats without ajv-formats (as report/main.ts).
const isoDateTime = (s: string): boolean =>
  /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i.test(s) && !Number.isNaN(Date.parse(s));
const validate = new Ajv({ allErrors: true, strict: true, formats: { "date-time": isoDateTime } }).compile(
  schemaJson,
);
const isResults = (doc: unknown): doc is Results => validate(doc) === true;
const problems = (doc: unknown): string =>
  (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? e.keyword}`).join("; ") ||
  `not a results document: ${JSON.stringify(doc)?.slice(0, 40)}`;

function readBaseline(file: string): Results {
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new UsageError(`--baseline ${file}: ${(e as Error).message}`);
  }
  if (!isResults(doc)) throw new UsageError(`--baseline ${file} is not a results document: ${problems(doc)}`);
  return doc;
}

/** The comparison lines for one stack: its `results` output against the baseline. */
function compareStack(stack: string, hasState: boolean, baseline: Results, name: string): string[] {
  const r = hasState ? pulumi(["stack", "output", "results", "--json", "--stack", stack]) : undefined;
  const doc = r?.code === 0 && r.stdout.trim() ? (JSON.parse(r.stdout) as unknown) : undefined;
  if (doc === undefined || doc === null) {
    return [`No benchmark results of this stack in this backend to compare with \`${name}\`.`];
  }
  if (!isResults(doc))
    return [`This stack's \`results\` output is not a results document: ${problems(doc)}.`];
  const [b, c] = [baseline.provenance.substrate, doc.provenance.substrate];
  if (b !== c) return [`Results not compared with \`${name}\`: it ran on ${b}, this stack on ${c}.`];
  return renderComparison(compareResults(baseline, doc), name);
}

export interface ReviewIo {
  out(text: string): void;
  err(line: string): void;
}
const processIo: ReviewIo = {
  out: (t) => process.stdout.write(t),
  err: (l) => process.stderr.write(`${l}\n`),
};

/** The whole command; returns the exit status. */
export function review(argv: string[], io: ReviewIo = processIo): number {
  let args: ReviewArgs;
  let baseline: Results | undefined;
  let base: ReturnType<typeof resolveBase>;
  let changed: ReturnType<typeof changedFiles>;
  try {
    args = parseArgs(argv);
    if (args.baseline) baseline = readBaseline(args.baseline);
    base = resolveBase(repo, args.base);
    changed = changedFiles(repo, base.mergeBase);
  } catch (e) {
    if (!(e instanceof Error)) throw e;
    io.err(e.message ? `vrlab review: ${e.message}\n${USAGE}` : USAGE);
    return 2;
  }
  const project = /^name:\s*(\S+)/m.exec(fs.readFileSync(path.join(repo, "Pulumi.yaml"), "utf8"))?.[1] ?? "";
  const stateDir = process.env.VRLAB_STATE_DIR ?? "";
  const withState = stacksWithState(stateDir, project);
  const t = touched(changed, withState);
  // As scripts/vrlab refuses a stack with neither file nor state: a typo, most likely.
  const unknown = args.stacks.filter((s) => !withState.includes(s) && !t.removed.includes(s) && !hasFile(s));
  if (unknown.length) {
    io.err(
      `vrlab review: no stack ${unknown.join(", ")}: no stacks/Pulumi.STACK.yaml and no state in ${stateDir}`,
    );
    return 2;
  }
  const md = renderHeader({
    ...base,
    stackFiles: t.stackFiles,
    program: t.program,
    withState,
    only: args.stacks,
  });
  if (args.stacks.length) {
    const asked = new Set(args.stacks);
    t.stacks = new Map(args.stacks.map((s) => [s, t.stacks.get(s) ?? ["asked for with --stack"]]));
    t.removed = t.removed.filter((s) => asked.has(s) && t.stacks.delete(s));
  }
  let failed = 0;
  const onInt = (): void => {
    interrupted = true;
  };
  process.on("SIGINT", onInt); // finish the preview in flight, restore its file, then stop
  try {
    for (const [stack, why] of t.stacks) {
      if (interrupted) break;
      const s: StackSection = { stack, why };
      const hasState = withState.includes(stack);
      if (!hasFile(stack)) {
        const state = hasState ? "It has state in this backend but no" : "No";
        s.note = `${state} \`stacks/Pulumi.${stack}.yaml\`: not previewed.`;
      } else {
        io.err(`vrlab review: previewing ${stack} (${why.join(", ")})`);
        const p = preview(stack, hasState);
        if (p.json) s.preview = summarize(p.json);
        if (p.failed !== undefined) {
          s.failed = p.failed;
          failed++;
          io.err(
            `vrlab review: the preview of stack ${stack} failed:\n${tail(s.preview?.errors.join("\n") || p.failed, 8)}`,
          );
        }
        if (baseline) s.results = compareStack(stack, hasState, baseline, path.basename(args.baseline ?? ""));
      }
      md.push(...renderStack(s));
    }
  } finally {
    process.off("SIGINT", onInt);
  }
  for (const stack of t.removed) {
    md.push(...renderStack({ stack, why: [], note: `Its stack file is removed: not previewed.` }));
  }
  if (baseline && !t.stacks.size)
    md.push(`No stack previewed, so ${code(args.baseline ?? "")} is compared with nothing.`);
  const text = `${md.join("\n").replace(/\n+$/, "")}\n`;
  if (args.out) fs.writeFileSync(args.out, text);
  else io.out(text);
  if (interrupted) {
    io.err("vrlab review: interrupted");
    return 130;
  }
  if (failed) io.err(`vrlab review: ${failed} preview${failed > 1 ? "s" : ""} failed (see above)`);
  return failed ? 1 : 0;
}

if (require.main === module) process.exitCode = review(process.argv.slice(2));
