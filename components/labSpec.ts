// What the benchmark harness is told about the lab: which systems it measures, how to reach each
// one (the driver's exec target for a guest), and the timer and generator. A pure function of the
// experiment, the plan and the drivers' answers, so it is golden-tested without the engine.
import { type Benchmark, type Experiment } from "../config/model";
import { type GuestExec } from "../drivers/types";
import { NATIVE } from "../harness/results";
import { type LabSpec, type MachineSpec } from "../harness/types";
import { type Target } from "../remote/types";
import { type MachinePlan, type LabPlan } from "./plan";

const SCRATCH = "/var/tmp/vrlab";
const host = (cidr: string): string => cidr.split("/")[0];

export function labSpecOf(
  e: Experiment,
  plan: LabPlan,
  guests: Map<string, Omit<GuestExec, "auth">>,
  serverTarget: Target,
  toolsDir: string,
): LabSpec {
  const serverExec = {
    target: plan.serverNs ? { kind: "local" as const, netns: plan.serverNs } : serverTarget,
  };
  const machine = (m: Experiment["timer"], p: MachinePlan | undefined): MachineSpec => ({
    name: m.name,
    exec: {
      target: p?.local
        ? { kind: "local", netns: p.local.ns }
        : m.connection.kind === "ssh"
          ? {
              kind: "ssh",
              host: m.connection.host,
              port: m.connection.port,
              user: m.connection.user,
              hostKey: m.connection.hostKey ?? "",
              dialTimeoutS: m.connection.dialTimeoutS,
            }
          : { kind: "local" },
    },
    address: host(m.nic.address ?? ""),
    ifname: m.nic.name,
    bridge: m.link.bridge,
    scratchDir: `${SCRATCH}/${plan.owner}/${m.name}`,
  });
  const guestSystems = e.guests.flatMap((g) => {
    const exec = guests.get(g.name);
    if (!exec) return [];
    const { scratchDir, target, preamble } = exec;
    return [
      {
        name: g.name,
        exec: preamble === undefined ? { target } : { target, preamble },
        role: g.role,
        vcpus: g.vcpus,
        memoryMiB: g.memoryMiB,
        diskGiB: g.diskGiB,
        addresses: Object.fromEntries(g.interfaces.map((f) => [f.bridge, host(f.address)])),
        ifnames: Object.fromEntries(g.interfaces.map((f) => [f.bridge, f.name])),
        scratchDir,
      },
    ];
  });
  const withAddress = e.bridges.filter((b) => b.address);
  const native = {
    name: NATIVE,
    exec: serverExec,
    role: "native" as const,
    vcpus: e.server.cpus,
    memoryMiB: e.server.memoryMiB,
    diskGiB: 0,
    addresses: Object.fromEntries(withAddress.map((b) => [b.name, host(b.address ?? "")])),
    ifnames: Object.fromEntries(
      withAddress.map((b) => [b.name, plan.bridges.find((x) => x.name === b.name)?.kernel ?? b.name]),
    ),
    scratchDir: `${SCRATCH}/${plan.owner}/${NATIVE}`,
  };
  return {
    owner: plan.owner,
    hypervisor: e.server.hypervisor,
    substrate: e.server.connection.kind === "local" ? "namespaces" : "hardware",
    server: { name: e.server.name, exec: serverExec },
    systems: [...guestSystems, native],
    timer: machine(
      e.timer,
      plan.machines.find((m) => m.role === "timer"),
    ),
    generator: machine(
      e.generator,
      plan.machines.find((m) => m.role === "generator"),
    ),
    toolsDir,
  };
}

/** The systems a benchmark runs on when its `guests` are not given. */
export function defaultSystems(e: Experiment, b: Benchmark): string[] {
  if (b.guests) return b.guests;
  if (b.kind === "forwarding") return e.guests.filter((g) => g.role === "router").map((g) => g.name);
  const guests = e.guests.map((g) => g.name);
  if (b.kind === "fairness") return guests;
  return ["netns", "native"].includes(e.server.hypervisor) ? [...guests, NATIVE] : guests;
}

/**
 * The harness's runs: one per benchmark, its own options apart from the fields every kind has. A
 * forwarding benchmark that compares routing tables becomes one run per table, on its routers.
 */
export function benchmarkRuns(e: Experiment) {
  const common = new Set(["kind", "guests", "repetitions", "routingTables"]);
  return e.benchmarks.flatMap((b, index) => {
    const options = Object.fromEntries(Object.entries(b).filter(([k]) => !common.has(k)));
    const run = { index, kind: b.kind, repetitions: b.repetitions, systems: defaultSystems(e, b), options };
    if (!b.routingTables) return [run];
    return b.routingTables.map((table) => ({
      ...run,
      systems: run.systems.filter((name) => e.guests.find((g) => g.name === name)?.routingTable === table),
      options: { ...options, routingTable: table },
    }));
  });
}
