// Whether a stack is really gone: `pulumi destroy` cut short by Ctrl-C exits 0 and says "The
// resources in the stack have been deleted" while most of them remain. After a destroy (and before
// `vrlab rm`), this reads the stack's state and scans this machine for the stack's kernel objects.
//
// Usage: cli/destroyed.ts [--rm] STACK, with the stack's `lab` output from before the destroy on
// stdin (empty when it had none). Exits 0 when nothing is left, 1 (saying what and how to finish)
// otherwise, 2 on a usage error.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { leaksOf } from "./leaks";

const repo = path.resolve(__dirname, "..");
const SHOWN = 8; // names listed before "and N more"

interface StateResource {
  urn: string;
  type: string;
}
interface Deployment {
  resources?: StateResource[];
  pending_operations?: { type: string; resource: StateResource }[];
}

export interface Left {
  /** Resources still in state, apart from the root stack and the providers. */
  resources: StateResource[];
  pending: { type: string; resource: StateResource }[];
  /** What the leak scan found on this machine. */
  objects: string[];
}

/** The resources a destroyed stack should no longer hold: all but the root stack and providers. */
export function leftInState(d: Deployment): Pick<Left, "resources" | "pending"> {
  const real = (r: StateResource): boolean =>
    r.type !== "pulumi:pulumi:Stack" && !r.type.startsWith("pulumi:providers:");
  return { resources: (d.resources ?? []).filter(real), pending: d.pending_operations ?? [] };
}

/** `a, b, c and 5 more` */
export function trimmed(items: string[], shown = SHOWN): string {
  const head = items.slice(0, shown).join(", ");
  return items.length > shown ? `${head} and ${items.length - shown} more` : head;
}

/** `netns:Namespace` for `pulumi-nodejs:dynamic/vrlab/netns:Namespace`, `lab:Guest` for `vrlab:lab:Guest`. */
const kind = (type: string): string =>
  type.includes("/") ? (type.split("/").pop() ?? type) : type.split(":").slice(1).join(":");
const nameOf = (urn: string): string => urn.split("::").pop() ?? urn;

/** What is left, one line each; empty when nothing is. */
export function describe(owner: string, left: Left, remote: boolean): string[] {
  const lines: string[] = [];
  const n = left.resources.length;
  if (n > 0) {
    const counts = new Map<string, number>();
    for (const r of left.resources) counts.set(kind(r.type), (counts.get(kind(r.type)) ?? 0) + 1);
    const byKind = [...counts].sort((a, b) => b[1] - a[1]).map(([k, c]) => `${c} ${k}`);
    lines.push(
      `${n} resource${n === 1 ? "" : "s"} left in the stack (${trimmed(byKind, 4)}): ${trimmed(left.resources.map((r) => nameOf(r.urn)))}`,
    );
  }
  if (left.pending.length > 0) {
    const ops = left.pending.map((p) => `${p.type} ${nameOf(p.resource.urn)}`);
    lines.push(`${left.pending.length} operation(s) in flight when the CLI stopped: ${trimmed(ops)}`);
  }
  if (left.objects.length > 0) {
    const where = remote ? "this machine (the lab's server is remote: not scanned)" : "this machine";
    lines.push(
      `${left.objects.length} kernel object(s) of ${owner} left on ${where}: ${trimmed(left.objects)}`,
    );
  }
  return lines;
}

function stackExport(stack: string): Deployment {
  try {
    const out = execFileSync("pulumi", ["stack", "export", "--non-interactive", "--stack", stack], {
      cwd: repo,
      encoding: "utf8",
      maxBuffer: 256 * 2 ** 20,
      stdio: ["ignore", "pipe", "pipe"],
    });
    return (JSON.parse(out) as { deployment?: Deployment }).deployment ?? {};
  } catch (e) {
    const stderr = String((e as { stderr?: string }).stderr ?? "");
    if (/no stack named/.test(stderr)) return {}; // never created, or removed: nothing in state
    throw new Error(`cannot read the state of stack ${stack}: ${stderr.trim() || (e as Error).message}`);
  }
}

/** Whether the lab (its `lab` output from before the destroy) is on another machine than this one. */
export function isRemote(labJson: string): boolean {
  if (labJson.trim() === "") return false; // no lab output: scan here, as for a local lab
  return !(JSON.parse(labJson) as { serverNs?: string }).serverNs;
}

function main(argv: string[]): number {
  const rm = argv[0] === "--rm";
  const [stack, ...extra] = rm ? argv.slice(1) : argv;
  const verb = rm ? "rm" : "destroy";
  if (!stack || extra.length > 0) {
    process.stderr.write("usage: cli/destroyed.ts [--rm] STACK < lab-output.json\n");
    return 2;
  }
  const project = (parse(fs.readFileSync(path.join(repo, "Pulumi.yaml"), "utf8")) as { name: string }).name;
  const owner = `${project}-${stack}`;
  const remote = isRemote(process.stdin.isTTY ? "" : fs.readFileSync(0, "utf8"));
  const left: Left = { ...leftInState(stackExport(stack)), objects: leaksOf(owner) };
  const lines = describe(owner, left, remote);
  const scope = remote ? "this machine (scanned; the lab's remote server was not)" : "this machine";
  if (lines.length === 0) {
    if (!rm)
      process.stderr.write(`vrlab destroy: stack ${stack} is empty, and nothing of it is left on ${scope}\n`);
    return 0;
  }
  const how = rm
    ? [`Destroy it first: scripts/vrlab destroy ${stack}`]
    : [
        `To finish: scripts/vrlab destroy ${stack}`,
        "If the CLI was killed (SIGKILL, OOM, lost terminal), first remove its lock and pending creates:",
        `  scripts/vrlab pulumi cancel --yes --stack ${stack}`,
        `  scripts/vrlab pulumi refresh --yes --clear-pending-creates --stack ${stack}`,
      ];
  process.stderr.write(
    [`vrlab ${verb}: stack ${stack} is not destroyed:`, ...lines.map((l) => `  ${l}`), ...how].join("\n") +
      "\n",
  );
  return 1;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`vrlab: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
