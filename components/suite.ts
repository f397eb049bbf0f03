// The post-deploy stage: once the whole testbed exists, run the experiment's benchmarks through the
// externally timed harness and export the results. It re-runs only when the lab, the benchmarks, the
// tools or the user's run trigger (`vrlab:suiteRun`) change; a second `up` with nothing changed runs nothing.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { type Experiment } from "../config/model";
import { type CredentialRefs } from "../drivers/types";
import { type LabSpec } from "../harness/types";
import { benchmarkRuns } from "./labSpec";
import { ByPathResource } from "../drivers/byPath";

export interface SuiteArgs {
  experiment: Experiment;
  /** The lab as the harness sees it (components/labSpec.ts). */
  lab: LabSpec;
  /** Where each machine's SSH credentials are (server, timer, generator): secrets' names, not values. */
  auth: Record<string, CredentialRefs | undefined>;
  /** Bump to re-run the suite with nothing else changed. Default: "". */
  runTrigger?: string;
  /** Directory for the raw samples file. Default: `<file backend>/results/<project>-<stack>`. */
  samplesDir?: string;
}

const digest = (x: unknown): string => createHash("sha256").update(JSON.stringify(x)).digest("hex");

/** The vrlab project's root, where harness/main.ts lives. */
const ROOT = path.resolve(__dirname, "..");

class SuiteRun extends ByPathResource {
  declare public readonly results: pulumi.Output<Record<string, unknown>>;
  constructor(name: string, props: pulumi.Inputs, opts: pulumi.CustomResourceOptions) {
    super("suite", { module: "vrlab/bench", type: "Suite" }, name, props, opts);
  }
}

export class Suite extends pulumi.ComponentResource {
  /** The results document (harness/results.schema.json). */
  public readonly results: pulumi.Output<Record<string, unknown>>;

  constructor(name: string, args: SuiteArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vrlab:bench:Suite", name, {}, opts);
    const runs = benchmarkRuns(args.experiment);
    const configDigest = digest(args.experiment);
    // Any change of the experiment (its benchmarks, and the testbed's routes and links) or of the lab
    // (tools included) re-runs the suite; the runs derive from the experiment, so they need no place here.
    const trigger = { lab: args.lab, experiment: configDigest, runTrigger: args.runTrigger ?? "" };
    const runId = digest(trigger).slice(0, 12);
    const samplesDir = args.samplesDir ?? path.join(stateDir(), "results", args.lab.owner);
    const input = {
      lab: args.lab,
      runs,
      runId,
      configDigest,
      samplesFile: path.join(samplesDir, `${runId}.samples.json`),
    };
    const auth = Object.fromEntries(Object.entries(args.auth).filter(([, refs]) => refs !== undefined));
    const run = new SuiteRun(
      `${name}-run`,
      { trigger, input, auth, root: ROOT, results: undefined },
      {
        parent: this,
        // The paper's full sizes take hours on a slow guest; the engine's default would cut them short.
        customTimeouts: { create: "24h", update: "24h" },
      },
    );
    this.results = run.results;
    this.registerOutputs({ results: this.results });
  }
}

/** Beside the stack: the file backend's directory when there is one, else vrlab's state directory. */
function stateDir(): string {
  const backend = process.env.PULUMI_BACKEND_URL ?? "";
  if (backend.startsWith("file://")) return backend.slice("file://".length);
  return process.env.VRLAB_STATE_DIR ?? path.join(os.homedir(), ".local/state/vrlab");
}

/** The compiled tools' directory, resolved so a rebuild (a new hash directory) re-runs the suite. */
export function toolsDir(): string | undefined {
  const dir = process.env.VRLAB_TOOLS_DIR;
  if (!dir || !fs.existsSync(dir)) return undefined;
  return fs.realpathSync(dir);
}
