// Throwaway Pulumi projects and stacks for perf/program.ts: vrlab stacks made from the embedded
// experiment (a stack file under stacks/, as test/support/stack.ts makes them), and the engine's
// floor, an empty JavaScript program in a project of its own. Each has its own file backend.
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { leaksOf, namespaces as namespacesOnHost } from "../cli/leaks";
import { loadExperiment, parseStackFile } from "../config/load";
import { kernelName } from "../config/names";
import { embeddedStackText } from "../test/support/stack";
import { ok, pulumiEnv, root, run, sizeOf, type Run } from "./common-run";

/** The Node processes of a run: the program under the language host, and dynamic providers. */
export function nodeRole(cmdline: string): string | undefined {
  if (/@pulumi\/pulumi\/cmd\/run\b/.test(cmdline)) return "program";
  if (/@pulumi\/pulumi\/cmd\/dynamic-provider\b/.test(cmdline)) return "provider";
  return undefined;
}

/**
 * The embedded experiment without benchmarks, with `guests` routers in its layout: vrN on both
 * bridges at 198.18.1.(10+N)/24 and 198.18.2.(10+N)/24, each with the embedded routers' 1,000-route
 * table. Up to 64 guests (the schema's limit), so .74 at most: the /24 bridges have room. The server's
 * memory grows to 256 MiB per guest (the memory check); the default 4 guests give the embedded stack.
 */
export function stackText(guests = 4): string {
  const doc = parseDocument(embeddedStackText([]));
  const at = ["config", "vrlab:experiment"];
  if (guests === 4) return doc.toString(); // the embedded stack's own guests, the same as generated
  const list = Array.from({ length: guests }, (_, i) => ({
    name: `vr${i + 1}`,
    role: "router",
    routingTable: "rt1k",
    interfaces: [
      { name: "eth0", bridge: "gen", address: `198.18.1.${11 + i}/24` },
      { name: "eth1", bridge: "time", address: `198.18.2.${11 + i}/24` },
    ],
  }));
  doc.setIn([...at, "guests"], doc.createNode(list));
  const memory = Number(doc.getIn([...at, "server", "memoryMiB"]));
  doc.setIn([...at, "server", "memoryMiB"], Math.max(memory, 256 * guests));
  return doc.toString();
}

const project = "vrlab";

/** A vrlab stack on its own file, backend and run root. `dispose` removes all and returns what is left. */
export class BenchStack {
  readonly owner: string;
  readonly file: string;
  readonly backend: string;
  readonly runRoot: string;
  readonly env: NodeJS.ProcessEnv;
  /** The kernel namespaces of its machines: what must exist after `up`. */
  readonly namespaces: string[];
  private created = false;

  constructor(
    readonly name: string,
    text: string,
    private readonly timeoutS: number,
  ) {
    this.owner = `${project}-${name}`;
    this.file = path.join(root, "stacks", `Pulumi.${name}.yaml`);
    // Validate before anything is made: a generated experiment that vrlab refuses fails here.
    const e = loadExperiment(parseStackFile(this.file, text), { deploy: false, owner: this.owner });
    const machines = [e.server, ...e.guests, e.timer, e.generator].map((m) => m.name);
    this.namespaces = machines.map((m) => kernelName(this.owner, m));
    fs.writeFileSync(this.file, text, { flag: "wx" }); // never over a file someone else has
    this.backend = fs.mkdtempSync(path.join(os.tmpdir(), "vrlab-perf-backend-"));
    this.runRoot = fs.mkdtempSync(path.join(os.tmpdir(), "vrlab-perf-run-"));
    this.env = pulumiEnv(this.backend, randomBytes(24).toString("base64"));
  }

  pulumi(args: string[], watch = false, timeoutS = this.timeoutS): Promise<Run> {
    const all = [...args, "--non-interactive", "--stack", this.name];
    return run("pulumi", all, { env: this.env, timeoutS, ...(watch ? { watch: nodeRole } : {}) });
  }

  async init(): Promise<void> {
    ok(`${this.name}: stack init`, await this.pulumi(["stack", "init"], false, 120));
    this.created = true;
    ok(
      `${this.name}: config set`,
      await this.pulumi(["config", "set", "vrlab:runRoot", this.runRoot], false, 120),
    );
  }

  /** `pulumi up --yes --skip-preview ARGS`, watched for memory; then every namespace must exist. */
  async up(what: string, args: string[] = []): Promise<Run> {
    const r = ok(
      `${this.name}: ${what}`,
      await this.pulumi(["up", "--yes", "--skip-preview", ...args], true),
    );
    const have = new Set(namespacesOnHost());
    const missing = this.namespaces.filter((n) => !have.has(n));
    if (missing.length > 0)
      throw new Error(`${this.name}: after ${what}, namespaces missing: ${missing.join(", ")}`);
    return r;
  }

  /** `pulumi destroy --yes --skip-preview`; then nothing of the stack may be left on the machine. */
  async destroy(): Promise<Run> {
    const r = ok(`${this.name}: destroy`, await this.pulumi(["destroy", "--yes", "--skip-preview"]));
    const left = leaksOf(this.owner);
    if (left.length > 0)
      throw new Error(`${this.name}: after destroy, left on the machine: ${left.join(", ")}`);
    return r;
  }

  /** The checkpoint (the stack's state) and the backups directory, in the backend. */
  stateSize(): { state: number; backups: { bytes: number; files: number } } {
    const stacks = path.join(this.backend, ".pulumi", "stacks", project);
    const json = path.join(stacks, `${this.name}.json`);
    const state = sizeOf(fs.existsSync(json) ? json : `${json}.gz`).bytes;
    if (state === 0) throw new Error(`${this.name}: no checkpoint in ${stacks}`);
    return { state, backups: sizeOf(path.join(this.backend, ".pulumi", "backups", project, this.name)) };
  }

  /** Destroys what is left and removes the stack, its file and directories. Returns the problems. */
  async dispose(): Promise<string[]> {
    const problems: string[] = [];
    const t = Math.max(this.timeoutS, 600); // cleanup gets its time even when the steps had little
    if (this.created) {
      // A command stopped by SIGKILL leaves its lock; nothing else uses this backend.
      fs.rmSync(path.join(this.backend, ".pulumi", "locks"), { recursive: true, force: true });
      await this.pulumi(["refresh", "--yes", "--skip-preview", "--clear-pending-creates"], false, t);
      const d = await this.pulumi(["destroy", "--yes", "--skip-preview"], false, t);
      if (d.code !== 0)
        problems.push(`destroy exited ${d.code}: ${d.stderr.trim().split("\n").slice(-5).join(" ")}`);
      const rm = await this.pulumi(["stack", "rm", "--yes", "--force"], false, 120);
      if (rm.code !== 0) problems.push(`stack rm exited ${rm.code}: ${rm.stderr.trim()}`);
    }
    for (const p of [this.file, this.backend, this.runRoot]) fs.rmSync(p, { recursive: true, force: true });
    const left = leaksOf(this.owner);
    if (left.length > 0) problems.push(`left on the machine: ${left.join(", ")}`);
    return problems.map((p) => `${this.name}: ${p}`);
  }
}

/**
 * The engine's floor: an empty JavaScript program (`typescript: false`, so nothing is compiled) in a
 * project of its own under a temporary directory, on the same engine and settings (scripts/env.sh)
 * as vrlab, its node_modules a link to vrlab's, its own file backend and passphrase.
 */
export class Floor {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "vrlab-perf-floor-"));
  readonly env: NodeJS.ProcessEnv;
  private readonly stack = "floor";

  constructor(private readonly timeoutS: number) {
    const backend = path.join(this.dir, "backend");
    fs.mkdirSync(backend);
    const yaml = "name: floor\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.js\n";
    fs.writeFileSync(path.join(this.dir, "Pulumi.yaml"), yaml);
    fs.writeFileSync(path.join(this.dir, "package.json"), '{ "name": "floor", "main": "index.js" }\n');
    fs.writeFileSync(path.join(this.dir, "index.js"), '"use strict";\n// An empty program.\n');
    fs.symlinkSync(path.join(root, "node_modules"), path.join(this.dir, "node_modules"));
    this.env = pulumiEnv(backend, randomBytes(24).toString("base64"));
  }

  pulumi(args: string[], watch = false): Promise<Run> {
    const all = [...args, "--non-interactive", "--stack", this.stack];
    const o = { cwd: this.dir, env: this.env, timeoutS: this.timeoutS };
    return run("pulumi", all, watch ? { ...o, watch: nodeRole } : o);
  }

  /** Makes the stack and its one resource (the stack itself), so that every timed `up` changes nothing. */
  async init(): Promise<void> {
    ok("floor: stack init", await this.pulumi(["stack", "init"]));
    ok("floor: first up", await this.pulumi(["up", "--yes", "--skip-preview"]));
  }

  async preview(): Promise<Run> {
    return ok("floor: preview", await this.pulumi(["preview"]));
  }

  async up(): Promise<Run> {
    return ok("floor: up", await this.pulumi(["up", "--yes", "--skip-preview", "--expect-no-changes"], true));
  }

  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
