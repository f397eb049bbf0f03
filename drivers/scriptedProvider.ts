// The provider of every scripted object. Each object is a kind (drivers/kinds.ts) and its params:
// `apply` (idempotent: it converges whatever is there, so a run cut short by SIGINT or SIGKILL is
// finished by the next up), `read` (prints `key=value` lines; `present=0` when nothing exists) and
// `delete` (idempotent) are rendered from them here, when they run. Unlike pulumi-command, read makes
// drift visible: refresh records what is really there, and the next up re-applies.
// Loaded by path in the engine's provider process (drivers/byPath.ts), never serialized into state.
import type * as pulumi from "@pulumi/pulumi";
import { run, runOk } from "../remote/run";
import { parseKeyValues } from "../remote/script";
import { parseHostKey } from "../remote/ssh";
import { describeTarget, remoteError, tailOf, type Target } from "../remote/types";
import { kindOf } from "./kinds";
import { resolveCredentials, type ConfigHolder } from "./secrets";
import { type CredentialRefs } from "./types";

/** What state keeps of a scripted object: where it is, its kind and params, and what read saw. */
export interface ScriptedState {
  target: Target;
  auth?: CredentialRefs;
  kind: string;
  params: Record<string, unknown>;
  /** Wanted keys that `read` found otherwise, `found → wanted`; set by refresh, cleared by up. */
  drift?: Record<string, string>;
  observed?: Record<string, string>;
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
  const identity = kindOf(news.kind).identity;
  const replaces = identity
    .filter((k) => JSON.stringify(olds.params?.[k]) !== JSON.stringify(news.params[k]))
    .map((k) => `params.${k}`);
  if (olds.kind !== news.kind) replaces.push("kind");
  if (placeOf(olds.target) !== placeOf(news.target)) replaces.push("target");
  const want = kindOf(news.kind).render(news.params).want;
  const rerun =
    replaces.length > 0 ||
    driftOf(want, olds.observed).length > 0 ||
    JSON.stringify(olds.params) !== JSON.stringify(news.params);
  const changes = rerun || connectionOf(olds.target, olds.auth) !== connectionOf(news.target, news.auth);
  return { replaces, changes, rerun };
}

function idOf(s: ScriptedState): string {
  const k = kindOf(s.kind);
  return `${describeTarget(s.target)}:${k.identity.map((i) => String(s.params[i] ?? "")).join(":")}`;
}

const holder: ConfigHolder = {};
const credentials = (s: ScriptedState) => resolveCredentials(s.auth, holder);

/** What read printed, less `present` (state holds only what exists), to keep per object. */
function kept(printed: Record<string, string>): Record<string, string> {
  const out = { ...printed };
  delete out.present;
  return out;
}

async function observe(s: ScriptedState): Promise<Record<string, string>> {
  const r = await runOk(s.target, credentials(s), kindOf(s.kind).render(s.params).scripts.read);
  return kept(parseKeyValues(r.stdout));
}

async function converge(s: ScriptedState): Promise<Record<string, string>> {
  const k = kindOf(s.kind);
  const { scripts, want } = k.render(s.params);
  await runOk(s.target, credentials(s), scripts.apply, { stdin: k.stdin?.(s.params) });
  if (k.proven) return { ...want }; // its success is the proof (drivers/kinds.ts)
  const observed = await observe(s);
  const drift = driftOf(want, observed);
  if (drift.length > 0) {
    const lines = drift.map((key) => `${key}: want ${want[key]}, found ${observed[key] ?? "(nothing)"}`);
    throw remoteError(describeTarget(s.target), scripts.apply, 0, lines.join("\n"), "apply did not converge");
  }
  return observed;
}

const settle = (s: ScriptedState): ScriptedState => {
  const out = { ...s };
  delete out.drift;
  return out;
};

export const scriptedProvider: pulumi.dynamic.ResourceProvider<ScriptedState, ScriptedState> = {
  async configure(req) {
    holder.config = req.config;
  },
  async create(inputs) {
    return { id: idOf(inputs), outs: { ...settle(inputs), observed: await converge(inputs) } };
  },
  async read(id, props) {
    if (!props) throw new Error(`${id}: import is not supported; declare the resource instead`);
    const { scripts, want } = kindOf(props.kind).render(props.params);
    const r = await run(props.target, credentials(props), scripts.read);
    if (r.code !== 0) {
      throw remoteError(describeTarget(props.target), scripts.read, r.code, tailOf(r.stdout, r.stderr));
    }
    const printed = parseKeyValues(r.stdout);
    if (printed.present === "0") return { id: "", props }; // gone: refresh drops it, up recreates it
    const observed = kept(printed);
    // Inputs record the drift, so the next preview shows e.g. `- drift.qdisc: "noqueue → tbf"`.
    const drift = Object.fromEntries(
      driftOf(want, observed).map((k) => [k, `${observed[k] ?? "(nothing)"} → ${want[k]}`]),
    );
    const inputs = settle(props);
    delete inputs.observed;
    return {
      id,
      props: { ...inputs, observed },
      inputs: Object.keys(drift).length > 0 ? { ...inputs, drift } : inputs,
    };
  },
  async diff(_id, olds, news) {
    const { replaces, changes } = scriptedDiff(olds, news);
    return { changes, replaces, deleteBeforeReplace: true };
  },
  async update(_id, olds, news) {
    // New connection settings alone change nothing on the host: record them, run nothing.
    if (!scriptedDiff(olds, news).rerun) return { outs: { ...settle(news), observed: olds.observed } };
    const k = kindOf(news.kind);
    const stdin = olds.kind === news.kind ? k.change?.(olds, news.params) : undefined;
    const { scripts, want } = k.render(news.params);
    if (stdin !== undefined && scripts.change) {
      // Its success takes the object from what the old state recorded to the new params. It fails
      // when the host held something else (changed since the last read): apply then converges it.
      const r = await run(news.target, credentials(news), scripts.change, { stdin });
      if (r.code === 0) return { outs: { ...settle(news), observed: { ...want } } };
    }
    return { outs: { ...settle(news), observed: await converge(news) } };
  },
  async delete(_id, props) {
    await runOk(props.target, credentials(props), kindOf(props.kind).render(props.params).scripts.delete);
  },
};
