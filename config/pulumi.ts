// The experiment from the running stack's config, validated before any resource is declared.
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { EXPERIMENT_KEY, loadExperiment, parseStackFile, type StackFile } from "./load";
import { type Experiment } from "./model";

/**
 * Reads vrlab:experiment from stack config. The stack file, when present, is parsed too, for the
 * line numbers of problems and for which keys are set as secrets.
 */
export function experimentFromStack(projectDir: string): Experiment {
  const stack = pulumi.getStack();
  const file = path.join(projectDir, "stacks", `Pulumi.${stack}.yaml`);
  const config = new pulumi.Config("vrlab");
  const raw = config.getObject<unknown>("experiment");
  const parsed: StackFile = fs.existsSync(file)
    ? parseStackFile(path.relative(projectDir, file), fs.readFileSync(file, "utf8"))
    : parseStackFile(`stack ${stack}`, stringify({ config: { [EXPERIMENT_KEY]: raw } }));
  // Config given on the command line wins over the file, as in Pulumi itself.
  if (raw !== undefined) parsed.experiment = raw;
  return loadExperiment(parsed, { deploy: !pulumi.runtime.isDryRun() });
}
