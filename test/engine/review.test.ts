// `scripts/vrlab review` on real previews: a stood-up copy of the embedded stack whose routing
// table shrinks from 1000 to 900 routes (its Super Pi results against a baseline twice as fast), a
// new stack file that has no stack yet, and one whose experiment is invalid. Each stack is named
// with --stack, so stack files that other tests write at the same time are not previewed.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type Results } from "../../harness/results";
import { type CliResult } from "../support/cli";
import { embeddedStackText, repo, TestStack } from "../support/stack";

const MINUTE = 60_000;
jest.setTimeout(8 * MINUTE);
const stackFile = (stack: string): string => path.join(repo, "stacks", `Pulumi.${stack}.yaml`);
const SUPERPI = { kind: "superpi", digitsLog2: 10, repetitions: 2 };

describe("vrlab review", () => {
  const changed = `review-${process.pid}`;
  const fresh = `review-new-${process.pid}`;
  const broken = `review-bad-${process.pid}`;
  let lab: TestStack;
  let out: string;
  let run: CliResult;
  let markdown: string;
  let before: Record<string, Buffer>;

  /** One stack's section of the Markdown: from its heading to the next. */
  const section = (md: string, stack: string): string => {
    const start = md.indexOf(`### Stack \`${stack}\``);
    if (start < 0) throw new Error(`no section for ${stack} in:\n${md}`);
    const end = md.indexOf("\n### ", start + 1);
    return md.slice(start, end < 0 ? undefined : end);
  };

  beforeAll(() => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "vrlab-review-test-"));
    out = path.join(tmp, "review.md");
    lab = new TestStack(changed, embeddedStackText([SUPERPI]));
    lab.cli.ok(["up", "--yes", "--skip-preview"], 5 * MINUTE);
    // The baseline: these results with every Super Pi time halved, so now is +100%.
    const results = JSON.parse(lab.cli.ok(["stack", "output", "results", "--json"]).stdout) as Results;
    for (const s of results.benchmarks[0].summaries.filter((x) => x.metric === "time")) {
      Object.assign(s, { mean: s.mean / 2, min: s.min / 2, max: s.max / 2, n: 1, stddev: 0, ci95: null });
    }
    const baseline = path.join(tmp, "baseline.json");
    fs.writeFileSync(baseline, JSON.stringify(results));
    const text = fs.readFileSync(lab.file, "utf8");
    expect(text).toMatch(/^ {8}routes: 1000$/m);
    fs.writeFileSync(lab.file, text.replace(/^( {8}routes: )1000$/m, "$1900"));
    fs.writeFileSync(stackFile(fresh), embeddedStackText());
    before = { [changed]: fs.readFileSync(lab.file), [fresh]: fs.readFileSync(stackFile(fresh)) };
    const args = ["review", "--base", "HEAD", "--stack", changed, "--stack", fresh];
    run = lab.cli.vrlab([...args, "--baseline", baseline, "--out", out]);
    markdown = fs.existsSync(out) ? fs.readFileSync(out, "utf8") : "";
  });

  afterAll(() => {
    if (lab) lab.dispose(); // not made if its stack init failed
    for (const s of [changed, fresh, broken]) fs.rmSync(stackFile(s), { force: true });
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  });

  test("exits 0 and writes the Markdown to --out, nothing to stdout", () => {
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(run.stdout).toBe("");
    expect(markdown).toMatch(/^## vrlab review\n\nChanges since `HEAD` \(merge base `[0-9a-f]{12}`\): /);
    expect(run.stderr).toContain(`vrlab review: previewing ${changed} (new stack file`);
  });

  test("the changed stack: four routing tables updated, 1000 → 900 routes and the digest, no script printed", () => {
    const s = section(markdown, changed);
    // The suite's resource updates too: its experiment's digest changed, so it runs again.
    expect(s).toMatch(/Previewed because: new stack file.*\*\*5 to update\*\*; \d+ unchanged\./);
    expect(s).toMatch(/^- \*\*update\*\* `bench:Suite lab-suite-run`: .*`runId: /m);
    for (const vr of ["vr1", "vr2", "vr3", "vr4"]) {
      const line = new RegExp(
        `^- \\*\\*update\\*\\* \`linux:Routes lab-${vr}-rt1k-routes\`: \`digest: [0-9a-f]{16} → [0-9a-f]{16}\`, \`routes: 1000 → 900\`$`,
        "m",
      );
      expect(s).toMatch(line);
    }
    expect(s.split("\n").filter((l) => l.startsWith("- **"))).toHaveLength(5);
    expect(s).not.toMatch(/set -eu|\bip -batch\b/);
    expect(s).toMatch(/^Benchmark results against `baseline.json`: \*\*5 regressions\*\*, 0 improvements/m);
    for (const system of ["native", "vr1", "vr2", "vr3", "vr4"]) {
      const row = `^\\| regression \\| superpi \\| ${system} \\| time \\| .* \\| \\+100\\.0% \\|$`;
      expect(s).toMatch(new RegExp(row, "m"));
    }
  });

  test("a stack file with no stack yet: everything to create, previewed in a throwaway backend", () => {
    const s = section(markdown, fresh);
    expect(s).toMatch(/\*\*\d+ to create\*\*; 0 unchanged\./);
    expect(s).toContain("- **create** 4 × `lab:Guest`: `lab-vr1`, `lab-vr2`, `lab-vr3`, `lab-vr4`");
    expect(lab.cli.run(["stack", "ls", "--json"]).stdout).not.toContain(fresh);
    expect(s).toContain(
      "No benchmark results of this stack in this backend to compare with `baseline.json`.",
    );
  });

  test("leaves the stack files byte for byte as they were (no encryptionsalt added)", () => {
    expect(fs.readFileSync(lab.file).equals(before[changed])).toBe(true);
    expect(fs.readFileSync(stackFile(fresh)).equals(before[fresh])).toBe(true);
    expect(fs.readFileSync(stackFile(fresh), "utf8")).not.toMatch(/^encryptionsalt:/m);
  });

  test("a preview that fails: exit 1, the engine's error in the Markdown and on stderr", () => {
    fs.writeFileSync(stackFile(broken), embeddedStackText().replace(/^( {8}routes: )1000$/m, "$1lots"));
    const r = lab.cli.vrlab(["review", "--base", "HEAD", "--stack", broken]);
    expect(r.code).toBe(1);
    const s = section(r.stdout, broken);
    expect(s).toMatch(/^### Stack `review-bad-\d+`: preview FAILED\n\nPreviewed because: new stack file/);
    expect(s).toMatch(/```text\n[^]*routes[^]*\n```/);
    expect(r.stderr).toContain(`vrlab review: the preview of stack ${broken} failed:`);
    expect(r.stderr).toContain("vrlab review: 1 preview failed");
  });
});
