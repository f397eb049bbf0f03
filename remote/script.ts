// Script rendering shared by every layer that runs shell: a constant body (trusted code) preceded
// by variable assignments whose values are checked against an allow-list and quoted (shell.ts).
// Bodies only ever expand "$VARS" inside double quotes, so no config value is parsed as shell code.
import { type SafeArg } from "./shell";

const VAR = /^[A-Z][A-Z0-9_]*$/;

/** The variable that holds the line being run; see track. */
export const AT = "_at";
/**
 * Reports a failed script's line on its last stderr line (types.ts parses it back). The line comes
 * from the `_at=N;` trackers: Debian's dash, which runs local scripts, has neither $LINENO nor an
 * ERR trap, and over SSH the login shell (bash, usually) runs them, so only a tracker works in both.
 */
export const FAILED_TRAP = `trap '_s=$?; [ "$_s" = 0 ] || echo "vrlab: script failed at line \${${AT}:-?} (exit $_s)" >&2' EXIT`;

/** `set -eu`, the EXIT trap, one `NAME='value'` line per variable (empty when undefined), then the body. */
export function script(vars: Record<string, SafeArg | undefined>, body: string): string {
  const lines = Object.entries(vars).map(([k, v]) => {
    if (!VAR.test(k)) throw new TypeError(`script: bad variable name ${JSON.stringify(k)}`);
    return `${k}=${v === undefined ? "" : v.toString()}`;
  });
  const head = ["set -eu", FAILED_TRAP, ...lines];
  const text = body.trim().split("\n");
  return [...head, ...(track(text, head.length + 1) ?? text), ""].join("\n");
}

// Words after which a tracker cannot stand: they continue a compound command begun on an earlier line.
const CONTINUES = /^(then|do|done|else|elif|fi|esac|in|\}|\)|;;|&&|\|\||\|)(\s|;|$)/;
// Lines left untracked: a one-line function definition (it cannot fail), and any line reading `$?`
// (the tracker's assignment would reset it).
const UNTRACKED = /^[A-Za-z_]\w*\(\)\s*\{.*\}$|\$\?/;

/**
 * Prefixes each line that starts a command with `_at=N; `, N being its line in the rendered script
 * (the body's first line is `first`). Lines inside quotes, here-documents, `$(...)`, `( )`, `case`,
 * a command continued from the line before, and UNTRACKED ones are left alone. Returns undefined (the
 * body then stays as written) if the scanner loses track, e.g. on unbalanced quotes or parentheses.
 */
export function track(lines: string[], first: number): string[] | undefined {
  const stack: string[] = []; // open contexts: ' " ` ( {
  const heredocs: { word: string; strip: boolean }[] = [];
  let caseDepth = 0;
  let continued = false;
  const out: string[] = [];
  for (const [i, line] of lines.entries()) {
    if (heredocs.length) {
      const { word, strip } = heredocs[0];
      if ((strip ? line.replace(/^\t+/, "") : line) === word) heredocs.shift();
      out.push(line);
      continue;
    }
    const t = line.trim();
    const starts = !stack.length && !caseDepth && !continued && t !== "" && !t.startsWith("#");
    out.push(starts && !CONTINUES.test(t) && !UNTRACKED.test(t) ? `${AT}=${first + i}; ${line}` : line);
    let word = "";
    let code = ""; // the line outside comments, for its last operator
    for (let j = 0; j < line.length; j++) {
      const c = line[j];
      const top = stack[stack.length - 1];
      if (top === "'") {
        if (c === "'") stack.pop();
        continue;
      }
      if (c === "\\") {
        if (j === line.length - 1 && top !== '"' && top !== "`") code += c;
        j++;
        continue;
      }
      if (top === '"' || top === "`") {
        if (c === top) stack.pop();
        else if (c === "`" && top === '"') stack.push("`");
        else if (c === "$" && line[j + 1] === "(") {
          stack.push("(");
          j++;
        }
        continue;
      }
      // Code: top level, or inside $( ), ( ) or ${ }.
      if (/[\w-]/.test(c)) word += c;
      else {
        if (!stack.length && word === "case") caseDepth++;
        if (!stack.length && word === "esac") caseDepth--;
        if (c === "#" && word === "" && /^$|[\s;&|()]/.test(line[j - 1] ?? "")) break; // a comment
        word = "";
      }
      code += c;
      if (c === "'" || c === '"' || c === "`") stack.push(c);
      else if (c === "(") stack.push("(");
      else if (c === "$" && line[j + 1] === "{") {
        stack.push("{");
        code += line[++j];
      } else if (c === ")" || c === "}") {
        if (top === (c === ")" ? "(" : "{")) stack.pop();
        else if (c === ")" && !(caseDepth > 0 && !stack.length)) return undefined;
      } else if (c === "<" && line[j + 1] === "<" && line[j + 2] !== "<") {
        const m = /^<<(-?)\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\2/.exec(line.slice(j));
        if (m) {
          heredocs.push({ word: m[3], strip: m[1] === "-" });
          j += m[0].length - 1;
        }
      }
    }
    if (!stack.length && word === "case") caseDepth++;
    if (!stack.length && word === "esac") caseDepth--;
    if (caseDepth < 0) return undefined;
    continued = /(\\|\||&&)\s*$/.test(code);
  }
  return stack.length || heredocs.length || caseDepth ? undefined : out;
}

/**
 * `running PID`: the process exists and is not a zombie. Once a detached process has exited, its
 * files are complete; an init that reaps slowly (one second, in some sandboxes) must not count.
 */
export const RUNNING = `running() { [ -e "/proc/$1" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]; }`;

/** Parses the `key=value` lines a script prints; other lines are ignored, so scripts may log. */
export function parseKeyValues(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split("\n")) {
    const m = /^([A-Za-z][A-Za-z0-9_.]*)=(.*)$/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}
