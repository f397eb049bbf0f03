// Looks at the kernel objects a stack owns, for engine tests: what exists, and what leaked.
import { execFileSync } from "node:child_process";

export { leaksOf, links, namespaces } from "../../cli/leaks";

/** Runs a command (no shell) and returns its stdout; throws with stderr when it fails. */
export function cmd(file: string, ...args: string[]): string {
  return execFileSync(file, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 30_000 });
}
