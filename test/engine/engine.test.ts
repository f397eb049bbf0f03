// Drives the real Pulumi engine (CLI built from Go modules by scripts/setup-engine.sh) through a whole
// stack lifecycle on a throwaway project and backend.
import * as fs from "node:fs";
import * as path from "node:path";
import { PulumiCli } from "../support/cli";

const repo = path.resolve(__dirname, "../..");
const work = path.join(repo, ".vrlab", "tmp");

interface PreviewStep {
  op: string;
  urn: string;
  oldState?: { outputs?: Record<string, unknown> };
  newState?: { inputs?: Record<string, unknown> };
}

describe("the real Pulumi engine", () => {
  let project: string;
  let dataDir: string;
  let cli: PulumiCli;

  beforeAll(() => {
    fs.mkdirSync(work, { recursive: true });
    // A copy inside the repo, so Node resolves node_modules and `config set` never edits the fixture.
    project = fs.mkdtempSync(path.join(work, "engine-"));
    for (const f of ["Pulumi.yaml", "index.ts", "textFile.ts"]) {
      fs.copyFileSync(path.join(__dirname, "fixture", f), path.join(project, f));
    }
    dataDir = path.join(project, "data");
    fs.mkdirSync(dataDir);
    cli = new PulumiCli(project, `engine-${process.pid}`);
  });

  afterAll(() => {
    cli.run(["destroy", "--yes"]);
    cli.run(["stack", "rm", "--yes", "--force"]);
    cli.dispose();
    fs.rmSync(project, { recursive: true, force: true });
  });

  test("is the pinned version, with the locally built language host and no downloaded plugin", () => {
    const version = cli.check(["version"], cli.global(["version"])).stdout.trim();
    const lock = JSON.parse(fs.readFileSync(path.join(repo, "package-lock.json"), "utf8"));
    expect(version).toBe(`v${lock.packages["node_modules/@pulumi/pulumi"].version}`);
    // No provider package that would want a plugin we cannot build (README "The engine").
    expect(Object.keys(lock.packages).filter((p) => p.startsWith("node_modules/@pulumi/"))).toEqual([
      "node_modules/@pulumi/pulumi",
    ]);
    const engineBin = path.join(process.env.VRLAB_ENGINE_DIR ?? "<unset>", "bin");
    expect(fs.existsSync(path.join(engineBin, "pulumi-language-nodejs"))).toBe(true);
    const firstOnPath = (process.env.PATH ?? "")
      .split(path.delimiter)
      .find((d) => fs.existsSync(path.join(d, "pulumi-language-nodejs")));
    expect(firstOnPath).toBe(engineBin);
    expect(process.env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION).toBe("true");
    const plugins = JSON.parse(cli.check(["plugin"], cli.global(["plugin", "ls", "--json"])).stdout) as
      | unknown[]
      | null;
    expect(plugins ?? []).toEqual([]);
  });

  test("up, up again, refresh, preview --diff, drift, destroy, stack rm", () => {
    cli.ok(["stack", "init"]);
    cli.ok(["config", "set", "dir", dataDir]);
    cli.ok(["config", "set", "greeting", "hello"]);
    cli.ok(["config", "set", "--secret", "token", "s3cr3t-value"]);

    cli.ok(["up", "--yes"]);
    const file = path.join(dataDir, "greeting.txt");
    expect(fs.readFileSync(file, "utf8")).toBe("hello");
    const outputs = JSON.parse(cli.ok(["stack", "output", "--json"]).stdout);
    expect(outputs.fileContent).toBe("hello");
    expect(outputs.tokenLength).toBe("[secret]");
    // The secret is encrypted in state and never printed.
    expect(cli.stateText()).not.toContain("s3cr3t-value");

    // A second up and a refresh find nothing to do (the CLI fails otherwise).
    cli.ok(["up", "--yes", "--expect-no-changes"]);
    cli.ok(["refresh", "--yes", "--expect-no-changes"]);

    // A config change previews as exactly that change.
    cli.ok(["config", "set", "greeting", "bye"]);
    const text = cli.ok(["preview", "--diff"]).stdout;
    expect(text).toContain('~ content: "hello" => "bye"');
    expect(text).toMatch(/~ 1 to update\s+1 unchanged/);
    const preview = JSON.parse(cli.ok(["preview", "--diff", "--json"]).stdout) as {
      steps: PreviewStep[];
      changeSummary: Record<string, number>;
    };
    const changed = preview.steps.filter((s) => s.op !== "same");
    expect(changed.map((s) => [s.op, s.urn.split("::").pop()])).toEqual([["update", "greeting"]]);
    const before = changed[0].oldState?.outputs ?? {};
    const after = changed[0].newState?.inputs ?? {};
    const keys = Object.keys(after).filter((k) => k !== "__provider" && before[k] !== after[k]);
    expect(keys).toEqual(["content"]);
    expect(fs.readFileSync(file, "utf8")).toBe("hello"); // preview touched nothing

    // Drift behind Pulumi's back: refresh sees it, up repairs it.
    cli.ok(["config", "set", "greeting", "hello"]);
    fs.writeFileSync(file, "tampered");
    expect(cli.run(["refresh", "--yes", "--expect-no-changes"]).code).not.toBe(0);
    cli.ok(["up", "--yes"]);
    expect(fs.readFileSync(file, "utf8")).toBe("hello");

    cli.ok(["destroy", "--yes"]);
    expect(fs.existsSync(file)).toBe(false);
    cli.ok(["stack", "rm", "--yes"]);
    expect(cli.run(["stack", "select"]).code).not.toBe(0);
  });
});
