// Where `vrlab show` probes a stack's lab: this machine, or the server the stack's experiment reaches
// over SSH, with its pinned host key and the key or password from the stack's secrets. Secrets are
// read from `pulumi config get` into memory and handed to the SSH runner; never printed or logged.
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { type LabPlan } from "../components/plan";
import { EXPERIMENT_KEY, loadExperiment, parseStackFile } from "../config/load";
import { type Credentials, type Target } from "../remote/types";
import { fullKey } from "../drivers/secrets";

const run = promisify(execFile);
const repo = path.resolve(__dirname, "..");

/** Why the lab cannot be probed before anything is dialled: no config, or a secret that is not set. */
export class TargetError extends Error {}

/** One stack config value, as `pulumi config get --json` gives it; undefined when the key is not set. */
export type ConfigGetter = (key: string) => Promise<unknown>;

/** `pulumi config get --json KEY` on `stack`, through the pulumi on PATH (scripts/env.sh). */
export function pulumiConfig(stack: string): ConfigGetter {
  return async (key) => {
    const args = ["config", "get", "--json", "--non-interactive", `--stack=${stack}`, key];
    try {
      const { stdout } = await run("pulumi", args, { cwd: repo, encoding: "utf8", timeout: 120_000 });
      const v = JSON.parse(stdout) as { value?: string; objectValue?: unknown };
      return v.objectValue ?? v.value;
    } catch (e) {
      const why = ((e as { stderr?: string }).stderr ?? "").trim();
      if (/not found/.test(why)) return undefined;
      throw new TargetError(`cannot read ${key} of stack "${stack}": ${why || (e as Error).message}`);
    }
  };
}

/**
 * The target of the lab's server and its credentials. A lab planned on this machine (it has a server
 * namespace) needs no config; one on a remote server reads the stack's experiment for the connection.
 */
export async function serverTarget(
  stack: string,
  plan: LabPlan,
  get: ConfigGetter = pulumiConfig(stack),
): Promise<{ target: Target; creds: Credentials }> {
  if (plan.serverNs) return { target: { kind: "local" }, creds: {} };
  const raw = await get(EXPERIMENT_KEY);
  let c;
  try {
    const file = parseStackFile(`stack ${stack}`, stringify({ config: { [EXPERIMENT_KEY]: raw } }));
    c = loadExperiment(file, { deploy: false }).server.connection;
  } catch (e) {
    throw new TargetError(`stack "${stack}": its experiment cannot be read: ${(e as Error).message}`);
  }
  if (c.kind === "local") {
    throw new TargetError(
      `stack "${stack}": its lab was planned for a remote server, its experiment is now local`,
    );
  }
  if (!c.hostKey) {
    throw new TargetError(
      `stack "${stack}": server.connection.hostKey is not set; nothing is dialled unverified`,
    );
  }
  const secret = async (name: string | undefined): Promise<string | undefined> => {
    if (!name) return undefined;
    const value = await get(fullKey(name));
    if (typeof value !== "string" || value === "") {
      throw new TargetError(
        `${fullKey(name)} is not set: scripts/vrlab pulumi config set --secret ${fullKey(name)} --stack ${stack} < <key file>`,
      );
    }
    return value;
  };
  const { host, port, user, hostKey, dialTimeoutS } = c;
  return {
    target: { kind: "ssh", host, port, user, hostKey, dialTimeoutS },
    creds: { privateKey: await secret(c.privateKeySecret), password: await secret(c.passwordSecret) },
  };
}
