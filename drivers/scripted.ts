// A resource realized by three rendered shell scripts on a Target: `apply` (idempotent: it converges
// whatever is there, so a run cut short by SIGINT or SIGKILL is finished by the next up), `read`
// (prints `key=value` lines describing what exists; `present=0` when nothing does) and `delete`
// (idempotent). Unlike pulumi-command, read makes drift visible: refresh records what is really
// there, and the next up re-applies. State keeps scripts and observed key=values, never bulk output.
import * as pulumi from "@pulumi/pulumi";
import { run, runOk } from "../remote/run";
import { parseKeyValues } from "../remote/script";
import { describeTarget, remoteError, tailOf, type Credentials, type Target } from "../remote/types";

export interface Scripts {
  apply: string;
  read: string;
  delete: string;
}

export interface ScriptedArgs {
  /** Where the scripts run. Changing it replaces the resource. */
  target: pulumi.Input<Target>;
  /** SSH key or password; stored as a Pulumi secret. */
  credentials?: pulumi.Input<Credentials>;
  /** Kernel-visible identity (names); changing any replaces the resource, deleting first. */
  identity: pulumi.Input<Record<string, string>>;
  /** What `read` must print once `apply` has run. A difference is drift. */
  want: pulumi.Input<Record<string, string>>;
  scripts: pulumi.Input<Scripts>;
  /** Extra inputs, recorded for the reader of the stack and for `stdinOf`. */
  spec?: pulumi.Input<Record<string, unknown>>;
}

interface State {
  target: Target;
  credentials?: Credentials;
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

function idOf(s: State): string {
  return `${describeTarget(s.target)}:${Object.values(s.identity).join(":")}`;
}

/**
 * The provider is made per resource type so a type can derive its script's stdin (e.g. 100k routes
 * for `ip -batch -`) from its spec at apply time, instead of storing it in state.
 */
export function scriptedProvider(
  stdinOf?: (spec: Record<string, unknown>) => string,
): pulumi.dynamic.ResourceProvider<State, State> {
  const observe = async (s: State): Promise<Record<string, string>> => {
    const r = await runOk(s.target, s.credentials ?? {}, s.scripts.read);
    return parseKeyValues(r.stdout);
  };
  const converge = async (s: State): Promise<Record<string, string>> => {
    const stdin = stdinOf && s.spec ? stdinOf(s.spec) : undefined;
    await runOk(s.target, s.credentials ?? {}, s.scripts.apply, { stdin });
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
    async create(inputs) {
      return { id: idOf(inputs), outs: { ...inputs, observed: await converge(inputs) } };
    },
    async read(id, props) {
      if (!props) throw new Error(`${id}: import is not supported; declare the resource instead`);
      const r = await run(props.target, props.credentials ?? {}, props.scripts.read);
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
      const inputs: State = { ...props };
      delete inputs.observed;
      const found = Object.fromEntries(Object.keys(props.want).map((k) => [k, observed[k] ?? "(nothing)"]));
      return { id, props: { ...props, observed }, inputs: { ...inputs, want: found } };
    },
    async diff(_id, olds, news) {
      const replaces = Object.keys({ ...olds.identity, ...news.identity })
        .filter((k) => olds.identity[k] !== news.identity[k])
        .map((k) => `identity.${k}`);
      if (JSON.stringify(olds.target) !== JSON.stringify(news.target)) replaces.push("target");
      const changed =
        replaces.length > 0 ||
        driftOf(news.want, olds.observed).length > 0 ||
        JSON.stringify([olds.scripts, olds.spec, olds.want]) !==
          JSON.stringify([news.scripts, news.spec, news.want]) ||
        JSON.stringify(olds.credentials) !== JSON.stringify(news.credentials);
      return { changes: changed, replaces, deleteBeforeReplace: true };
    },
    async update(_id, _olds, news) {
      return { outs: { ...news, observed: await converge(news) } };
    },
    async delete(_id, props) {
      await runOk(props.target, props.credentials ?? {}, props.scripts.delete);
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
    super(
      provider,
      name,
      {
        ...args,
        credentials: args.credentials === undefined ? undefined : pulumi.secret(args.credentials),
        observed: undefined,
      },
      { ...opts, additionalSecretOutputs: ["credentials"] },
      `vrlab/${module}`,
      kind,
    );
  }
}
