import * as pulumi from "@pulumi/pulumi";

/**
 * The stack's own run directory on the lab host (pid files, rendered configs, logs).
 * It holds an OWNER file naming the stack, and delete removes it only while that file still
 * names this stack, so a cleanup never touches another stack's directory.
 */
export interface WorkspaceArgs {
  /** Parent directory. Default: /run/vrlab. Changing it replaces the workspace. */
  root?: pulumi.Input<string>;
  /** Owner tag, `<project>-<stack>`. Default: the current project and stack. */
  owner?: pulumi.Input<string>;
}

interface WorkspaceState {
  root: string;
  owner: string;
  path: string;
}

const provider: pulumi.dynamic.ResourceProvider<WorkspaceState, WorkspaceState> = {
  async create(inputs) {
    // Dynamic providers are serialized into state, so each method loads what it needs itself.
    const fs = await import("node:fs/promises");
    const dir = `${inputs.root}/${inputs.owner}`;
    await fs.mkdir(dir, { recursive: true, mode: 0o750 });
    await fs.writeFile(`${dir}/OWNER`, `${inputs.owner}\n`);
    return { id: dir, outs: { ...inputs, path: dir } };
  },
  async read(id, props) {
    if (!props) throw new Error(`vrlab:Workspace ${id}: import is not supported; declare it instead`);
    const fs = await import("node:fs/promises");
    const owner = await fs.readFile(`${id}/OWNER`, "utf8").catch(() => "");
    // Gone, or no longer ours: refresh drops it from state and the next up makes it again.
    if (owner.trim() !== props.owner) return { id: "", props };
    return { id, props, inputs: props };
  },
  async diff(_id, olds, news) {
    const replaces = (["root", "owner"] as const).filter((k) => olds[k] !== news[k]);
    return { changes: replaces.length > 0, replaces, deleteBeforeReplace: true };
  },
  async delete(id, props) {
    const fs = await import("node:fs/promises");
    const owner = await fs.readFile(`${id}/OWNER`, "utf8").catch(() => "");
    if (owner.trim() === props.owner) await fs.rm(id, { recursive: true, force: true });
  },
};

export class Workspace extends pulumi.dynamic.Resource {
  declare public readonly path: pulumi.Output<string>;
  declare public readonly owner: pulumi.Output<string>;
  constructor(name: string, args: WorkspaceArgs = {}, opts?: pulumi.CustomResourceOptions) {
    const owner = args.owner ?? `${pulumi.getProject()}-${pulumi.getStack()}`;
    super(
      provider,
      name,
      { root: args.root ?? "/run/vrlab", owner, path: undefined },
      opts,
      "vrlab",
      "Workspace",
    );
  }
}
