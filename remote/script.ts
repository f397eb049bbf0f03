// Script rendering shared by every layer that runs shell: a constant body (trusted code) preceded
// by variable assignments whose values are checked against an allow-list and quoted (shell.ts).
// Bodies only ever expand "$VARS" inside double quotes, so no config value is parsed as shell code.
import { type SafeArg } from "./shell";

const VAR = /^[A-Z][A-Z0-9_]*$/;

/** `set -eu`, one `NAME='value'` line per variable (empty when undefined), then the body. */
export function script(vars: Record<string, SafeArg | undefined>, body: string): string {
  const lines = Object.entries(vars).map(([k, v]) => {
    if (!VAR.test(k)) throw new TypeError(`script: bad variable name ${JSON.stringify(k)}`);
    return `${k}=${v === undefined ? "" : v.toString()}`;
  });
  return ["set -eu", ...lines, body.trim(), ""].join("\n");
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
