// vrlab's Pulumi program: the experiment described by the stack's config (stacks/Pulumi.<stack>.yaml).
import * as pulumi from "@pulumi/pulumi";
import { Workspace } from "./components/workspace";

const config = new pulumi.Config("vrlab");
const workspace = new Workspace("lab", { root: config.get("runRoot") });

export const labDirectory = workspace.path;
export const owner = workspace.owner;
