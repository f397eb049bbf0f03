// What the harness is told about the lab (components/labSpec.ts), golden; which systems each
// benchmark runs on; and the results table.
import * as fs from "node:fs";
import * as path from "node:path";
import { benchmarkRuns, labSpecOf } from "../../components/labSpec";
import { planLab } from "../../components/plan";
import { loadExperiment, parseStackFile } from "../../config/load";
import { netnsGuestExec } from "../../drivers/netns";
import { resultsTable } from "../../report/table";
import { type Results } from "../../report/types";

const load = (stack: string) => {
  const file = path.resolve(__dirname, `../../stacks/Pulumi.${stack}.yaml`);
  return loadExperiment(parseStackFile(file, fs.readFileSync(file, "utf8")), { deploy: false });
};

test("the embedded lab as the harness sees it: guests in their namespace and cgroup, native on the server", () => {
  const e = load("embedded");
  const plan = planLab(e, "vrlab-embedded");
  const local = { target: { kind: "local" as const }, owner: "vrlab-embedded" };
  const execs = new Map(plan.guests.map((g) => [g.name, netnsGuestExec(local, g.kernel)]));
  const lab = labSpecOf(e, plan, execs, local.target, "/opt/vrlab/tools/bin");
  expect(lab.systems.map((s) => [s.name, s.role, s.exec.target, s.addresses.time, s.scratchDir])).toEqual([
    [
      "vr1",
      "router",
      { kind: "local", netns: "vvrqmzgv6-vr1", cgroup: "vvrqmzgv6-vr1" },
      "198.18.2.11",
      "/var/tmp/vrlab/vvrqmzgv6-vr1",
    ],
    [
      "vr2",
      "router",
      { kind: "local", netns: "vvrqmzgv6-vr2", cgroup: "vvrqmzgv6-vr2" },
      "198.18.2.12",
      "/var/tmp/vrlab/vvrqmzgv6-vr2",
    ],
    [
      "vr3",
      "router",
      { kind: "local", netns: "vvrqmzgv6-vr3", cgroup: "vvrqmzgv6-vr3" },
      "198.18.2.13",
      "/var/tmp/vrlab/vvrqmzgv6-vr3",
    ],
    [
      "vr4",
      "router",
      { kind: "local", netns: "vvrqmzgv6-vr4", cgroup: "vvrqmzgv6-vr4" },
      "198.18.2.14",
      "/var/tmp/vrlab/vvrqmzgv6-vr4",
    ],
    [
      "native",
      "native",
      { kind: "local", netns: "vvrqmzgv6-server" },
      "198.18.2.1",
      "/var/tmp/vrlab/vrlab-embedded/native",
    ],
  ]);
  expect(lab).toMatchSnapshot();
});

test("default systems: every guest and native for host benchmarks, routers for forwarding, guests for fairness", () => {
  const runs = benchmarkRuns(load("embedded"));
  expect(runs.map((r) => [r.kind, r.systems.join(" ")])).toEqual([
    ["superpi", "vr1 vr2 vr3 vr4 native"],
    ["masr", "vr1 vr2 vr3 vr4 native"],
    ["bonnie", "vr1 native"],
    ["zfg", "vr1 native"],
    ["iperf-udp", "vr1 vr2 vr3 vr4 native"],
    ["iperf-udp", "vr1 vr2 vr3 vr4 native"],
    ["fairness", "vr1 vr2 vr3 vr4"],
    ["forwarding", "vr1 vr2 vr3 vr4"],
  ]);
  expect(runs[0].options).toEqual({ digitsLog2: 18 });
});

test("a forwarding benchmark across routing tables runs once per table, on the routers that carry it", () => {
  const runs = benchmarkRuns(load("xen-routes"));
  expect(runs.map((r) => [r.index, r.systems, r.options.routingTable, r.options.sweep])).toEqual([
    [0, ["vr1"], "rt1k", [1]],
    [0, ["vr2"], "rt10k", [1]],
    [0, ["vr3"], "rt100k", [1]],
  ]);
});

test("the results table shows the headline metrics, and a failed benchmark with its reason and tail", () => {
  const r = JSON.parse(
    fs.readFileSync(path.resolve(__dirname, "../fixtures/results/embedded.json"), "utf8"),
  ) as Results;
  expect(resultsTable(r)).toMatchSnapshot();
});
