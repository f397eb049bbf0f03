// `scripts/vrlab show [STACK] [--json] [--dot FILE]`: the running lab as its user wants to see it.
// Reads the stack's `lab` output, probes the server's kernel for each planned object (this machine's,
// or a remote server's over SSH), and prints machines, links and a summary. Exit status: 0 when the
// lab matches its plan, 1 when something is missing or drifted, 2 on a usage error, when there is no
// such stack (or it has no lab), or when the server cannot be probed (unreachable, host key mismatch).
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { type LabPlan } from "../components/plan";
import { type RemoteError } from "../remote/types";
import { probeLab, type Probe } from "./probe";
import { serverTarget, TargetError } from "./target";
import { exitStatus, renderDot, renderText, viewOf } from "./view";

const run = promisify(execFile);
const repo = path.resolve(__dirname, "..");
const USAGE = "usage: scripts/vrlab show [STACK] [--json] [--dot FILE]";

class UsageError extends Error {}

export interface ShowArgs {
  stack: string;
  json: boolean;
  dot?: string;
}

export function parseArgs(argv: string[]): ShowArgs {
  const positional: string[] = [];
  let json = false;
  let dot: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--json") json = true;
    else if (a === "--dot") {
      dot = argv[++i];
      if (!dot) throw new UsageError("--dot needs a FILE");
    } else if (a.startsWith("--dot=")) dot = a.slice("--dot=".length);
    else if (a === "-h" || a === "--help") throw new UsageError("");
    else if (a.startsWith("-")) throw new UsageError(`unknown option ${a}`);
    else positional.push(a);
  }
  if (positional.length !== 1)
    throw new UsageError(positional.length ? "one STACK at most" : "no STACK given");
  return { stack: positional[0], json, dot };
}

function isLabPlan(v: unknown): v is LabPlan {
  const o = v as Partial<LabPlan> | undefined;
  return (
    typeof o === "object" &&
    o !== null &&
    typeof o.owner === "string" &&
    typeof o.tag === "string" &&
    Array.isArray(o.bridges) &&
    Array.isArray(o.guests) &&
    Array.isArray(o.machines)
  );
}

/** The stack's `lab` output, through the pulumi on PATH (scripts/env.sh sets the backend). */
async function labOf(stack: string): Promise<LabPlan> {
  let stdout: string;
  try {
    const args = ["stack", "output", "--json", "--non-interactive", `--stack=${stack}`];
    ({ stdout } = await run("pulumi", args, { cwd: repo, encoding: "utf8", timeout: 120_000 }));
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new UsageError(`cannot read stack "${stack}": ${(err.stderr || err.message).trim()}`);
  }
  const lab = (JSON.parse(stdout || "{}") as { lab?: unknown }).lab;
  if (!isLabPlan(lab)) {
    throw new UsageError(`stack "${stack}" has no lab output; stand it up first: scripts/vrlab up ${stack}`);
  }
  return lab;
}

/** Writes the DOT file and, when Graphviz is installed, FILE.svg next to it. Messages go to stderr. */
async function writeDot(file: string, dot: string): Promise<void> {
  const abs = path.resolve(file);
  fs.writeFileSync(abs, dot);
  try {
    await run("dot", ["-Tsvg", "-o", `${abs}.svg`, abs], { timeout: 60_000 });
    process.stderr.write(`wrote ${file} and ${file}.svg\n`);
  } catch (e) {
    const why =
      (e as NodeJS.ErrnoException).code === "ENOENT"
        ? "Graphviz is not installed, so no SVG"
        : `dot failed (${(e as Error).message.trim()})`;
    process.stderr.write(
      `wrote ${file}; ${why}. To render it: apt-get install graphviz && dot -Tsvg ${file} -o ${file}.svg\n`,
    );
  }
}

export async function main(argv: string[]): Promise<number> {
  let args: ShowArgs;
  let plan: LabPlan;
  try {
    args = parseArgs(argv);
    plan = await labOf(args.stack);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(e.message ? `vrlab show: ${e.message}\n${USAGE}\n` : `${USAGE}\n`);
    return 2;
  }
  let probe: Probe;
  try {
    const { target, creds } = await serverTarget(args.stack, plan);
    probe = await probeLab(plan, target, creds);
  } catch (e) {
    // The lab's state is unknown, not wrong: 2, like a stack that cannot be read. A RemoteError names
    // the host and why (unreachable, HOST KEY MISMATCH, authentication), and never holds the secret.
    if (!(e instanceof TargetError) && (e as Error).name !== "RemoteError") throw e;
    // Code -1: nothing ran (no connection, no answer in time); which probe it was says nothing then.
    const re = e as Partial<RemoteError>;
    const why = re.code === -1 ? (e as Error).message.replace(/ running `[^\n]*/, "") : (e as Error).message;
    process.stderr.write(`vrlab show: cannot probe the lab of stack "${args.stack}": ${why}\n`);
    return 2;
  }
  const view = viewOf(plan, probe);
  if (args.dot) await writeDot(args.dot, renderDot(view));
  const status = exitStatus(view);
  process.stdout.write(
    args.json
      ? `${JSON.stringify({ stack: args.stack, exitStatus: status, ...view }, null, 2)}\n`
      : renderText(view),
  );
  return status;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`vrlab show: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 2;
    },
  );
}
