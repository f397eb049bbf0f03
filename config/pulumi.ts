// The stack's config (the experiment, the run root, the suite's re-run label), validated as a whole
// before any resource is declared. Problems end the program as a pulumi.RunError: the engine prints
// its message once, plainly, without a stack trace.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ExperimentConfigError } from "./errors";
import { EXPERIMENT_KEY, loadStack, parseStackFile, type StackConfig } from "./load";
import { capacityWarnings } from "./semantic";
import { SETTING_KEYS } from "./settings";

/**
 * Reads the stack's vrlab config. The stack file, when present, is parsed too, for the line numbers
 * of problems and for which keys are set as secrets; values the engine was given win over the file.
 */
export function stackConfig(projectDir: string): StackConfig {
  const stack = pulumi.getStack();
  const file = path.join(projectDir, "stacks", `Pulumi.${stack}.yaml`);
  const parsed = fs.existsSync(file)
    ? parseStackFile(path.relative(projectDir, file), fs.readFileSync(file, "utf8"))
    : parseStackFile(`${path.relative(projectDir, file)} (not found)`, "");
  const config = new pulumi.Config("vrlab");
  const raw = config.get("experiment");
  if (raw !== undefined) {
    try {
      parsed.experiment = raw === "" ? raw : JSON.parse(raw);
    } catch {
      parsed.experiment = raw; // A plain string: the schema says what it should be.
    }
  }
  for (const key of SETTING_KEYS) {
    const value = config.get(key.slice("vrlab:".length));
    if (value !== undefined) parsed.settings[key] = value;
  }
  let loaded: StackConfig;
  try {
    loaded = loadStack(parsed, {
      deploy: !pulumi.runtime.isDryRun(),
      owner: `${pulumi.getProject()}-${stack}`,
      projectDir, // where a table's `file` is read from, as the providers do (their cwd)
    });
  } catch (e) {
    if (e instanceof ExperimentConfigError) throw new pulumi.RunError(e.message);
    throw e;
  }
  const local = loaded.experiment.server.connection.kind === "local";
  const warnings = capacityWarnings(loaded.experiment, local ? os.availableParallelism() : undefined);
  if (warnings.length > 0) void pulumi.log.warn(`${EXPERIMENT_KEY}: ${warnings.join("; ")}`);
  return loaded;
}
