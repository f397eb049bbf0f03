// `pulumi up` cut short, by SIGINT and by SIGKILL of the CLI, in the middle of standing up the lab.
// Each time the next refresh, up and destroy converge, and nothing of the stack is left behind.
// And `scripts/vrlab destroy` cut short by Ctrl-C: it says so, and what is left, and the next one finishes.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { ownerTag } from "../../config/names";
import { type PulumiCli } from "../support/cli";
import { repo, TestStack } from "../support/stack";
import { leaksOf, namespaces } from "../support/lab";

jest.setTimeout(900_000);

/** PIDs of `pid` and everything below it, from /proc. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const ppid = Number(fs.readFileSync(`/proc/${d}/stat`, "utf8").split(") ")[1].split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      // exited while we looked
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    out.push(p);
    (children.get(p) ?? []).forEach(walk);
  };
  walk(pid);
  return out;
}

const alive = (pid: number): boolean => {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1][0] !== "Z";
  } catch {
    return false;
  }
};

const comm = (pid: number): string => {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
};

async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each(["SIGINT", "SIGKILL"] as const)("pulumi up interrupted by %s", (signal) => {
  const stack = `test-${signal.toLowerCase()}-${process.pid}`;
  const owner = `vrlab-${stack}`;
  const prefix = `v${ownerTag(owner)}-`;
  let lab: TestStack;
  let cli: PulumiCli;
  const orphans: number[] = [];

  beforeAll(() => {
    lab = new TestStack(stack);
    cli = lab.cli;
  });

  afterAll(() => {
    // Only the processes of this test's own killed CLI (README: "Recovering an interrupted up").
    for (const p of orphans.filter(alive)) process.kill(p, "SIGKILL");
    lab?.dispose();
  });

  test("the next refresh, up and destroy converge with nothing left behind", async () => {
    const up = spawn("pulumi", ["up", "--yes", "--skip-preview", "--non-interactive", "--stack", stack], {
      cwd: repo,
      env: cli.env,
      stdio: "ignore",
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((r) =>
      up.once("exit", (code, sig) => r({ code, signal: sig })),
    );
    const pid = up.pid as number;
    // In the middle: the server's namespace exists, and everything else waits on it and its bridges.
    const made = (): number => namespaces().filter((n) => n.startsWith(prefix)).length;
    await until("the server's namespace", () => made() >= 1, 120_000);
    const tree = descendants(pid);
    process.kill(pid, signal);
    const end = await exited;
    expect(end.code === 0).toBe(false); // cut short, not finished
    if (signal === "SIGINT") {
      // Pulumi finishes the steps in flight, records them, and its plugins exit with it.
      await until("the CLI's plugins to exit", () => !tree.some(alive), 60_000);
    } else {
      // The CLI's plugins become orphans: they finish the scripts in flight, then idle forever.
      const busy = (): boolean =>
        tree.filter(alive).some((p) => descendants(p).some((d) => d !== p && /^(sh|ip|tc)$/.test(comm(d))));
      await until("the orphaned provider's scripts to finish", () => !busy(), 60_000);
      orphans.push(...tree.filter(alive));
    }

    // What a user does next (README, "Recovering an interrupted up"): a killed CLI leaves its lock.
    if (signal === "SIGKILL") cli.ok(["cancel", "--yes"]);
    const recorded = (JSON.parse(cli.ok(["stack", "export"]).stdout).deployment.resources ?? []).length;
    expect(recorded).toBeLessThan(47); // the default lab is 47 resources
    cli.ok(["refresh", "--yes", "--clear-pending-creates"]);
    cli.ok(["up", "--yes"]);
    expect(namespaces().filter((n) => n.startsWith(prefix))).toHaveLength(7);
    cli.ok(["up", "--yes", "--expect-no-changes"]);
    cli.ok(["destroy", "--yes"]);
    expect(leaksOf(owner)).toEqual([]);
  });
});

describe("scripts/vrlab destroy interrupted by Ctrl-C", () => {
  const stack = `test-destroy-sigint-${process.pid}`;
  let lab: TestStack;

  beforeAll(() => {
    lab = new TestStack(stack);
    lab.cli.ok(["up", "--yes"]);
  });

  afterAll(() => lab?.dispose());

  test("exits non-zero naming what is left, and the next destroy finishes with nothing left", async () => {
    const before = leaksOf(lab.owner).length;
    // Its own process group, which Ctrl-C in a terminal signals as a whole: bash, pulumi, its plugins.
    const destroy = spawn(`${repo}/scripts/vrlab`, ["destroy", stack], {
      cwd: repo,
      env: lab.cli.vrlabEnv,
      detached: true,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    destroy.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => destroy.once("close", (code) => r(code)));
    // In the middle: the first objects are gone (the shaping of the links goes first).
    await until("destroy to start deleting", () => leaksOf(lab.owner).length < before, 120_000);
    process.kill(-(destroy.pid as number), "SIGINT");
    const code = await exited;
    expect(code === 0).toBe(false);
    expect(stderr).toMatch(
      new RegExp(`stack ${stack} is not destroyed:\\n  \\d+ resources left in the stack \\(`),
    );
    expect(stderr).toMatch(/kernel object\(s\) of vrlab-\S+ left on this machine: netns /);
    expect(stderr).toContain(`To finish: scripts/vrlab destroy ${stack}`);
    expect(leaksOf(lab.owner).length).toBeGreaterThan(0);

    const again = lab.cli.vrlab(["destroy", stack]);
    // On failure, pulumi's own errors.
    const tail =
      again.code === 0
        ? ""
        : again.stdout
            .split("\n")
            .filter((l) => /error|fail/i.test(l))
            .join("\n");
    expect([again.code, again.stderr, tail]).toEqual([
      0,
      expect.stringContaining(`stack ${stack} is empty`),
      "",
    ]);
    expect(leaksOf(lab.owner)).toEqual([]);
  });
});
