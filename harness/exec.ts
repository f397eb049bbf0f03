// Running a script on an Exec: the driver's preamble first (e.g. joining the guest's cgroup), then
// the script, through the remote layer's runner (local, netns or SSH).
import { runOk } from "../remote/run";
import { type Exec, type RunOpts } from "./types";

/** The script as it runs on `exec`: the preamble's lines, then the script. */
export function withPreamble(exec: Exec, script: string): string {
  return exec.preamble ? `${exec.preamble.trimEnd()}\n${script}` : script;
}

/** Runs `script` on `exec`; a non-zero exit rejects with a RemoteError (host, command, code, tail). */
export async function runOn(
  exec: Exec,
  script: string,
  opts: RunOpts,
): Promise<{ stdout: string; stderr: string }> {
  const r = await runOk(exec.target, exec.credentials ?? {}, withPreamble(exec, script), opts);
  return { stdout: r.stdout, stderr: r.stderr };
}
