// The harness's pure parts: the marker protocol against a real capture, the pairing of markers into
// runs, tcpdump's loss counts, the statistics, and the suite's handling of failures.
import * as fs from "node:fs";
import * as path from "node:path";
import { captureLoss } from "../../harness/timer";
import { newRunId, parseCapture, parseVrmarkReport, timeRuns, type Marker } from "../../harness/marker";
import { summarize, summarizeValues, t95 } from "../../harness/stats";
import { runSuite } from "../../harness/suite";
import { isSimpleCommand, timedScript } from "../../harness/context";
import { type BenchmarkModule } from "../../benchmarks/types";
import { type LabSpec, type Sample } from "../../harness/types";

const fixture = fs.readFileSync(path.resolve(__dirname, "../fixtures/timer/tcpdump-markers.txt"), "utf8");
const at = (s: string): bigint => BigInt(s.replace(".", ""));

describe("markers", () => {
  test("a recorded capture yields the warm-up, start and end markers with nanosecond times", () => {
    expect(parseCapture(fixture)).toEqual([
      { atNs: at("1795612065.228804309"), src: "198.18.250.1", flag: "W", runId: "abc123def45" },
      { atNs: at("1795612065.229007662"), src: "198.18.250.1", flag: "S", runId: "abc123def45" },
      { atNs: at("1795612065.430289137"), src: "198.18.250.1", flag: "E", runId: "abc123def45" },
    ]);
  });

  test("the recorded run times 0.201281475 s outside and 0.201245701 s inside", () => {
    const [t] = timeRuns(parseCapture(fixture), [{ runId: "abc123def45", src: "198.18.250.1" }]);
    expect(t).toEqual({ runId: "abc123def45", ok: true, externalNs: 201281475n });
    expect(
      parseVrmarkReport("noise\nvrmark run=abc123def45 inguest_ns=201245701 status=0\n", "abc123def45"),
    ).toEqual({
      inGuestNs: 201245701n,
      status: 0,
    });
    expect(parseVrmarkReport("vrmark run=otherrun000 inguest_ns=1 status=0", "abc123def45")).toBeUndefined();
  });

  test("microsecond timestamps are refused, not rounded", () => {
    const micro = fixture.replace("1795612065.228804309", "1795612065.228804");
    expect(() => parseCapture(micro)).toThrow("is not in nanoseconds");
  });

  test("echo requests without a vrlab payload are skipped", () => {
    const ping = fixture.replace(/5652 4c42/g, "0000 0000");
    expect(parseCapture(ping)).toEqual([]);
  });

  const m = (flag: Marker["flag"], runId: string, atNs: bigint, src = "198.18.2.11"): Marker => ({
    flag,
    runId,
    atNs,
    src,
  });
  const want = [{ runId: "aaaaaaaaaaa", src: "198.18.2.11" }];

  test.each([
    ["a lost start", [m("E", "aaaaaaaaaaa", 9n)], "run aaaaaaaaaaa: start marker lost"],
    ["a lost end", [m("S", "aaaaaaaaaaa", 1n)], "run aaaaaaaaaaa: end marker lost"],
    [
      "a repeated start",
      [m("S", "aaaaaaaaaaa", 1n), m("S", "aaaaaaaaaaa", 2n), m("E", "aaaaaaaaaaa", 9n)],
      "run aaaaaaaaaaa: start marker repeated (2×)",
    ],
    [
      "a foreign marker",
      [m("S", "aaaaaaaaaaa", 1n), m("E", "aaaaaaaaaaa", 9n, "198.18.2.12")],
      "marker of run aaaaaaaaaaa came from 198.18.2.12, not 198.18.2.11",
    ],
    [
      "an end before its start",
      [m("E", "aaaaaaaaaaa", 1n), m("S", "aaaaaaaaaaa", 9n)],
      "run aaaaaaaaaaa: end marker arrived before its start",
    ],
  ])("%s fails the run", (_what, markers, reason) => {
    expect(timeRuns(markers, want)).toEqual([{ runId: "aaaaaaaaaaa", ok: false, reason }]);
  });

  test("concurrent runs and stray markers of other runs are kept apart", () => {
    const markers = [
      m("S", "aaaaaaaaaaa", 100n),
      m("S", "bbbbbbbbbbb", 150n, "198.18.2.12"),
      m("S", "zzzzzzzzzzz", 160n, "198.18.2.99"),
      m("E", "bbbbbbbbbbb", 250n, "198.18.2.12"),
      m("E", "aaaaaaaaaaa", 400n),
    ];
    expect(timeRuns(markers, [...want, { runId: "bbbbbbbbbbb", src: "198.18.2.12" }])).toEqual([
      { runId: "aaaaaaaaaaa", ok: true, externalNs: 300n },
      { runId: "bbbbbbbbbbb", ok: true, externalNs: 100n },
    ]);
  });

  test("run ids fit the payload and start with a letter", () => {
    for (let i = 0; i < 200; i++) expect(newRunId()).toMatch(/^[a-z][a-z0-9]{10}$/);
  });

  test("the timed script runs a compound command in a shell, quoted as one word", () => {
    const lab = { toolsDir: "/opt/vrlab/bin", timer: { address: "198.18.2.2" } } as LabSpec;
    expect(timedScript(lab, "echo 'a b' $HOME; rm -rf /", "abcdefghijk")).toMatchSnapshot();
  });

  test("plain words are exec'd by vrmark itself; anything a shell would interpret is not", () => {
    expect(isSimpleCommand("'/opt/vrlab/bin/superpi' '22'")).toBe(true);
    expect(isSimpleCommand("sleep 0.5")).toBe(true);
    expect(isSimpleCommand("'a;b' 'c|d'")).toBe(true); // quoted: inert
    for (const c of [
      "a; b",
      "a && b",
      "a | b",
      "echo $HOME",
      "a > f",
      "$(x)",
      "`x`",
      "a\nb",
      'echo "x"',
      "a*",
    ]) {
      expect([c, isSimpleCommand(c)]).toEqual([c, false]);
    }
    const lab = { toolsDir: "/opt/vrlab/bin", timer: { address: "198.18.2.2" } } as LabSpec;
    expect(timedScript(lab, "'/opt/vrlab/bin/superpi' '22'", "abcdefghijk")).toContain(
      `exec "$VRMARK" "$TIMER" "$RUN" -- '/opt/vrlab/bin/superpi' '22'`,
    );
  });
});

describe("capture loss", () => {
  test("a clean capture passes", () => {
    expect(
      captureLoss("9 packets captured\n9 packets received by filter\n0 packets dropped by kernel\n"),
    ).toBeUndefined();
  });
  test.each([
    [
      "2 packets captured\n9 packets received by filter\n0 packets dropped by kernel",
      "9 received, 2 captured, 0 dropped",
    ],
    [
      "9 packets captured\n9 packets received by filter\n3 packets dropped by kernel",
      "9 received, 9 captured, 3 dropped",
    ],
  ])("a lossy capture fails: %s", (log, what) => {
    expect(captureLoss(log)).toContain(what);
  });
  test("a capture that did not report fails", () => {
    expect(captureLoss("tcpdump: eth9: No such device exists")).toContain("did not report its counts");
  });
});

describe("statistics", () => {
  test("Student's t at 95%", () => {
    expect([t95(1), t95(2), t95(9), t95(30), t95(35), t95(100), t95(5000)]).toEqual([
      12.706, 4.303, 2.262, 2.042, 2.042, 2.0, 1.962,
    ]);
  });
  test("mean, sample standard deviation and confidence interval", () => {
    const s = summarizeValues([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(s.mean).toBe(5);
    expect(s.stddev).toBeCloseTo(2.138, 3);
    expect(s.ci95?.[0]).toBeCloseTo(5 - (2.365 * 2.138) / Math.sqrt(8), 2);
    expect(summarizeValues([3]).ci95).toBeNull();
  });
  test("a value that is not a finite number is never summarized", () => {
    expect(() => summarizeValues([1, NaN])).toThrow("finite");
    expect(() => summarizeValues([])).toThrow();
  });
  test("samples are grouped by metric, system and parameters", () => {
    const s = (value: number, system: string, params?: Record<string, number>): Sample => ({
      metric: "throughput",
      unit: "Mb/s",
      value,
      system,
      params,
      metadata: {},
      timestamp: 0,
      repetition: 1,
    });
    const out = summarize([
      s(1, "vr1", { vms: 1 }),
      s(3, "vr1", { vms: 1 }),
      s(5, "vr1", { vms: 2 }),
      s(7, "vr2", { vms: 2 }),
    ]);
    expect(out.map((x) => [x.system, x.params, x.n, x.mean])).toEqual([
      ["vr1", { vms: 1 }, 2, 2],
      ["vr1", { vms: 2 }, 1, 5],
      ["vr2", { vms: 2 }, 1, 7],
    ]);
  });
});

describe("the suite", () => {
  const lab = { systems: [{ name: "vr1" }], timer: {}, generator: {} } as unknown as LabSpec;
  const sample = (value: number): Sample => ({
    metric: "time",
    unit: "s",
    system: "vr1",
    value,
    metadata: {},
    timestamp: 0,
    repetition: 1,
  });
  const module = (kind: string, run: BenchmarkModule["run"], cleaned: string[]): BenchmarkModule => ({
    kind,
    description: "",
    options: { type: "object", properties: {} },
    figure: { title: "", paper: "" },
    prepare: async () => undefined,
    run,
    cleanup: async () => void cleaned.push(kind),
  });

  test("a failed benchmark is reported failed with its reason and tail, never as a number; the rest go on", async () => {
    const cleaned: string[] = [];
    const failing = module(
      "bad",
      async (_c, _s, _o, rep) => {
        if (rep === 2) throw Object.assign(new Error("vr1: exit 3 running `x`"), { tail: "line1\nline2" });
        return [sample(1)];
      },
      cleaned,
    );
    const nan = module("nan", async () => [sample(NaN)], cleaned);
    const good = module("good", async () => [sample(2)], cleaned);
    const registry = { get: (k: string) => ({ bad: failing, nan, good })[k] as BenchmarkModule };
    const runs = ["bad", "nan", "good"].map((kind, index) => ({
      index,
      kind,
      repetitions: 3,
      systems: ["vr1"],
      options: {},
    }));
    const lines: string[] = [];
    const out = await runSuite(lab, runs, registry, (l) => lines.push(l));
    expect(out.status).toBe("partial");
    expect(out.benchmarks.map((b) => [b.kind, b.status, b.summaries.length])).toEqual([
      ["bad", "failed", 0],
      ["nan", "failed", 0],
      ["good", "ok", 1],
    ]);
    expect(out.benchmarks[0].error).toEqual({
      reason: "vr1: exit 3 running `x`",
      tail: "line1\nline2",
      repetition: 2,
    });
    expect(out.benchmarks[1].error?.reason).toContain("every value must be a finite number");
    expect(cleaned).toEqual(["bad", "nan", "good"]);
    expect(lines.some((l) => /benchmark 1\/3 bad on vr1: repetition 2\/3/.test(l))).toBe(true);
  });

  test("a suite whose every benchmark failed is failed", async () => {
    const bad = module(
      "bad",
      async () => {
        throw new Error("no");
      },
      [],
    );
    const out = await runSuite(
      lab,
      [{ index: 0, kind: "bad", repetitions: 1, systems: ["vr1"], options: {} }],
      { get: () => bad },
      () => undefined,
    );
    expect(out.status).toBe("failed");
  });
});
