// vrlab's Pulumi program: the experiment in the stack's config (stacks/Pulumi.<stack>.yaml),
// validated as a whole before anything is declared, then stood up as a Testbed.
import * as pulumi from "@pulumi/pulumi";
import { experimentFromStack } from "./config/pulumi";
import { Testbed } from "./components/testbed";

const config = new pulumi.Config("vrlab");
const experiment = experimentFromStack(__dirname);
const testbed = new Testbed("lab", {
  experiment,
  runRoot: config.get("runRoot"),
  suiteRun: config.get("suiteRun"),
});

export const labDirectory = testbed.workspace;
export const nodes = testbed.nodes;
export const lab = testbed.lab;
export const hypervisor = experiment.server.hypervisor;
/** The benchmark suite's results (harness/results.schema.json); `scripts/vrlab report` draws them. */
export const results = testbed.results;
