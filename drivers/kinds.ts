// Every kind of scripted object, by its type token: the pure renderer of its scripts, the params
// whose change makes it another object (replace), and what its apply reads on stdin. Resources keep
// only `kind` and `params` in state; the provider renders the scripts when it runs them, so state
// stays small, a diff shows `count: 1000 → 900` rather than two scripts, and `read` and `delete` of
// an old stack run with today's renderers. A new kind is one renderer and one line here.
import { claimsScripts } from "./claims";
import { cgroupScripts } from "./cgroup";
import { bridgeScripts, namespaceScripts, nicPortScripts, portScripts, type Rendered } from "./linux";
import { type RoutesParams, routesChange, routesScripts, wantedText } from "./routes";
import { shapingScripts } from "./shaping";
import { workspaceScripts } from "./workspace";

export interface ScriptedKind<P> {
  render(params: P): Rendered;
  /** Params naming the kernel object: a change replaces it (deleting first). */
  identity: readonly (keyof P & string)[];
  /** Bytes for apply's stdin, derived from params (e.g. an `ip -batch` route list). */
  stdin?(params: P): string;
  /**
   * Apply's success proves it converged, so no read follows it (`refresh` still reads): for a table
   * of 1M routes, the read after apply would cost a tenth of the install again.
   */
  proven?: boolean;
  /**
   * stdin for the rendered `change` script, which takes the object from the old params to the new
   * ones without reading it, when the old state says what is there; undefined: run apply.
   */
  change?(old: { params: P; observed?: Record<string, string> }, next: P): string | undefined;
}

/** Binds a renderer's params type to its kind's entry (the table itself holds them all). */
const kind = <P>(k: ScriptedKind<P>): ScriptedKind<Record<string, unknown>> =>
  k as unknown as ScriptedKind<Record<string, unknown>>;

export const KINDS: Readonly<Record<string, ScriptedKind<Record<string, unknown>>>> = Object.freeze({
  "lab:Workspace": kind({ render: workspaceScripts, identity: ["dir"] }),
  "lab:Claims": kind({ render: claimsScripts, identity: ["owner"] }),
  "netns:Namespace": kind({ render: namespaceScripts, identity: ["ns"] }),
  "netns:Cgroup": kind({ render: cgroupScripts, identity: ["cgroup"] }),
  "linux:Bridge": kind({ render: bridgeScripts, identity: ["srv", "bridge"] }),
  "linux:NicPort": kind({ render: nicPortScripts, identity: ["srv", "nic"] }),
  "linux:Port": kind({ render: portScripts, identity: ["srv", "hostEnd", "ns", "ifname"] }),
  "linux:Shaping": kind({ render: shapingScripts, identity: ["ns", "dev"] }),
  "linux:Routes": kind<RoutesParams>({
    render: routesScripts,
    identity: ["ns"],
    stdin: (p) => wantedText(p.spec),
    // One `ip -batch` stops at the first route the kernel refuses, and apply feeds it a marker that
    // fails it when the listing or stdin fell short: its success leaves exactly the wanted table.
    proven: true,
    change: routesChange,
  }),
});

/** The kind of a type token, or an error naming the kinds there are. */
export function kindOf(type: string): ScriptedKind<Record<string, unknown>> {
  const k = Object.hasOwn(KINDS, type) ? KINDS[type] : undefined;
  if (!k) throw new Error(`no scripted kind "${type}" (have: ${Object.keys(KINDS).join(", ")})`);
  return k;
}
