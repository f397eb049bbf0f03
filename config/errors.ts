/** One mistake in a stack's config: where it is, and a sentence a researcher understands. */
export interface ConfigProblem {
  /** Path inside vrlab:experiment, e.g. `guests[1].interfaces[0].bridge`, or a config key (`vrlab:runRoot`). */
  path: string;
  /** 1-based line in the stack file, when the YAML gives one. */
  line?: number;
  message: string;
}

/** A problem before the loader adds its line. */
export type Problem = Omit<ConfigProblem, "line">;

/** Every problem of a stack's config at once, thrown before any host is touched. */
export class ExperimentConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    const n = problems.length;
    super(
      `${file}: ${n} problem${n === 1 ? "" : "s"} in vrlab's config (nothing was touched)\n` +
        problems.map((p) => `  ${formatProblem(p, file)}`).join("\n"),
    );
    this.name = "ExperimentConfigError";
  }
}

const QUOTE_CUT = 80;

/**
 * A value as config messages quote it: JSON-quoted, with every character outside printable ASCII
 * escaped, so a newline or U+202E in a hostile value can neither fake a line nor reorder the report.
 * Long values are cut. Every message that shows a config value uses this.
 */
export function quoted(value: unknown): string {
  if (value === undefined || typeof value === "function" || typeof value === "symbol")
    return `<${typeof value}>`;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean")
    return String(value);
  let text: string;
  if (typeof value === "string") text = JSON.stringify(value.slice(0, QUOTE_CUT));
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = `<${typeof value}>`;
    }
  }
  const long = typeof value === "string" ? value.length > QUOTE_CUT : text.length > QUOTE_CUT;
  const shown = typeof value === "string" ? text : text.slice(0, QUOTE_CUT);
  const safe = shown.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return long ? `${safe}...` : safe;
}

/** A name as lists show it: bare when it is plain name text, else quoted(). */
export function bare(value: unknown): string {
  return typeof value === "string" && /^[A-Za-z0-9_.:-]+$/.test(value) ? value : quoted(value);
}

// Controls, format characters (bidi overrides, zero-width) and line/paragraph separators: a last
// defence, so a message that forgot quoted() still prints as one line in logical order.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;
const visible = (s: string): string =>
  s.replace(INVISIBLE, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`);

/** `path (file:line): message`, the form every config problem is printed in. */
export function formatProblem(p: ConfigProblem, file: string): string {
  const where = p.line ? `${file}:${p.line}` : file;
  return visible(`${p.path || "vrlab:experiment"} (${where}): ${p.message}`);
}

const PLAIN_KEY = /^[A-Za-z0-9_$:-]+$/;

/** `["guests", 1, "name"]` → `guests[1].name`; a key that is not plain text is shown quoted: `server["a\nb"]`. */
export function pathString(segments: (string | number)[]): string {
  return segments
    .map((s, i) =>
      typeof s === "number" ? `[${s}]` : !PLAIN_KEY.test(s) ? `[${quoted(s)}]` : i === 0 ? s : `.${s}`,
    )
    .join("");
}
