// The vrlab config keys besides the experiment: where the run directory goes, and the suite's re-run
// label. Checked with the same allow-list the run directory's scripts use (remote/shell.ts), so a run
// root that passes here cannot fail in a driver.
import { check } from "../remote/shell";
import { quoted, type Problem } from "./errors";
import schemaJson from "./experiment.schema.json";

export const RUN_ROOT_KEY = "vrlab:runRoot";
export const SUITE_RUN_KEY = "vrlab:suiteRun";
/** The keys read here; every other vrlab key but the experiment is a secret. */
export const SETTING_KEYS = [RUN_ROOT_KEY, SUITE_RUN_KEY];
export const DEFAULT_RUN_ROOT = "/run/vrlab";

const suiteRunSchema = schemaJson.properties.config.properties[SUITE_RUN_KEY];
const SUITE_RUN = new RegExp(suiteRunSchema.pattern, "u");

export interface Settings {
  /** Parent of the stack's run directory, `<runRoot>/<owner>`. */
  runRoot: string;
  /** Bumped to re-run the benchmark suite with nothing else changed. */
  suiteRun?: string;
}

const passes = (kind: "path", value: string): boolean => {
  try {
    check(kind, value);
    return true;
  } catch {
    return false;
  }
};

/** Pulumi hands config values to the program as text; a YAML number in the file means the same. */
const asText = (v: unknown): unknown => (typeof v === "number" || typeof v === "boolean" ? String(v) : v);

export function checkSettings(
  values: Record<string, unknown>,
  owner?: string,
): Settings & { problems: Problem[] } {
  const problems: Problem[] = [];
  const root = asText(values[RUN_ROOT_KEY]);
  let runRoot = DEFAULT_RUN_ROOT;
  if (root !== undefined && root !== null && root !== "") {
    if (typeof root !== "string" || !passes("path", root)) {
      problems.push({
        path: RUN_ROOT_KEY,
        message: `${quoted(root)} is not a run root: it must be an absolute path of letters, digits, '.', '_', '-' and '/', with no '..' segment`,
      });
    } else {
      runRoot = root;
      const dir = `${root}/${owner ?? ""}`;
      if (owner !== undefined && !passes("path", dir))
        problems.push({
          path: RUN_ROOT_KEY,
          message: `the stack's run directory ${quoted(dir)} would be ${dir.length} characters, more than the 256 vrlab allows: choose a shorter run root`,
        });
    }
  }
  const label = asText(values[SUITE_RUN_KEY]);
  let suiteRun: string | undefined;
  if (label !== undefined && label !== null) {
    if (typeof label !== "string" || label.length > suiteRunSchema.maxLength || !SUITE_RUN.test(label)) {
      problems.push({
        path: SUITE_RUN_KEY,
        message: `${quoted(label)} is not a re-run label: it must be text on one line, at most ${suiteRunSchema.maxLength} characters`,
      });
    } else suiteRun = label;
  }
  return { runRoot, suiteRun, problems };
}
