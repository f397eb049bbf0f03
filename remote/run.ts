// The runner's entry points: run a script on a target, or run it and insist that it succeeds.
import { runLocal } from "./local";
import { runSsh } from "./ssh";
import { Credentials, RunOptions, RunResult, Target, describeTarget, remoteError, tailOf } from "./types";

/** Runs `script` on `target`; resolves with any exit status, rejects only if it could not run it. */
export function run(
  target: Target,
  creds: Credentials,
  script: string,
  opts: RunOptions = {},
): Promise<RunResult> {
  return target.kind === "local" ? runLocal(target, script, opts) : runSsh(target, creds, script, opts);
}

/** Like run, but a non-zero exit rejects with a RemoteError naming host, command, code and output tail. */
export async function runOk(
  target: Target,
  creds: Credentials,
  script: string,
  opts: RunOptions = {},
): Promise<RunResult> {
  const r = await run(target, creds, script, opts);
  if (r.code !== 0) throw remoteError(describeTarget(target), script, r.code, tailOf(r.stdout, r.stderr));
  return r;
}
