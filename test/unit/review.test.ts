// `scripts/vrlab review`'s pure parts: a real `pulumi preview --json --diff` as Markdown
// (test/fixtures/review, captured from a stood-up copy of the embedded stack), the stacks a change
// touches, and benchmark results against a baseline.
import * as fs from "node:fs";
import * as path from "node:path";
import { gunzipSync } from "node:zlib";
import { parseArgs } from "../../cli/review";
import { touched } from "../../cli/review/changes";
import { changeLines, code, renderStack } from "../../cli/review/markdown";
import { pairText, propChanges, showValue, summarize, type PreviewJson } from "../../cli/review/preview";
import { better, compareResults, renderComparison } from "../../cli/review/results";
import { type BenchmarkResult, type Results, type Summary } from "../../harness/results";

const dir = path.join(__dirname, "../fixtures/review");
function fixture(name: string): PreviewJson & { changeSummary: Record<string, number> } {
  const gz = path.join(dir, `${name}.preview.json.gz`);
  const raw = fs.existsSync(gz)
    ? gunzipSync(fs.readFileSync(gz))
    : fs.readFileSync(path.join(dir, `${name}.preview.json`));
  return JSON.parse(raw.toString("utf8")) as PreviewJson & { changeSummary: Record<string, number> };
}

describe("a real preview as Markdown", () => {
  test("routes 1000 → 900: one update line per routing table, the count old → new", () => {
    const p = summarize(fixture("routes"));
    expect(p.counts).toEqual({ create: 0, update: 4, replace: 0, delete: 0 });
    expect(p.same).toBe(43);
    const md = renderStack({ stack: "review-demo", why: ["stack file changed"], preview: p });
    expect(md.slice(0, 4)).toEqual([
      "### Stack `review-demo`",
      "",
      "Previewed because: stack file changed. **4 to update**; 43 unchanged.",
      "",
    ]);
    expect(md).toContain(
      "- **update** `linux:Routes lab-vr1-rt1k-routes`: `count: 1000 → 900`, `digest: 0d262137a155efd7 → b489d869b6e27753`",
    );
    expect(md.filter((l) => l.startsWith("- **update**"))).toHaveLength(4);
  });

  test("a lab change: counts as the engine's, riskiest first, scripts named and never printed", () => {
    const json = fixture("lab");
    const p = summarize(json);
    const { same, ...counts } = json.changeSummary;
    expect({ ...p.counts, same: p.same }).toEqual({
      create: 0,
      update: 0,
      replace: 0,
      delete: 0,
      ...counts,
      same,
    });
    const lines = changeLines(p.changes);
    expect(lines.slice(0, 2)).toEqual([
      "- **replace** `linux:Port lab-gen-eth0` (forced by `identity.hostEnd`): `hostEnd: eth0 → eth2`, `scripts changed`",
      "- **replace** `linux:Shaping lab-gen-shape-server` (forced by `identity.dev`): `dev: eth0 → eth2`, `rate: 1Gbit → 500Mbit`, `scripts changed`",
    ]);
    expect(lines).toContain("- **delete** 2 × `linux:Port`: `lab-vr4-eth0`, `lab-vr4-eth1`");
    expect(lines).toContain(
      "- **update** `linux:Shaping lab-gen-shape-machine`: `rate: 1Gbit → 500Mbit`, `scripts changed`",
    );
    expect(lines).toContain(
      "- **update** `linux:Port lab-vr1-eth0`: `address: 198.18.1.11/24 → 198.18.1.21/24`, `scripts changed`",
    );
    expect(lines).toContain("- **create** `lab:Guest`: `lab-vr5`");
    const ops = lines.map((l) => /\*\*(\w+)\*\*/.exec(l)?.[1]);
    expect([...new Set(ops)]).toEqual(["replace", "delete", "update", "create"]);
    const all = renderStack({ stack: "s", why: [], preview: p }).join("\n");
    expect(all).not.toMatch(/set -eu|exports\.handler|trimmed for the fixture/);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(200);
  });

  test("inputs that change shape (scripts → kind and params): values that only moved are not listed", () => {
    const p = summarize(fixture("reshape"));
    expect(p.counts).toEqual({ create: 7, update: 0, replace: 27, delete: 7 });
    const line = (name: string): string => changeLines(p.changes).find((l) => l.includes(` ${name}\``)) ?? "";
    expect(line("lab-gen-shape-server")).toMatch(/: `dev: eth0 → eth2`, `mpu: 84 → \(none\)`/);
    expect(line("lab-vr1-eth0")).toContain("`address: 198.18.1.11/24 → 198.18.1.21/24`");
    expect(line("lab-vr1-rt1k-routes")).toContain("`params.spec.count: 1000 → 900`");
    expect(line("lab-run")).toMatch(
      /`kind: \(none\) → lab:Workspace`, `provider code changed`, `scripts changed`$/,
    );
    // identity.ns moved to params.ns unchanged: not a change.
    expect(line("lab-vr1-ns")).not.toMatch(/`ns: /);
  });

  test("a failed preview: its error in a fence, FAILED in the heading", () => {
    const p = summarize(fixture("failed"));
    expect(p.errors).toHaveLength(1);
    const md = renderStack({ stack: "s", why: ["program code changed"], preview: p, failed: "exit 1" });
    expect(md[0]).toBe("### Stack `s`: preview FAILED");
    const fence = md.slice(md.indexOf("```text"));
    expect(fence[1]).toMatch(/^error: Running program .* failed with an unhandled exception:$/);
    expect(fence).toContain(
      "drivers/linux.ts(5,15): error TS2305: Module '\"./scripted\"' has no exported member 'Scripts'.",
    );
  });
});

describe("changed properties, generically", () => {
  test("any path, short values, the last key as the name", () => {
    const olds = { kind: "linux:Shaping", params: { qdisc: "tbf", rateMbps: 1000, dev: "eth0" } };
    const news = { kind: "linux:Shaping", params: { qdisc: "noqueue", rateMbps: 1000, dev: "eth0" } };
    expect(propChanges(olds, news)).toEqual(["qdisc: tbf → noqueue"]);
    expect(propChanges({ a: { n: 1 } }, { a: { n: 1, m: true } })).toEqual(["m: (none) → true"]);
  });

  test("the same name changing differently is named by its path; the same change once", () => {
    expect(propChanges({ a: { n: 1 }, b: { n: 1 } }, { a: { n: 2 }, b: { n: 3 } })).toEqual([
      "a.n: 1 → 2",
      "b.n: 1 → 3",
    ]);
    expect(
      propChanges(
        { spec: { count: 1000 }, want: { count: "1000" } },
        { spec: { count: 900 }, want: { count: "900" } },
      ),
    ).toEqual(["count: 1000 → 900"]);
  });

  test("scripts and provider code are named, long strings clipped, secrets and unknowns never shown", () => {
    const script = (n: number): string => `set -eu\n${"ip link set dev x up\n".repeat(n)}`;
    expect(propChanges({ scripts: { apply: script(5) } }, { scripts: { apply: script(6) } })).toEqual([
      "scripts changed",
    ]);
    expect(propChanges({ __provider: script(5) }, { __provider: script(6) })).toEqual([
      "provider code changed",
    ]);
    expect(showValue("x".repeat(100))).toHaveLength(40);
    expect(
      showValue({
        "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
        plaintext: '"pw"',
      }),
    ).toBe("[secret]");
    expect(showValue("04da6b54-80e4-46f7-96ec-b56ff0331ba9")).toBe("(known after up)");
    expect(showValue(undefined)).toBe("(none)");
    // Two long values that clip alike: where they differ.
    const file = (id: string): string =>
      `/tmp/vrlab-backend-dCy2vg/results/vrlab-review-1/${id}.samples.json`;
    expect(pairText(file("c69855f21e4e"), file("a72709748172"))).toBe("…c69855f21e4e… → …a72709748172…");
  });

  test("an array that comes or goes is one line; many changes end in N more", () => {
    expect(propChanges({}, { skip: [[1, 2]] })).toEqual(["skip: (none) → [[1,2]]"]);
    const many = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`k${i}`, i]));
    const out = propChanges({}, many, 8);
    expect(out).toHaveLength(8);
    expect(out[7]).toBe("5 more");
  });

  test("what comes from the stack cannot break out of its code span", () => {
    expect(code("a`b\nc")).toBe("`a'b c`");
  });
});

describe("the stacks a change touches", () => {
  const c = (p: string, status: "added" | "modified" | "deleted" = "modified") => ({ path: p, status });
  test("stack files touch their stack; docs, tests and Markdown touch nothing", () => {
    const t = touched(
      [
        c("stacks/Pulumi.xen.yaml"),
        c("stacks/Pulumi.new.yaml", "added"),
        c("README.md"),
        c("docs/a.png"),
        c("test/unit/x.ts"),
      ],
      ["embedded"],
    );
    expect([...t.stacks]).toEqual([
      ["new", ["new stack file"]],
      ["xen", ["stack file changed"]],
    ]);
    expect(t.program).toEqual([]);
  });
  test("program code touches every stack with state; a removed stack file is not previewed", () => {
    const t = touched(
      [c("drivers/routes.ts"), c("stacks/Pulumi.xen.yaml"), c("stacks/Pulumi.old.yaml", "deleted")],
      ["embedded", "xen"],
    );
    expect([...t.stacks]).toEqual([
      ["embedded", ["program code changed"]],
      ["xen", ["stack file changed", "program code changed"]],
    ]);
    expect(t.removed).toEqual(["old"]);
  });
});

describe("benchmark results against a baseline", () => {
  const baseline = JSON.parse(
    fs.readFileSync(path.join(__dirname, "../fixtures/results/embedded.json"), "utf8"),
  ) as Results;
  const edited = (edit: (r: Results) => void): Results => {
    const r = structuredClone(baseline);
    edit(r);
    return r;
  };
  const bench = (r: Results, kind: string): BenchmarkResult => {
    const b = r.benchmarks.find((x) => x.kind === kind);
    if (!b) throw new Error(`no ${kind} in the fixture`);
    return b;
  };
  const summary = (r: Results, kind: string, system: string, metric: string): Summary => {
    const s = bench(r, kind).summaries.find((x) => x.system === system && x.metric === metric);
    if (!s) throw new Error(`no ${kind} ${system} ${metric} in the fixture`);
    return s;
  };
  const shift = (r: Results, kind: string, system: string, metric: string, f: number): void => {
    const s = summary(r, kind, system, metric);
    s.mean *= f;
    s.ci95 = s.ci95 && [s.ci95[0] * f, s.ci95[1] * f];
  };

  test("which way is better, from metric and unit", () => {
    expect(better("transmit throughput", "Mb/s")).toBe("higher");
    expect(better("forwarded rate", "kp/s")).toBe("higher");
    expect(better("jain index", "1")).toBe("higher");
    expect(better("time", "s")).toBe("lower");
    expect(better("loss", "%")).toBe("lower");
    expect(better("time distortion", "s")).toBe("closer to 0");
    expect(better("colour", "")).toBeUndefined();
  });

  test("regressions first, largest first, with the change in %; noise folded away", () => {
    const now = edited((r) => {
      shift(r, "iperf-udp", "vr1", "transmit throughput", 0.9); // lower throughput: worse
      shift(r, "superpi", "vr1", "time", 1.5); // slower: worse
      shift(r, "masr", "vr2", "time", 0.5); // faster: better
      shift(r, "iperf-udp", "vr2", "loss", 1.2); // +20% of 0.096%, inside its interval: noise
    });
    const changes = compareResults(baseline, now);
    const head = changes
      .slice(0, 3)
      .map((c) => [c.verdict, c.benchmark, c.system, c.metric, Math.round(c.pct ?? NaN)]);
    expect(head).toEqual([
      ["regression", "superpi", "vr1", "time", 50],
      ["regression", "iperf-udp tx", "vr1", "transmit throughput", -10],
      ["improvement", "masr", "vr2", "time", -50],
    ]);
    expect(
      changes.find((c) => c.system === "vr2" && c.metric === "loss" && c.benchmark === "iperf-udp tx")
        ?.verdict,
    ).toBe("within noise");
    const md = renderComparison(changes, "baseline.json");
    expect(md[0]).toMatch(/^Benchmark results against `baseline.json`: \*\*2 regressions\*\*, 1 improvement/);
    expect(md).toContain("| regression | superpi | vr1 | time | 0.877 s | 1.315 s | +50.0% |");
  });

  test("a benchmark that fails now is a regression; a distortion is judged by its size", () => {
    const was = edited((r) => {
      Object.assign(bench(r, "bonnie"), {
        status: "ok",
        summaries: [{ ...summary(r, "superpi", "vr1", "time") }],
      });
    });
    const now = edited((r) => shift(r, "superpi", "vr1", "time distortion", -3));
    const changes = compareResults(was, now);
    expect(changes[0]).toMatchObject({ verdict: "regression", benchmark: "bonnie", failed: "failed now" });
    expect(
      changes.find((c) => c.benchmark === "superpi" && c.system === "vr1" && c.metric === "time distortion"),
    ).toMatchObject({
      verdict: "regression",
      pct: 200,
    });
  });
});

test("arguments: options with values, --stack repeatable, anything else refused", () => {
  expect(parseArgs(["--base", "origin/main", "--out=r.md", "--stack", "a", "--stack=b"])).toEqual({
    base: "origin/main",
    out: "r.md",
    stacks: ["a", "b"],
  });
  expect(() => parseArgs(["--base"])).toThrow("--base needs a value");
  expect(() => parseArgs(["embedded"])).toThrow("unknown argument embedded");
  expect(() => parseArgs(["--stack", "../x"])).toThrow("not a stack name");
});
