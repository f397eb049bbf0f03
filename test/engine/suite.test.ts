// The post-deploy stage on the real engine and the real lab: `up` runs every benchmark at small
// sizes through the external timer and exports results that the published schema accepts; a second
// `up` runs nothing; a run the user asks for runs again, and a benchmark that fails is reported as
// failed; destroy removes the samples file and leaves no kernel object behind.
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv from "ajv";
import resultsSchema from "../../harness/results.schema.json";
import { type PulumiCli } from "../support/cli";
import { cmd, leaksOf } from "../support/lab";
import { embeddedStackText, TestStack } from "../support/stack";

const SMALL = [
  { kind: "superpi", digitsLog2: 10, repetitions: 2 },
  { kind: "masr", sizeMiB: 8, repetitions: 2 },
  { kind: "bonnie", sizeMiB: 8, repetitions: 1, guests: ["vr1", "native"] },
  { kind: "zfg", sizeMiB: 4, rounds: 2, repetitions: 1, guests: ["vr1", "native"] },
  { kind: "iperf-udp", direction: "tx", durationS: 1, repetitions: 1, guests: ["vr1"] },
  { kind: "iperf-udp", direction: "rx", durationS: 1, repetitions: 1, guests: ["vr1"] },
  { kind: "fairness", sweep: [1, 2], durationS: 1, repetitions: 1 },
  { kind: "forwarding", sweep: [1, 2], offeredPps: 20000, durationS: 1, repetitions: 1 },
];
const MINUTE = 60_000;
jest.setTimeout(30 * MINUTE);

interface Summary {
  metric: string;
  system: string;
  params?: Record<string, number>;
  mean: number;
  n: number;
}
interface Results {
  status: string;
  samplesFile: string;
  provenance: { substrate: string; hypervisor: string };
  benchmarks: {
    kind: string;
    status: string;
    error?: { reason: string; tail: string };
    summaries: Summary[];
  }[];
}

describe("the benchmark suite", () => {
  const stack = `test-suite-${process.pid}`;
  let lab: TestStack;
  let cli: PulumiCli;
  const results = (): Results =>
    JSON.parse(cli.ok(["stack", "output", "results", "--json"]).stdout) as Results;

  beforeAll(() => {
    lab = new TestStack(stack, embeddedStackText(SMALL), MINUTE);
    cli = lab.cli;
  });
  afterAll(() => lab?.dispose(5 * MINUTE));

  test("up runs every benchmark through the external timer and exports valid results", () => {
    const up = cli.ok(["up", "--yes", "--skip-preview"], 15 * MINUTE);
    // Progress: which benchmark, which repetition, and the time so far.
    expect(up.stdout).toMatch(
      /\[\dm\d\ds\] benchmark 1\/8 superpi on vr1, vr2, vr3, vr4, native: repetition 2\/2/,
    );
    const r = results();
    const validate = new Ajv({ allErrors: true, strict: false }).compile(resultsSchema);
    expect(validate.errors ?? validate(r)).toBe(true);
    expect(r.benchmarks.map((b) => [b.kind, b.status, b.error?.reason])).toEqual(
      SMALL.map((b) => [b.kind, "ok", undefined]),
    );
    expect(r.status).toBe("complete");
    expect(r.provenance).toMatchObject({ substrate: "namespaces", hypervisor: "netns" });

    const find = (kind: string, metric: string, system: string) =>
      r.benchmarks
        .find((b) => b.kind === kind)
        ?.summaries.find((s) => s.metric === metric && s.system === system);
    // Timed outside and inside: the two clocks agree to within a millisecond on this substrate.
    for (const system of ["vr1", "vr4", "native"]) {
      const outside = find("superpi", "time", system);
      const gap = find("superpi", "time distortion", system);
      expect(outside?.n).toBe(2);
      expect(outside?.mean).toBeGreaterThan(0);
      expect(Math.abs(gap?.mean ?? 1)).toBeLessThan(0.001);
    }
    expect(find("iperf-udp", "transmit throughput", "vr1")?.mean).toBeGreaterThan(100);
    expect(find("iperf-udp", "transmit throughput", "vr1")?.mean).toBeLessThanOrEqual(957.2);
    expect(find("fairness", "jain index", "all")?.params).toEqual({ vms: 1 });
    const samples = JSON.parse(fs.readFileSync(r.samplesFile, "utf8")) as unknown[];
    expect(samples.length).toBeGreaterThan(50);
    // State keeps summaries, never samples.
    const exported = path.join(cli.backendDir, "export.json");
    cli.ok(["stack", "export", "--file", exported]);
    expect(fs.readFileSync(exported, "utf8")).not.toContain('"repetition"');
  });

  test("a second up runs nothing; refresh sees no drift, until the samples file is gone", () => {
    const again = cli.ok(["up", "--yes", "--skip-preview", "--expect-no-changes"], 5 * MINUTE);
    expect(again.stdout).not.toContain("benchmark 1/8");
    cli.ok(["refresh", "--yes", "--expect-no-changes"], 5 * MINUTE);
    // The run's record is its samples file: refresh sees it gone, and drops the run.
    fs.rmSync(results().samplesFile);
    expect(cli.run(["refresh", "--yes", "--expect-no-changes"], 5 * MINUTE).code).not.toBe(0);
  });

  test("a re-run asked for runs again; a guest gone behind Pulumi's back fails its benchmarks, reported as failed", () => {
    const before = results();
    cli.ok(["config", "set", "vrlab:suiteRun", "again"]);
    expect(cli.run(["preview", "--expect-no-changes"], 5 * MINUTE).code).not.toBe(0);
    cmd("ip", "netns", "del", lab.kernel("vr2"));
    cli.ok(["up", "--yes", "--skip-preview"], 15 * MINUTE);
    const r = results();
    expect(r.samplesFile).not.toBe(before.samplesFile);
    expect(fs.existsSync(before.samplesFile)).toBe(false); // the stack keeps the run its outputs describe
    expect(r.status).toBe("partial");
    const superpi = r.benchmarks.find((b) => b.kind === "superpi");
    expect(superpi?.status).toBe("failed");
    expect(superpi?.summaries).toEqual([]);
    expect(superpi?.error?.reason).toMatch(/vr2/);
    expect(superpi?.error?.tail).toMatch(/netns|namespace/i);
    // Benchmarks that do not touch vr2 still succeed.
    expect(r.benchmarks.find((b) => b.kind === "bonnie")?.status).toBe("ok");
  });

  test("destroy removes the samples file and every kernel object", () => {
    const file = results().samplesFile;
    cli.ok(["destroy", "--yes"], 5 * MINUTE);
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.existsSync(path.dirname(file))).toBe(false);
    expect(leaksOf(lab.owner)).toEqual([]);
  });
});
