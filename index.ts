// vrlab's Pulumi program: the experiment in the stack's config (stacks/Pulumi.<stack>.yaml),
// validated as a whole before anything is declared, then stood up as a Testbed.
import { stackConfig } from "./config/pulumi";
import type * as testbedModule from "./components/testbed";

// The config is checked before the lab's modules load, so a mistake in it fails before anything
// else is done.
const { experiment, runRoot, suiteRun } = stackConfig(__dirname);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Testbed } = require("./components/testbed") as typeof testbedModule;
const testbed = new Testbed("lab", { experiment, runRoot, suiteRun });

// The stack's outputs. `results` (harness/results.schema.json; `scripts/vrlab report` draws it) only
// when there are benchmarks: an undefined output would be a warning on every run.
export = {
  labDirectory: testbed.workspace,
  nodes: testbed.nodes,
  lab: testbed.lab,
  hypervisor: experiment.server.hypervisor,
  ...(testbed.results ? { results: testbed.results } : {}),
};
