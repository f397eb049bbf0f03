// vrlab's Pulumi program: the experiment in the stack's config (stacks/Pulumi.<stack>.yaml),
// validated as a whole before anything is declared, then stood up as a Testbed.
import { stackConfig } from "./config/pulumi";
import type * as testbedModule from "./components/testbed";

// The config is checked before the lab's modules load (ts-node compiles them for ~20 s), so a
// mistake in it fails in seconds.
const { experiment, runRoot, suiteRun } = stackConfig(__dirname);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Testbed } = require("./components/testbed") as typeof testbedModule;
const testbed = new Testbed("lab", { experiment, runRoot, suiteRun });

export const labDirectory = testbed.workspace;
export const nodes = testbed.nodes;
export const lab = testbed.lab;
export const hypervisor = experiment.server.hypervisor;
/** The benchmark suite's results (harness/results.schema.json); `scripts/vrlab report` draws them. */
export const results = testbed.results;
