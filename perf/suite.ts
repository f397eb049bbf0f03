// How faithful is the benchmark harness? Measured on a stack that is up (default: embedded), each
// against the strongest baseline in the same run:
//   - the external timer's overhead: `sleep D` timed through vrmark and the timer's capture, against D;
//     beside it, `true` timed the same way (the cost of running any command here) and the external
//     time minus the in-guest one (what the markers and capture add beyond the command);
//   - each network module against iperf run by hand on the same link (same namespaces, same addresses,
//     no cgroup, no harness): iperf-udp tx and rx, and fairness with one VM;
//   - the traffic generator: the rate the forwarding module really offered at 130 kp/s, against 130.
//
//   scripts/vrlab perf suite [--reps N] [--seconds S]      (the embedded stack must be up)
//
// Writes perf/results/suite.json (raw values, medians, ratios) and prints a table.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { benchmarks } from "../benchmarks";
import { parseIperfUdpServerCsv } from "../benchmarks/parse/iperf";
import { labSpecOf } from "../components/labSpec";
import { planLab } from "../components/plan";
import { loadExperiment, parseStackFile } from "../config/load";
import { netnsGuestExec } from "../drivers/netns";
import { makeContext } from "../harness/context";
import { scratch } from "../harness/main";
import { arg, sh } from "../remote/shell";
import { type BenchContext, type LabSpec, type SystemSpec } from "../harness/types";
import { intFlags, machineInfo, median, round, writeResult } from "./common";

const root = path.resolve(__dirname, "..");
const STACK = "embedded";
const SLEEPS = [0.1, 0.5, 1.0];

function labOf(stack: string): LabSpec {
  const file = path.join(root, "stacks", `Pulumi.${stack}.yaml`);
  const e = loadExperiment(parseStackFile(file, fs.readFileSync(file, "utf8")), { deploy: false });
  const plan = planLab(e, `vrlab-${stack}`);
  const local = { target: { kind: "local" as const }, owner: "vrlab-embedded" };
  const execs = new Map(plan.guests.map((g) => [g.name, netnsGuestExec(local, g.kernel)]));
  const tools = fs.realpathSync(process.env.VRLAB_TOOLS_DIR ?? "/nonexistent");
  const missing = [plan.serverNs, ...plan.guests.map((g) => g.kernel)].filter(
    (n) => !fs.existsSync(`/run/netns/${n}`),
  );
  if (missing.length)
    throw new Error(`stack ${stack} is not up (no ${missing.join(", ")}): scripts/vrlab up ${stack}`);
  return labSpecOf(e, plan, execs, local.target, tools);
}

const nsOf = (s: { exec: { target: { kind: string; netns?: string } } }): string =>
  s.exec.target.kind === "local" ? (s.exec.target.netns ?? "") : "";

/** iperf2 by hand: a server in `to`, a client in `from`; the goodput the server received. */
function handIperf(from: string, to: string, toAddr: string, seconds: number): number {
  // Values reach the shell only checked and quoted (remote/shell.ts), as everywhere else.
  const [FROM, ADDR, T, LIMIT] = [
    arg("ifname", from),
    arg("ipv4", toAddr),
    arg("uint", seconds),
    arg("uint", seconds + 5),
  ];
  const script = sh`iperf -s -u -B ${ADDR} -p 5999 -y C -w 4M -t ${LIMIT} > /tmp/vrlab-perf-iperf.$$ 2>&1 & s=$!; sleep 0.5
ip netns exec ${FROM} iperf -c ${ADDR} -p 5999 -u -l 1472 -b 957000000 -t ${T} -y C >/dev/null
wait $s; cat /tmp/vrlab-perf-iperf.$$; rm -f /tmp/vrlab-perf-iperf.$$`;
  const out = execFileSync("timeout", [String(seconds + 30), "ip", "netns", "exec", to, "sh", "-c", script], {
    encoding: "utf8",
  });
  return parseIperfUdpServerCsv(out).goodputMbps;
}

async function main(): Promise<void> {
  const o = intFlags(
    process.argv.slice(2),
    { reps: { flag: "--reps", value: 5, max: 100 }, seconds: { flag: "--seconds", value: 5, max: 600 } },
    "perf/suite.ts [--reps N] [--seconds S]",
  );
  const load = os.loadavg()[0];
  const lab = labOf(STACK);
  const ctx = makeContext(lab, (l) => process.stderr.write(`${l}\n`));
  await scratch(lab, "make", (l) => process.stderr.write(`${l}\n`));
  try {
    await measure(ctx, lab, o.reps, o.seconds, load);
  } finally {
    await scratch(lab, "remove", (l) => process.stderr.write(`${l}\n`));
  }
}

async function measure(
  ctx: BenchContext,
  lab: LabSpec,
  reps: number,
  seconds: number,
  load: number,
): Promise<void> {
  const o = { reps, seconds };
  const vr1 = lab.systems.find((s) => s.name === "vr1") as SystemSpec;
  const gen = lab.generator;

  // Total overhead (external − D), what the harness adds beyond the system's own clock (external −
  // in-guest), and the floor of running any command here: `true`, timed the same way.
  const overhead: Record<string, number[]> = {};
  const beyondGuest: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < o.reps; i++) {
    const [t] = await ctx.timed([vr1], "true", { timeoutMs: 30_000 });
    floor.push(t.externalS * 1000);
  }
  for (const d of SLEEPS) {
    overhead[d] = [];
    for (let i = 0; i < o.reps; i++) {
      const [t] = await ctx.timed([vr1], `sleep ${d}`, { timeoutMs: 30_000 });
      overhead[d].push((t.externalS - d) * 1000);
      beyondGuest.push((t.externalS - t.inGuestS) * 1000);
    }
  }

  const run = async (kind: string, options: Record<string, unknown>, systems: SystemSpec[]) => {
    const m = benchmarks.get(kind);
    await m.prepare(ctx, systems, options);
    try {
      return await m.run(ctx, systems, options, 1);
    } finally {
      await m.cleanup(ctx, systems, options);
    }
  };
  const value = (
    samples: { metric: string; system: string; value: number }[],
    metric: string,
    system: string,
  ) => samples.find((s) => s.metric === metric && s.system === system)?.value ?? NaN;
  const cases = {
    tx: { vrlab: [] as number[], hand: [] as number[] },
    rx: { vrlab: [] as number[], hand: [] as number[] },
    fairness1: { vrlab: [] as number[], hand: [] as number[] },
  };
  const udp = { payloadBytes: 1472, offeredMbps: 957, durationS: o.seconds };
  const offered: number[] = [];
  for (let i = 0; i < o.reps; i++) {
    cases.tx.vrlab.push(
      value(await run("iperf-udp", { ...udp, direction: "tx" }, [vr1]), "transmit throughput", "vr1"),
    );
    cases.tx.hand.push(handIperf(nsOf(vr1), nsOf(gen), gen.address, o.seconds));
    cases.rx.vrlab.push(
      value(await run("iperf-udp", { ...udp, direction: "rx" }, [vr1]), "receive throughput", "vr1"),
    );
    cases.rx.hand.push(handIperf(nsOf(gen), nsOf(vr1), vr1.addresses[gen.bridge], o.seconds));
    cases.fairness1.vrlab.push(
      value(await run("fairness", { ...udp, sweep: [1] }, [vr1]), "throughput", "vr1"),
    );
    cases.fairness1.hand.push(cases.tx.hand[i]);
    const fwd = await run(
      "forwarding",
      { sweep: [1], offeredPps: 130000, frameBytes: 64, durationS: o.seconds },
      [vr1],
    );
    offered.push(value(fwd, "offered rate", gen.name));
  }

  const result = {
    date: new Date().toISOString(),
    machine: machineInfo(load),
    substrate: "namespaces on one machine (not hardware)",
    reps: o.reps,
    seconds: o.seconds,
    execFloorMs: { raw: floor.map((x) => round(x, 3)), median: round(median(floor), 3) },
    beyondInGuestMs: { raw: beyondGuest.map((x) => round(x, 3)), median: round(median(beyondGuest), 3) },
    overheadMs: Object.fromEntries(
      Object.entries(overhead).map(([d, xs]) => [
        d,
        { raw: xs.map((x) => round(x, 3)), median: round(median(xs), 3) },
      ]),
    ),
    network: Object.fromEntries(
      Object.entries(cases).map(([k, c]) => [
        k,
        {
          vrlabMbps: c.vrlab.map((x) => round(x, 1)),
          handMbps: c.hand.map((x) => round(x, 1)),
          ratio: round(median(c.vrlab) / median(c.hand), 4),
        },
      ]),
    ),
    generator: {
      askedKpps: 130,
      offeredKpps: offered.map((x) => round(x, 3)),
      ratio: round(median(offered) / 130, 4),
    },
  };
  await writeResult(path.join(__dirname, "results", "suite.json"), result);
  console.log(`\`true\` under the timer (the exec floor here): ${result.execFloorMs.median} ms`);
  console.log(`external minus in-guest time (what the markers add): ${result.beyondInGuestMs.median} ms`);
  console.log(
    "external timer overhead (median, ms):",
    Object.entries(result.overheadMs)
      .map(([d, v]) => `sleep ${d} s: ${v.median}`)
      .join(", "),
  );
  for (const [k, v] of Object.entries(result.network))
    console.log(
      `${k}: vrlab ${median(v.vrlabMbps)} Mb/s, by hand ${median(v.handMbps)} Mb/s, ratio ${v.ratio}`,
    );
  console.log(
    `generator at 130 kp/s: offered ${median(offered).toFixed(3)} kp/s, ratio ${result.generator.ratio}`,
  );
}

main().catch((e: unknown) => {
  console.error(`perf suite: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
