// `vrlab report` without a stack: the hand-written results of test/fixtures/results/embedded.json
// (4 guests and native, all seven kinds, bonnie failed) through the CSV, the figure specs (golden,
// test/unit/__snapshots__/report.test.ts.snap), one real PNG, and the CLI's refusals.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import Ajv from "ajv";
import { CSV_HEADER, csvField, paramsText, resultsCsv } from "../../report/csv";
import { buildFigures } from "../../report/figures";
import { parseArgs, report, resultsProblems, type ReportIo } from "../../report/main";
import { toPng } from "../../report/render";
import { type Results, type StackResults } from "../../report/types";
import vegaLiteSchema from "vega-lite/build/vega-lite-schema.json";

const fixtureFile = path.resolve(__dirname, "../fixtures/results/embedded.json");
const fixture = (): Results => JSON.parse(fs.readFileSync(fixtureFile, "utf8")) as Results;
const embedded: StackResults[] = [{ stack: "embedded", results: fixture() }];

describe("results.csv", () => {
  const csv = resultsCsv(embedded);

  test("is the golden table", () => {
    expect(csv).toMatchSnapshot();
  });

  test("has RFC 4180 line ends, the header first and one row per summary", () => {
    const lines = csv.split("\r\n");
    expect(lines.pop()).toBe("");
    expect(lines.every((l) => !l.includes("\n"))).toBe(true);
    expect(lines[0]).toBe(CSV_HEADER.join(","));
    const summaries = fixture().benchmarks.reduce((n, b) => n + Math.max(1, b.summaries.length), 0);
    expect(lines).toHaveLength(1 + summaries);
  });

  test("a failed benchmark is one row with empty numbers, never 0", () => {
    const failed = csv.split("\r\n").filter((l) => l.includes(",failed,"));
    expect(failed).toEqual(["embedded,namespaces,netns,2,bonnie,failed,,,,,,,,,,,"]);
  });

  test("n = 1 leaves the interval empty; params read k=v;k=v", () => {
    expect(csv).toContain("embedded,namespaces,netns,3,zfg,ok,round time,s,native,round=1,1,0.3509,0,,,");
    expect(paramsText({ vms: 2, a: 1 })).toBe("a=1;vms=2");
  });

  test("quotes what must be quoted", () => {
    expect(csvField("vr1")).toBe("vr1");
    expect(csvField('a,"b"')).toBe('"a,""b"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    const odd = fixture();
    odd.benchmarks[0].summaries[0].system = 'vm "one", eu';
    expect(resultsCsv([{ stack: "x", results: odd }])).toContain(',"vm ""one"", eu",');
  });
});

describe("figures", () => {
  const figures = buildFigures(embedded);
  const byId = Object.fromEntries(figures.map((f) => [f.id, f]));

  test("one per figure of the paper, the failed benchmark's saying so", () => {
    expect(figures.map((f) => [f.id, f.status])).toEqual([
      ["fig1a", "ok"],
      ["fig1b", "ok"],
      ["fig2a", "failed"],
      ["fig2b", "ok"],
      ["fig3a", "ok"],
      ["fig3b", "ok"],
      ["fig4a", "ok"],
      ["fig4b", "ok"],
    ]);
    expect(JSON.stringify(byId.fig2a.spec)).toContain("FAILED");
    expect(JSON.stringify(byId.fig2a.spec)).toContain("No space left on device");
    expect(byId.fig2a.failures).toEqual([
      "embedded: benchmark 2 (bonnie) failed in repetition 1: vr3: bonnie++ exited with status 1",
    ]);
  });

  test("are the golden Vega-Lite specs", () => {
    expect(Object.fromEntries(figures.map((f) => [f.id, f.spec]))).toMatchSnapshot();
  });

  test("are valid Vega-Lite", () => {
    const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(
      vegaLiteSchema,
    );
    for (const f of figures) expect([f.id, validate(f.spec) ? [] : validate.errors]).toEqual([f.id, []]);
  });

  test("every title names the substrate and the hypervisor", () => {
    for (const f of figures) {
      const subtitle = (f.spec.title as { subtitle: string[] }).subtitle[0];
      expect(subtitle).toContain("namespaces on one machine — not hardware");
      expect(subtitle).toContain("hypervisor: netns");
    }
  });

  test("the iperf figures draw the true GbE limit, 957.1 Mb/s, and say why not 969", () => {
    for (const id of ["fig3a", "fig3b"]) {
      const spec = byId[id].spec as { layer: { mark: unknown; data?: { values: { y: number }[] } }[] };
      const rule = spec.layer.find((l) => (l.mark as { type?: string } | undefined)?.type === "rule");
      expect(rule?.data?.values[0].y).toBe(957.1);
      expect(JSON.stringify(spec)).toContain("true GbE limit, 1472-byte payloads: 957.1 Mb/s");
      expect(JSON.stringify(spec.layer)).not.toContain("969");
      expect(JSON.stringify(byId[id].spec.title)).toContain(
        "969 Mb/s leaves out preamble and inter-frame gap",
      );
    }
  });

  test("the native reference comes first, in its own colour", () => {
    const bars = byId.fig1a.spec as { layer: { data: { values: { series: string }[] } }[] };
    expect(bars.layer[0].data.values.map((r) => r.series)).toEqual(["native", "vr1", "vr2", "vr3", "vr4"]);
    expect(JSON.stringify(bars)).toContain('"domain":["native (reference)","netns guests"]');
  });

  test("an absent benchmark gives no figure", () => {
    const some = fixture();
    some.benchmarks = some.benchmarks.filter((b) => b.kind !== "fairness" && b.kind !== "superpi");
    const ids = buildFigures([{ stack: "embedded", results: some }]).map((f) => f.id);
    expect(ids).toEqual(["fig1b", "fig2a", "fig2b", "fig3a", "fig3b", "fig4b"]);
  });

  test("render as a real PNG", async () => {
    const { png, width, height } = await toPng(byId.fig3a.spec);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.subarray(12, 16).toString("ascii")).toBe("IHDR");
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([width, height]);
    // Twice the 520×300 plot, with axes, title and legend, cropped to what is drawn.
    expect(width).toBeGreaterThan(1200);
    expect(width).toBeLessThan(2000);
    expect(height).toBeGreaterThan(700);
    expect(height).toBeLessThan(1000);
  });
});

describe("forwarding across routing tables", () => {
  // One forwarding benchmark compared four tables: the suite ran it once per table (options.routingTable),
  // and the benchmark put the routers' table size in the parameters.
  const TABLES: [string, number, number][] = [
    ["rt1k", 1_000, 129.6],
    ["rt10k", 10_000, 129.5],
    ["rt100k", 100_000, 129.1],
    ["rt1m", 1_000_000, 127.8],
  ];
  const summary = (metric: string, system: string, routes: number, routers: number, mean: number) => ({
    metric,
    unit: "kp/s",
    system,
    params: { routers, routes },
    n: 3,
    mean,
    stddev: 0.2,
    ci95: [mean - 0.5, mean + 0.5] as [number, number],
    min: mean - 0.3,
    max: mean + 0.3,
  });
  const tables = (): Results => {
    const r = fixture();
    const base = r.benchmarks.find((b) => b.kind === "forwarding");
    if (!base) throw new Error("the fixture has no forwarding benchmark");
    r.benchmarks = TABLES.map(([table, routes, mean]) => ({
      ...base,
      options: { ...base.options, sweep: [1, 2], routingTable: table },
      summaries: [1, 2].flatMap((n) => [
        summary("forwarded rate", "aggregate", routes, n, mean - n),
        summary("offered rate", "gen", routes, n, 130),
      ]),
    }));
    return r;
  };
  const fig4b = () => buildFigures([{ stack: "routes", results: tables() }]).find((f) => f.id === "fig4b");

  test("plots the forwarded rate against table size: one point per table, a line per router count", () => {
    const f = fig4b();
    expect(f?.status).toBe("ok");
    const spec = f?.spec as unknown as {
      layer: { data: { values: { x: number; mean: number; series: string; table: string }[] } }[];
    };
    const points = spec.layer[0].data.values;
    expect(points.map((p) => [p.series, p.table, p.x, p.mean])).toEqual([
      ["1 router", "rt1k", 1_000, 128.6],
      ["2 routers", "rt1k", 1_000, 127.6],
      ["1 router", "rt10k", 10_000, 128.5],
      ["2 routers", "rt10k", 10_000, 127.5],
      ["1 router", "rt100k", 100_000, 128.1],
      ["2 routers", "rt100k", 100_000, 127.1],
      ["1 router", "rt1m", 1_000_000, 126.8],
      ["2 routers", "rt1m", 1_000_000, 125.8],
    ]);
    expect(spec.layer[1].data.values.every((p) => p.mean === 130 && p.series.startsWith("offered"))).toBe(
      true,
    );
    const text = JSON.stringify(f?.spec);
    expect(text).toContain('"values":[1000,10000,100000,1000000],"format":"~s"');
    expect(text).toContain("packet rate against table size");
    expect(text).toContain(
      "Tables: rt1k (1,000 routes), rt10k (10,000 routes), rt100k (100,000 routes), rt1m (1,000,000 routes)",
    );
  });

  test("is valid Vega-Lite and renders", async () => {
    const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(
      vegaLiteSchema,
    );
    const spec = fig4b()?.spec;
    expect(validate(spec) ? [] : validate.errors).toEqual([]);
    const { png } = await toPng(spec as NonNullable<typeof spec>);
    expect(png.subarray(1, 4).toString("ascii")).toBe("PNG");
  }, 30_000);

  test("the CSV carries the table size; results without it give a failed figure, not an empty plot", () => {
    const r = tables();
    expect(resultsCsv([{ stack: "routes", results: r }])).toContain(
      ",forwarded rate,kp/s,aggregate,routers=1;routes=1000000,",
    );
    for (const b of r.benchmarks) for (const s of b.summaries) delete s.params?.routes;
    const f = buildFigures([{ stack: "routes", results: r }]).find((x) => x.id === "fig4b");
    expect(f?.status).toBe("failed");
    expect(JSON.stringify(f?.spec)).toContain("measured none of this figure's metric");
  });

  test("a forwarding benchmark without routingTables still draws the router sweep", () => {
    const f = buildFigures(embedded).find((x) => x.id === "fig4b");
    expect(JSON.stringify(f?.spec)).toContain("number of virtual routers");
  });
});

describe("report command", () => {
  let dir: string;
  let out: string[];
  let err: string[];
  const io = (): ReportIo => ({
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    readStack: (stack) => {
      if (stack !== "embedded") throw new Error(`unexpected stack ${stack}`);
      return fixture();
    },
  });
  const write = (name: string, doc: unknown): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, JSON.stringify(doc));
    return file;
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "vrlab-report-"));
    out = [];
    err = [];
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test("usage errors exit 2", async () => {
    expect(() => parseArgs([])).toThrow("no STACK given");
    expect(await report(["--out"], io())).toBe(2);
    expect(await report(["embedded", "--bogus"], io())).toBe(2);
    expect(await report(["--from", path.join(dir, "missing.json")], io())).toBe(2);
    expect(err.join("\n")).toContain("unknown option --bogus");
  });

  test("refuses to mix substrates", async () => {
    const hardware = fixture();
    hardware.provenance = { ...hardware.provenance, substrate: "hardware", hypervisor: "xen" };
    const code = await report(["embedded", "--from", write("xen.json", hardware), "--out", dir], io());
    expect(code).toBe(2);
    expect(err.join("\n")).toContain("will not combine embedded is namespaces, xen is hardware");
    expect(err.join("\n")).toContain("namespace results are never mixed with hardware results");
    expect(fs.readdirSync(dir)).toEqual(["xen.json"]);
  });

  test("lists every problem of invalid results and exits 1", async () => {
    const bad = fixture() as unknown as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    delete bad.provenance.substrate;
    bad.provenance.startedAt = "yesterday";
    bad.benchmarks[0].summaries[0].n = 0;
    bad.benchmarks[1].summaries[0].ci95 = [1];
    bad.benchmarks[2].status = "crashed";
    bad.extra = true;
    expect(resultsProblems(fixture())).toEqual([]);
    const code = await report(["--from", write("bad.json", bad), "--out", dir], io());
    expect(code).toBe(1);
    const text = err.join("\n");
    for (const p of [
      "bad: / must NOT have additional properties: extra",
      "bad: /provenance must have required property 'substrate'",
      'bad: /provenance/startedAt must match format "date-time"',
      "bad: /benchmarks/0/summaries/0/n must be >= 1",
      "bad: /benchmarks/1/summaries/0/ci95 must NOT have fewer than 2 items",
      "bad: /benchmarks/2/status must be equal to one of the allowed values: ok, failed",
    ]) {
      expect(text).toContain(p);
    }
    expect(fs.readdirSync(dir)).toEqual(["bad.json"]);
  });

  test("writes the CSV and every figure, and says what it wrote", async () => {
    const outDir = path.join(dir, "out");
    fs.mkdirSync(outDir);
    fs.writeFileSync(path.join(outDir, "fig9z.png"), "not ours");
    const some = fixture();
    some.benchmarks = some.benchmarks.filter((b) => b.kind !== "forwarding");
    fs.writeFileSync(path.join(outDir, "fig4b.png"), "stale");
    expect(await report(["--from", write("embedded.json", some), "--out", outDir], io())).toBe(0);
    expect(fs.readdirSync(outDir).sort()).toEqual([
      "fig1a.png",
      "fig1b.png",
      "fig2a.png",
      "fig2b.png",
      "fig3a.png",
      "fig3b.png",
      "fig4a.png",
      "fig9z.png",
      "results.csv",
    ]);
    expect(out[0]).toBe(`wrote ${path.join(outDir, "results.csv")} (129 rows)`);
    expect(out).toContainEqual(expect.stringMatching(/fig2a\.png \(\d+×\d+, FAILED\)$/));
    expect(out).toContainEqual("no fig4b: its benchmark is not in the results (removed the old fig4b.png)");
    expect(err).toEqual([]);
  }, 30_000);
});
