// scripts/vrlab's verbs, as a user runs them: set-up first, stacks that exist or are refused by name,
// `pulumi` that creates a stack from its file and refuses what would log secrets or delete the file,
// `up` that repairs drift, `destroy` without a program that runs or without the stack's file, and
// `rm` that cleans up after a stack.
// (An interrupted destroy is in interrupt.test.ts.)
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { isSeq, parseDocument } from "yaml";
import { type CliResult, PulumiCli } from "../support/cli";
import { cmd, leaksOf } from "../support/lab";
import { embeddedStackText, repo, TestStack } from "../support/stack";

const MINUTE = 60_000;
jest.setTimeout(5 * MINUTE);
const stackFile = (stack: string): string => path.join(repo, "stacks", `Pulumi.${stack}.yaml`);
const xenText = (): string => fs.readFileSync(stackFile("xen"), "utf8").replace(/^encryptionsalt:.*$/m, "");
const stacksOf = (cli: PulumiCli): string[] =>
  (JSON.parse(cli.global(["stack", "ls", "--json"]).stdout || "[]") as { name: string }[]).map((s) => s.name);
const ok = (r: CliResult): CliResult => {
  if (r.code !== 0) throw new Error(`exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
};

describe("every verb runs the set-up first", () => {
  // A clone whose set-up only records that it ran, then stops the verb (exit 3).
  let clone: string;
  let ran: string;

  beforeAll(() => {
    clone = fs.mkdtempSync(path.join(os.tmpdir(), "vrlab-clone-"));
    ran = path.join(clone, "setup-ran");
    for (const f of ["Pulumi.yaml", "scripts/vrlab", "scripts/env.sh", "stacks/Pulumi.embedded.yaml"]) {
      fs.mkdirSync(path.dirname(path.join(clone, f)), { recursive: true });
      fs.copyFileSync(path.join(repo, f), path.join(clone, f));
    }
    fs.mkdirSync(path.join(clone, "perf"));
    fs.writeFileSync(path.join(clone, "perf", "noop.ts"), "");
    fs.writeFileSync(path.join(clone, "scripts", "setup.sh"), `#!/bin/sh\necho ran >> "${ran}"\nexit 3\n`, {
      mode: 0o755,
    });
  });

  afterAll(() => fs.rmSync(clone, { recursive: true, force: true }));

  test.each([
    [["up"]],
    [["test"]],
    [["destroy"]],
    [["show"]],
    [["report"]],
    [["rm", "embedded"]],
    [["pulumi", "version"]],
    [["perf", "noop"]],
    [["review"]],
  ])("%j", (args) => {
    fs.rmSync(ran, { force: true });
    const r = spawnSync(path.join(clone, "scripts", "vrlab"), args, {
      env: { ...process.env, VRLAB_STATE_DIR: path.join(clone, "state") },
      encoding: "utf8",
      timeout: MINUTE,
    });
    expect([r.status, fs.existsSync(ran)]).toEqual([3, true]);
  });
});

describe("stacks by name", () => {
  const pid = process.pid;
  const typo = `test-typo-${pid}`;
  const anchor = `test-verbs-anchor-${pid}`; // exists, and is the selected stack
  const fresh = `test-verbs-fresh-${pid}`; // has a file, no state yet
  let cli: PulumiCli;

  beforeAll(() => {
    cli = new PulumiCli(repo, anchor);
    fs.writeFileSync(stackFile(anchor), embeddedStackText());
    cli.ok(["stack", "init"]);
  });

  afterAll(() => {
    for (const s of [anchor, fresh]) {
      cli.global(["stack", "rm", "--yes", "--force", "--non-interactive", "--stack", s]);
      fs.rmSync(stackFile(s), { force: true });
    }
    cli.dispose();
  });

  test.each([
    [["up", typo]],
    [["destroy", typo]],
    [["show", typo]],
    [["report", typo]],
    [["rm", typo]],
    [["pulumi", "preview", "--stack", typo]],
    [["pulumi", "config", "set", "--secret", "vrlab:serverKey", "k", `-s${typo}`]],
  ])("%j is refused, naming the known stacks, and makes no stack or file", (args) => {
    const r = cli.vrlab(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`no stack '${typo}'`);
    expect(r.stderr).toMatch(/known stacks: .*\bembedded\b.*\bxen\b/);
    expect(fs.existsSync(stackFile(typo))).toBe(false);
    expect(stacksOf(cli)).not.toContain(typo);
  });

  test.each([[["--stack", fresh]], [[`--stack=${fresh}`]], [["-s", fresh]], [[`-s${fresh}`]]])(
    "pulumi with %j creates the stack of an experiment file, selecting none",
    (flag) => {
      fs.writeFileSync(stackFile(fresh), xenText());
      ok(cli.global(["stack", "select", anchor, "--non-interactive"]));
      try {
        const r = ok(cli.vrlab(["pulumi", "config", "get", "vrlab:experiment", ...flag]));
        expect(JSON.parse(r.stdout).description).toBe("Xen: one paravirtualized guest");
        expect(r.stderr).toBe(""); // quietly
        expect(cli.global(["stack", "--show-name"]).stdout.trim()).toBe(anchor);
      } finally {
        cli.global(["stack", "rm", "--yes", "--preserve-config", "--non-interactive", "--stack", fresh]);
      }
    },
  );

  test("the README's `pulumi preview --stack xen` works on a stack that has only its file", () => {
    fs.writeFileSync(stackFile(fresh), xenText());
    try {
      ok(cli.vrlab(["pulumi", "preview", "--stack", fresh], 3 * MINUTE));
    } finally {
      cli.global(["stack", "rm", "--yes", "--preserve-config", "--non-interactive", "--stack", fresh]);
    }
  });

  /** Runs scripts/vrlab with its own TMPDIR, where the engine would write its log files. */
  const logless = (args: string[], env: NodeJS.ProcessEnv = {}): CliResult & { logs: string[] } => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "vrlab-tmpdir-"));
    try {
      const r = cli.vrlab(args, MINUTE, { ...env, TMPDIR: tmp });
      return { ...r, logs: fs.readdirSync(tmp).filter((f) => f.startsWith("pulumi")) };
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  };

  test.each([
    [["-v", "9"]],
    [["-v7"]],
    [["-v=8"]],
    [["--verbose", "7"]],
    [["--verbose=10"]],
    [["--logflow", "-v", "11"]],
  ])("pulumi with %j is refused before the engine logs anything", (flags) => {
    const r = logless(["pulumi", "preview", "--stack", anchor, ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /refused: from level 7 up the engine logs provider requests, which carry secrets/,
    );
    expect(r.logs).toEqual([]);
  });

  // (On an unknown stack: should the guard be missing, nothing is stood up.)
  test.each([[["up", typo]], [["destroy", typo]], [["show", typo]], [["pulumi", "stack", "ls"]]])(
    "PULUMI_OPTION_VERBOSE=7 is refused by %j",
    (args) => {
      const r = logless(args, { PULUMI_OPTION_VERBOSE: "7" });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("PULUMI_OPTION_VERBOSE=7 is refused");
      expect(r.logs).toEqual([]);
    },
  );

  test("pulumi stack rm is refused, keeping the stack and its file", () => {
    const r = cli.vrlab(["pulumi", "stack", "rm", "--yes", "--stack", anchor]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("scripts/vrlab rm STACK");
    expect(fs.existsSync(stackFile(anchor))).toBe(true);
    expect(stacksOf(cli)).toContain(anchor);
  });
});

describe("a small lab through scripts/vrlab", () => {
  const stack = `test-verbs-${process.pid}`;
  const other = `${stack}-b`; // a neighbour in the same backend, whose name starts like ours
  let lab: TestStack;
  let cli: PulumiCli;
  const show = (): CliResult => cli.vrlab(["show", stack], 3 * MINUTE);

  beforeAll(() => {
    // The embedded experiment with one guest: every kind of lab object, fewer of them.
    const doc = parseDocument(embeddedStackText());
    const guests = doc.getIn(["config", "vrlab:experiment", "guests"]);
    if (isSeq(guests)) guests.items.splice(1);
    lab = new TestStack(stack, doc.toString());
    cli = lab.cli;
    fs.writeFileSync(stackFile(other), embeddedStackText());
    cli.global(["stack", "init", "--no-select", "--non-interactive", other]);
    ok(cli.global(["refresh", "--yes", "--non-interactive", "--stack", other])); // some history and backups
  }, 2 * MINUTE);

  afterAll(() => {
    lab?.dispose(10 * MINUTE);
    cli?.global(["stack", "rm", "--yes", "--force", "--non-interactive", "--stack", other]);
    fs.rmSync(stackFile(other), { force: true });
  }, 11 * MINUTE);

  test("up refreshes first, and so repairs what changed behind Pulumi's back; --no-refresh does not", () => {
    ok(cli.vrlab(["up", stack]));
    expect(show().code).toBe(0);
    cmd("ip", "netns", "del", lab.kernel("vr1"));
    cmd("ip", "netns", "exec", lab.kernel("timer"), "tc", "qdisc", "del", "dev", "eth0", "root");
    expect(show().code).toBe(1);
    ok(cli.vrlab(["up", stack, "--no-refresh"]));
    expect(show().code).toBe(1);
    ok(cli.vrlab(["up", stack]));
    const r = show();
    expect([r.code, r.stdout]).toEqual([0, expect.stringMatching(/ 0 missing; \d+ links, 0 drifted\n/)]);
  });

  test("rm refuses a stack that still has resources", () => {
    const r = cli.vrlab(["rm", stack]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/resources left in the stack/);
    expect(r.stderr).toContain(`Destroy it first: scripts/vrlab destroy ${stack}`);
    expect(stacksOf(cli)).toContain(stack);
  });

  test("destroy of a stack with secrets works when its program cannot run", () => {
    const text = fs.readFileSync(lab.file);
    cli.check(["config", "set"], cli.run(["config", "set", "--secret", "vrlab:unused"], MINUTE, "s3cret"));
    cli.ok(["config", "set", "vrlab:experiment", "{}"]); // edited into an error
    try {
      const r = cli.vrlab(["destroy", stack]);
      expect([r.code, r.stderr]).toEqual([0, expect.stringContaining("again from the state alone")]);
      expect(r.stderr).toContain(`stack ${stack} is empty`);
      expect(leaksOf(lab.owner)).toEqual([]);
    } finally {
      fs.writeFileSync(lab.file, text);
    }
  });

  test("destroy works on a stack whose file is gone, and leaves no file behind", () => {
    ok(cli.vrlab(["up", stack, "--no-refresh"]));
    const text = fs.readFileSync(lab.file);
    fs.rmSync(lab.file);
    try {
      const r = cli.vrlab(["destroy", stack]);
      expect([r.code, r.stderr]).toEqual([0, expect.stringContaining(`stack ${stack} is empty`)]);
      expect(fs.existsSync(lab.file)).toBe(false);
      expect(leaksOf(lab.owner)).toEqual([]);
    } finally {
      fs.writeFileSync(lab.file, text);
    }
  });

  test("rm removes the stack with its backups, history and results, keeps its file, and nothing else", () => {
    for (const s of [stack, other]) {
      const dir = path.join(cli.backendDir, "results", `vrlab-${s}`);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, "run.samples.json"), "{}");
    }
    const before = snapshot(cli.backendDir);
    const file = fs.readFileSync(lab.file);
    const ours = (p: string): boolean =>
      p.split("/").some((seg) => seg === stack || seg.startsWith(`${stack}.`));
    const results = (p: string): boolean => p.startsWith(`results/vrlab-${stack}/`);
    expect([...before.keys()].filter((p) => ours(p) && p.includes("backups/")).length).toBeGreaterThan(0);
    expect([...before.keys()].filter((p) => ours(p) && p.includes("history/")).length).toBeGreaterThan(0);

    ok(cli.vrlab(["rm", stack]));
    const after = snapshot(cli.backendDir);
    expect(fs.readFileSync(lab.file)).toEqual(file);
    expect(stacksOf(cli)).toEqual([other]);
    expect([...after.keys()].filter((p) => ours(p) || results(p))).toEqual([]);
    // Nothing else changed: every file left is one that was there, as it was.
    const kept = [...before].filter(([p]) => !ours(p) && !results(p));
    expect(new Map(kept)).toEqual(after);
  });
});

/** Every file under `dir`, by path relative to it, with a hash of its content. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!f.isFile()) continue;
    const p = path.join(f.parentPath, f.name);
    out.set(path.relative(dir, p), createHash("sha256").update(fs.readFileSync(p)).digest("hex"));
  }
  return out;
}
