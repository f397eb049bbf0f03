// A resource realized by three rendered shell scripts on a Target: `apply` (idempotent: it converges
// whatever is there, so a run cut short by SIGINT or SIGKILL is finished by the next up), `read`
// (prints `key=value` lines describing what exists; `present=0` when nothing does) and `delete`
// (idempotent). Unlike pulumi-command, read makes drift visible: refresh records what is really
// there, and the next up re-applies. State keeps scripts and observed key=values, never bulk output.
import * as pulumi from "@pulumi/pulumi";
import { run, runOk } from "../remote/run";
import { parseKeyValues } from "../remote/script";
import { parseHostKey } from "../remote/ssh";
import { describeTarget, remoteError, tailOf, type Target } from "../remote/types";
import { resolveCredentials, type ConfigHolder } from "./secrets";
import { type CredentialRefs } from "./types";

export interface Scripts {
  apply: string;
  read: string;
  delete: string;
}

export interface ScriptedArgs {
  /** Where the scripts run. A new host, port, namespace or cgroup replaces the resource; connection settings do not. */
  target: pulumi.Input<Target>;
  /** The names of the stack secrets holding the SSH key or password (never their values). */
  auth?: CredentialRefs;
  /** Kernel-visible identity (names); changing any replaces the resource, deleting first. */
  identity: pulumi.Input<Record<string, string>>;
  /** What `read` must print once `apply` has run. A difference is drift. */
  want: pulumi.Input<Record<string, string>>;
  scripts: pulumi.Input<Scripts>;
  /** Extra inputs, recorded for the reader of the stack and for `stdinOf`. */
  spec?: pulumi.Input<Record<string, unknown>>;
}

export interface ScriptedState {
  target: Target;
  auth?: CredentialRefs;
  identity: Record<string, string>;
  want: Record<string, string>;
  scripts: Scripts;
  spec?: Record<string, unknown>;
  observed?: Record<string, string>;
  __provider?: string;
}

/** Keys whose observed value differs from the wanted one. */
export function driftOf(
  want: Record<string, string>,
  observed: Record<string, string> | undefined,
): string[] {
  return Object.keys(want).filter((k) => observed?.[k] !== want[k]);
}

/** What a target is: where scripts run. User, host key and dial timeout only say how to get there. */
function placeOf(t: Target): string {
  return t.kind === "local"
    ? JSON.stringify([t.kind, t.netns ?? "", t.cgroup ?? ""])
    : JSON.stringify([t.kind, t.host, t.port]);
}

/** How a target is reached; a host key compares by fingerprint, so its written form does not matter. */
function connectionOf(t: Target, auth: CredentialRefs | undefined): string {
  if (t.kind === "local") return "";
  let key = t.hostKey;
  try {
    key = parseHostKey(t.hostKey).fingerprint;
  } catch {
    // compared as written; the run itself reports a malformed key
  }
  return JSON.stringify([t.user, key, t.dialTimeoutS, auth?.privateKey ?? "", auth?.password ?? ""]);
}

/** Replacing keys and whether anything changed; a connection-only change updates without running. */
export function scriptedDiff(
  olds: ScriptedState,
  news: ScriptedState,
): { replaces: string[]; changes: boolean; rerun: boolean } {
  const replaces = Object.keys({ ...olds.identity, ...news.identity })
    .filter((k) => olds.identity[k] !== news.identity[k])
    .map((k) => `identity.${k}`);
  if (placeOf(olds.target) !== placeOf(news.target)) replaces.push("target");
  const rerun =
    replaces.length > 0 ||
    driftOf(news.want, olds.observed).length > 0 ||
    JSON.stringify([olds.scripts, olds.spec, olds.want]) !==
      JSON.stringify([news.scripts, news.spec, news.want]);
  const changes = rerun || connectionOf(olds.target, olds.auth) !== connectionOf(news.target, news.auth);
  return { replaces, changes, rerun };
}

function idOf(s: ScriptedState): string {
  return `${describeTarget(s.target)}:${Object.values(s.identity).join(":")}`;
}

/**
 * The provider is made per resource type so a type can derive its script's stdin (e.g. 100k routes
 * for `ip -batch -`) from its spec at apply time, instead of storing it in state.
 */
export function scriptedProvider(
  stdinOf?: (spec: Record<string, unknown>) => string,
): pulumi.dynamic.ResourceProvider<ScriptedState, ScriptedState> {
  const holder: ConfigHolder = {};
  const observe = async (s: ScriptedState): Promise<Record<string, string>> => {
    const r = await runOk(s.target, resolveCredentials(s.auth, holder), s.scripts.read);
    return parseKeyValues(r.stdout);
  };
  const converge = async (s: ScriptedState): Promise<Record<string, string>> => {
    const stdin = stdinOf && s.spec ? stdinOf(s.spec) : undefined;
    await runOk(s.target, resolveCredentials(s.auth, holder), s.scripts.apply, { stdin });
    const observed = await observe(s);
    const drift = driftOf(s.want, observed);
    if (drift.length > 0) {
      const lines = drift.map((k) => `${k}: want ${s.want[k]}, found ${observed[k] ?? "(nothing)"}`);
      throw remoteError(
        describeTarget(s.target),
        s.scripts.apply,
        0,
        lines.join("\n"),
        "apply did not converge",
      );
    }
    return observed;
  };
  return {
    async configure(req) {
      holder.config = req.config;
    },
    async create(inputs) {
      return { id: idOf(inputs), outs: { ...inputs, observed: await converge(inputs) } };
    },
    async read(id, props) {
      if (!props) throw new Error(`${id}: import is not supported; declare the resource instead`);
      const r = await run(props.target, resolveCredentials(props.auth, holder), props.scripts.read);
      if (r.code !== 0) {
        throw remoteError(
          describeTarget(props.target),
          props.scripts.read,
          r.code,
          tailOf(r.stdout, r.stderr),
        );
      }
      const observed = parseKeyValues(r.stdout);
      if (observed.present === "0") return { id: "", props }; // gone: refresh drops it, up recreates it
      // Inputs take what was found, so the next preview shows e.g. `want.qdisc: "noqueue" => "tbf"`.
      const inputs: ScriptedState = { ...props };
      delete inputs.observed;
      const found = Object.fromEntries(Object.keys(props.want).map((k) => [k, observed[k] ?? "(nothing)"]));
      return { id, props: { ...props, observed }, inputs: { ...inputs, want: found } };
    },
    async diff(_id, olds, news) {
      const { replaces, changes } = scriptedDiff(olds, news);
      return { changes, replaces, deleteBeforeReplace: true };
    },
    async update(_id, olds, news) {
      // New connection settings alone change nothing on the host: record them, run nothing.
      if (!scriptedDiff(olds, news).rerun) return { outs: { ...news, observed: olds.observed } };
      return { outs: { ...news, observed: await converge(news) } };
    },
    async delete(_id, props) {
      await runOk(props.target, resolveCredentials(props.auth, holder), props.scripts.delete);
    },
  };
}

const plainProvider = scriptedProvider();

/** A scripted resource; `type` becomes part of the type token, e.g. `netns:Namespace`. */
export class Scripted extends pulumi.dynamic.Resource {
  declare public readonly observed: pulumi.Output<Record<string, string>>;
  declare public readonly identity: pulumi.Output<Record<string, string>>;

  constructor(
    type: string,
    name: string,
    args: ScriptedArgs,
    opts?: pulumi.CustomResourceOptions,
    provider: pulumi.dynamic.ResourceProvider = plainProvider,
  ) {
    const [module, kind] = type.split(":");
    super(provider, name, { ...args, observed: undefined }, opts, `vrlab/${module}`, kind);
  }
}
