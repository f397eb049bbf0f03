// The harness as a process: the Suite resource (components/suite.ts) starts it with a SuiteInput on
// stdin, reads progress lines on stderr and the results document (one JSON line) on stdout. Keeping
// the suite out of the provider's process keeps Pulumi's serialized provider small.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { benchmarks } from "../benchmarks";
import { script } from "../remote/script";
import { arg } from "../remote/shell";
import { runOn } from "./exec";
import { type Results } from "./results";
import { runSuite, type BenchmarkRun } from "./suite";
import { type Credentials } from "../remote/types";
import { type Exec, type LabSpec } from "./types";

export interface SuiteInput {
  lab: LabSpec;
  runs: BenchmarkRun[];
  runId: string;
  configDigest: string;
  /** Where the raw samples are written (JSON). */
  samplesFile: string;
  /** SSH credentials by machine name (`server`, `timer`, `generator`, or a guest's); guests default to the server's. */
  credentials?: Record<string, Credentials>;
}

/** The lab with each machine's credentials in place (they travel apart from the lab, as a secret). */
export function withCredentials(lab: LabSpec, creds: Record<string, Credentials> = {}): LabSpec {
  const put = <T extends { exec: Exec }>(m: T, name: string, fallback?: string): T => {
    const c = creds[name] ?? (fallback ? creds[fallback] : undefined);
    return c ? { ...m, exec: { ...m.exec, credentials: c } } : m;
  };
  return {
    ...lab,
    server: put(lab.server, "server"),
    timer: put(lab.timer, "timer"),
    generator: put(lab.generator, "generator"),
    systems: lab.systems.map((s) => put(s, s.name, "server")),
  };
}

const TOOLS = "iperf netsniff-ng tcpdump bonnie++ libmpfr6 libgmp10";

async function provenance(lab: LabSpec): Promise<{ kernel: string; tools: Record<string, string> }> {
  const kernel = (await runOn(lab.server.exec, "uname -r", { timeoutMs: 30_000 })).stdout.trim();
  const listed = await runOn(
    lab.generator.exec,
    `dpkg-query -W -f='\${Package}=\${Version}\\n' ${TOOLS} 2>/dev/null || true`,
    { timeoutMs: 30_000 },
  );
  const tools = Object.fromEntries(
    listed.stdout
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => l.split("=", 2) as [string, string]),
  );
  return { kernel, tools: { ...tools, "vrlab-tools": path.basename(path.dirname(lab.toolsDir)) } };
}

/**
 * Every machine's scratch directory, made before the suite and removed after it (ours alone). The
 * suite cannot run without the timer's and the generator's; a system whose directory cannot be made
 * (its guest is gone) is only reported, and its benchmarks fail on their own, each saying why.
 */
export async function scratch(
  lab: LabSpec,
  verb: "make" | "remove",
  progress: (l: string) => void,
): Promise<void> {
  const essential = new Set<object>([lab.timer, lab.generator]);
  for (const m of [lab.timer, lab.generator, ...lab.systems]) {
    // The parent goes too once empty: /var/tmp/vrlab/<owner> holds only this stack's machines.
    const body =
      verb === "make" ? 'mkdir -p "$D"' : 'rm -rf -- "$D"; rmdir "$(dirname "$D")" 2>/dev/null || true';
    try {
      await runOn(m.exec, script({ D: arg("path", m.scratchDir) }, body), { timeoutMs: 60_000 });
    } catch (e) {
      if (verb === "make" && essential.has(m)) throw e;
      progress(`${m.name}: cannot ${verb} ${m.scratchDir}: ${String((e as Error).message).split("\n")[0]}`);
    }
  }
}

export async function main(input: SuiteInput, progress: (line: string) => void): Promise<Results> {
  const startedAt = new Date().toISOString();
  const { kernel, tools } = await provenance(input.lab);
  let outcome;
  try {
    await scratch(input.lab, "make", progress);
    outcome = await runSuite(input.lab, input.runs, benchmarks, progress);
  } finally {
    await scratch(input.lab, "remove", progress);
  }
  fs.mkdirSync(path.dirname(input.samplesFile), { recursive: true });
  fs.writeFileSync(input.samplesFile, `${JSON.stringify(outcome.samples, null, 1)}\n`);
  const cpus = os.cpus();
  return {
    schemaVersion: 1,
    status: outcome.status,
    runId: input.runId,
    provenance: {
      hypervisor: input.lab.hypervisor,
      substrate: input.lab.substrate,
      kernel,
      host: `${cpus.length}× ${cpus[0]?.model ?? "unknown CPU"}`,
      tools,
      configDigest: input.configDigest,
      startedAt,
      finishedAt: new Date().toISOString(),
    },
    samplesFile: input.samplesFile,
    benchmarks: outcome.benchmarks,
  };
}

if (require.main === module) {
  const raw = JSON.parse(fs.readFileSync(0, "utf8")) as SuiteInput & { mode?: "cleanup" };
  const input = { ...raw, lab: withCredentials(raw.lab, raw.credentials) };
  const say = (line: string): boolean => process.stderr.write(`${line}\n`);
  // `cleanup`: what destroy asks for, after a run that was cut short left scratch files behind.
  const work = raw.mode === "cleanup" ? scratch(input.lab, "remove", say).then(() => ({})) : main(input, say);
  work.then(
    (results) => process.stdout.write(`${JSON.stringify(results)}\n`),
    (e: unknown) => {
      process.stderr.write(`vrlab suite: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
