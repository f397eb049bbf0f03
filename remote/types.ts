// Remote execution: the bottom layer. A runner runs one shell script on one host and returns its
// exit status and output. The runners (types, local, ssh, run) are captured by value into Pulumi
// dynamic providers, so they keep to plain functions and data: no classes extending Error, no
// Symbols, no #private fields, no module-level mutable state. shell.ts renders scripts on the program
// side only.

/** Where a script runs: this machine (optionally inside a network namespace), or over SSH. */
export type Target =
  | {
      kind: "local";
      netns?: string;
      /** A cgroup (name under each controller's hierarchy) the script joins first, from the host's view. */
      cgroup?: string;
    }
  | {
      kind: "ssh";
      host: string;
      port: number;
      user: string;
      /** `ssh-ed25519 AAAA...` (as in known_hosts) or `SHA256:...`; required: keys are always verified. */
      hostKey: string;
      dialTimeoutS: number;
    };

/** Secret half of a target. Comes from Pulumi secrets; never logged, never in an error. */
export interface Credentials {
  privateKey?: string;
  password?: string;
}

export interface RunOptions {
  /** Bytes for the script's standard input (e.g. an `ip -batch -` route list). */
  stdin?: string;
  /** The script is killed (locally) or its channel closed (SSH) after this long. Default 120 s. */
  timeoutMs?: number;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A script's failure: which host, which script, its exit status, and the tail of its output. */
export interface RemoteError extends Error {
  host: string;
  command: string;
  code: number;
  tail: string;
}

export const DEFAULT_TIMEOUT_MS = 120_000;
const TAIL_LINES = 20;

/** The last lines of a script's combined output, for error messages. */
export function tailOf(stdout: string, stderr: string, lines = TAIL_LINES): string {
  return `${stdout}${stdout && stderr ? "\n" : ""}${stderr}`.trimEnd().split("\n").slice(-lines).join("\n");
}

/** The name a target is known by in messages: `local`, `local netns X`, `ssh root@198.18.0.10:22`. */
export function describeTarget(t: Target): string {
  if (t.kind === "local") {
    return `local${t.netns ? ` netns ${t.netns}` : ""}${t.cgroup ? ` cgroup ${t.cgroup}` : ""}`;
  }
  return `ssh ${t.user}@${t.host}:${t.port}`;
}

/** The line the EXIT trap of a rendered script prints when it fails (remote/script.ts FAILED_TRAP). */
const FAILED = /^vrlab: script failed at line (\d+|\?) \(exit \d+\)$/;

/** Builds a RemoteError (a plain Error with fields, so it survives dynamic-provider serialization). */
export function remoteError(
  host: string,
  command: string,
  code: number,
  tail: string,
  why?: string,
): RemoteError {
  const lines = tail.split("\n");
  const marker = lines.map((l) => FAILED.exec(l)?.[1]).filter((n) => n !== undefined && n !== "?");
  const shownTail = lines.filter((l) => !FAILED.test(l)).join("\n");
  const failed = marker.length ? Number(marker[marker.length - 1]) : undefined;
  const { shown, values } = summarize(command, failed);
  const e = new Error(
    `${host}: ${why ?? `exit ${code}`} running \`${shown}\`${values}${shownTail ? `\n--- output tail ---\n${shownTail}` : ""}`,
  ) as RemoteError;
  e.name = "RemoteError";
  e.host = host;
  e.command = command;
  e.code = code;
  e.tail = shownTail;
  return e;
}

/**
 * A rendered script, told briefly: the command that failed (line `failed`, as its EXIT trap reported
 * it), else its first command past the preamble (`set -eu`, the trap, the quoted `NAME='value'`
 * assignments, helper functions, comments); and the assigned values, which say which object it was
 * about.
 */
function summarize(command: string, failed?: number): { shown: string; values: string } {
  const raw = command.split("\n");
  const lines = raw.map((l) => l.trim());
  const assignments = lines.filter((l) => /^[A-Z][A-Z0-9_]*=/.test(l));
  let inFunction = false; // a helper function's body spans lines up to its `}`
  const preamble = (l: string): boolean => {
    if (inFunction) return ((inFunction = l !== "}"), true);
    const fn = /^(_at=\d+; )?[a-z_]+\(\) \{/.test(l);
    inFunction = fn && !l.endsWith("}");
    return (
      fn ||
      l === "" ||
      l.startsWith("#") ||
      l === "set -eu" ||
      l.startsWith("trap ") ||
      /^[A-Z][A-Z0-9_]*=/.test(l)
    );
  };
  // Only a line that carries its own tracker: `command` may not be the script that ran (a wrapper).
  const at = failed === undefined ? undefined : raw[failed - 1]?.trim();
  const prefix = `_at=${failed}; `;
  const first = at?.startsWith(prefix)
    ? at.slice(prefix.length).trim()
    : (lines.find((l) => !preamble(l)) ?? lines.find((l) => l !== "") ?? "").replace(/^_at=\d+; /, "");
  const shown = first.length > 120 ? `${first.slice(0, 120)}...` : first;
  const values = assignments.join(" ");
  return { shown, values: values ? ` (${values.length > 200 ? `${values.slice(0, 200)}...` : values})` : "" };
}
