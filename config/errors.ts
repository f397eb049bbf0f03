/** One mistake in an experiment: where it is, and a sentence a researcher understands. */
export interface ConfigProblem {
  /** Path inside vrlab:experiment, e.g. `guests[1].interfaces[0].bridge`. */
  path: string;
  /** 1-based line in the stack file, when the YAML gives one. */
  line?: number;
  message: string;
}

/** Every problem of an experiment at once, thrown before any host is touched. */
export class ExperimentConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(
      `${file}: ${problems.length} problem${problems.length === 1 ? "" : "s"} in vrlab:experiment\n` +
        problems.map((p) => `  ${formatProblem(p)}`).join("\n"),
    );
    this.name = "ExperimentConfigError";
  }
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.path || "(experiment)"}${p.line ? ` (line ${p.line})` : ""}: ${p.message}`;
}

/** `["guests", 1, "name"]` → `guests[1].name`. */
export function pathString(segments: (string | number)[]): string {
  return segments.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}
