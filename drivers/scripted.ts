// A scripted object as a Pulumi resource: its kind (the type token, e.g. `netns:Namespace`), its
// params, and where it is. The scripts that realize it are rendered by its kind (drivers/kinds.ts)
// in the provider (drivers/scriptedProvider.ts), which is loaded by path, so state keeps only these
// small inputs and what `read` observed.
import * as pulumi from "@pulumi/pulumi";
import { type Target } from "../remote/types";
import { ByPathResource } from "./byPath";
import { kindOf } from "./kinds";
import { type CredentialRefs } from "./types";

export interface ScriptedArgs {
  /** Where the scripts run. A new host, port, namespace or cgroup replaces the object; connection settings do not. */
  target: pulumi.Input<Target>;
  /** The names of the stack secrets holding the SSH key or password (never their values). */
  auth?: CredentialRefs;
  /** What the kind's renderer takes; the kind's identity params name the kernel object. */
  params: Record<string, unknown>;
}

export class Scripted extends ByPathResource {
  declare public readonly observed: pulumi.Output<Record<string, string>>;
  declare public readonly params: pulumi.Output<Record<string, unknown>>;

  constructor(kind: string, name: string, args: ScriptedArgs, opts?: pulumi.CustomResourceOptions) {
    // Rendering once here refuses a bad value at preview, before anything runs.
    kindOf(kind).render(args.params);
    const [module, type] = kind.split(":");
    super(
      "scripted",
      { module: `vrlab/${module}`, type },
      name,
      { ...args, kind, observed: undefined },
      opts,
    );
  }
}
