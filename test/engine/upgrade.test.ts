// A lab stood up by an older vrlab, then read, converged and destroyed by this one. Providers are
// loaded by path (drivers/byPath.ts), so the code that reads and deletes a stack's objects is
// today's, not the one the stack was made with: this checks today's renderers still handle what an
// older version put in state, with nothing replaced and nothing left behind.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PulumiCli } from "../support/cli";
import { leaksOf } from "../support/lab";
import { embeddedStackText, repo } from "../support/stack";

const MINUTE = 60_000;
/** The first version whose providers load by path; a later release may move this forward. */
const OLD = "801ed3fdba6f77e6aec86e33d7a11594425014a0";

describe("a stack made by an older vrlab", () => {
  const stack = `test-upgrade-${process.pid}`;
  const owner = `vrlab-${stack}`;
  let text: string;
  let tmp: string;
  let old: string;
  let oldCli: PulumiCli;
  let cli: PulumiCli;

  /** The same stack, backend and passphrase, with the CLI run in `dir` (whose code it then uses). */
  const cliIn = (dir: string, backend?: PulumiCli): PulumiCli => {
    const c = new PulumiCli(dir, stack);
    if (backend) {
      fs.rmSync(c.backendDir, { recursive: true, force: true });
      Object.assign(c, { backendDir: backend.backendDir, env: backend.env });
    }
    return c;
  };

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "vrlab-upgrade-"));
    old = path.join(tmp, "old");
    execFileSync("git", ["-C", repo, "worktree", "add", "--detach", "--quiet", old, OLD]);
    // The old version's own experiment: today's may use forms it never knew (issue 11's tables).
    text = embeddedStackText([], old);
    fs.symlinkSync(path.join(repo, "node_modules"), path.join(old, "node_modules"));
    for (const dir of [old, repo]) fs.writeFileSync(path.join(dir, "stacks", `Pulumi.${stack}.yaml`), text);
    oldCli = cliIn(old);
    cli = cliIn(repo, oldCli);
    oldCli.ok(["stack", "init"]);
    oldCli.ok(["config", "set", "vrlab:runRoot", path.join(tmp, "run")]);
    fs.copyFileSync(
      path.join(old, "stacks", `Pulumi.${stack}.yaml`),
      path.join(repo, "stacks", `Pulumi.${stack}.yaml`),
    );
  }, 5 * MINUTE);

  afterAll(() => {
    cli?.run(["destroy", "--yes"], 10 * MINUTE);
    cli?.run(["stack", "rm", "--yes", "--force"]);
    fs.rmSync(path.join(repo, "stacks", `Pulumi.${stack}.yaml`), { force: true });
    execFileSync("git", ["-C", repo, "worktree", "remove", "--force", old]);
    oldCli?.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  }, 12 * MINUTE);

  test(
    "is refreshed, converged without replacing anything, and destroyed by this version",
    () => {
      oldCli.ok(["up", "--yes"], 10 * MINUTE);
      cli.ok(["refresh", "--yes"], 5 * MINUTE);
      const preview = JSON.parse(cli.ok(["preview", "--json"], 5 * MINUTE).stdout) as {
        steps?: { op: string; urn: string }[];
      };
      const replaced = (preview.steps ?? []).filter((s) => /replace/.test(s.op)).map((s) => s.urn);
      expect(replaced).toEqual([]);
      cli.ok(["up", "--yes"], 10 * MINUTE);
      cli.ok(["destroy", "--yes"], 10 * MINUTE);
      expect(leaksOf(owner)).toEqual([]);
    },
    30 * MINUTE,
  );
});
