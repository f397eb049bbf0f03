// Two stacks whose owner tags really collide (vrlab-c85238 and vrlab-c1566550 share `cz6xjwwy`, so
// every kernel name of one is a name of the other): the second up is refused by the owner records,
// its destroy removes nothing of the first, and the first stays whole throughout.
import { spawnSync } from "node:child_process";
import { kernelName, ownerTag } from "../../config/names";
import { type CliResult } from "../support/cli";
import { cmd, leaksOf, namespaces } from "../support/lab";
import { TestStack } from "../support/stack";

const MINUTE = 60_000;

describe("stacks whose tags collide", () => {
  let a: TestStack;
  let b: TestStack;

  /** `vrlab show` of a stack, with its throwaway backend. */
  const show = (s: TestStack): CliResult => s.cli.show();
  /** What of A's lab must not change: its namespaces, and the processes and addresses inside. */
  const snapshot = (): string[] => {
    const mine = namespaces().filter((n) => n.startsWith(kernelName(a.owner, "")));
    return mine.sort().flatMap((n) => [n, cmd("ip", "-n", n, "-o", "-4", "addr", "show")]);
  };

  beforeAll(() => {
    a = new TestStack("c85238", undefined, MINUTE);
    b = new TestStack("c1566550", undefined, MINUTE);
  }, 3 * MINUTE);

  afterAll(() => {
    b?.dispose(10 * MINUTE);
    a?.dispose(10 * MINUTE);
  }, 21 * MINUTE);

  test("share every kernel name", () => {
    expect(ownerTag(a.owner)).toBe(ownerTag(b.owner));
    expect(a.kernel("vr1")).toBe(b.kernel("vr1"));
  });

  test(
    "the second up is refused, naming the first stack, and the first stays intact",
    () => {
      a.cli.ok(["up", "--yes"], 10 * MINUTE);
      // A process inside A's guest, which a takeover or a wrong delete would kill.
      const sleeper = spawnSync("sh", [
        "-c",
        `ip netns exec ${a.kernel("vr1")} setsid sleep 600 >/dev/null 2>&1 & echo $!`,
      ]);
      const pid = Number(sleeper.stdout.toString().trim());
      try {
        const before = snapshot();
        const up = b.cli.run(["up", "--yes"], 10 * MINUTE);
        expect(up.code).not.toBe(0);
        expect(up.stdout).toContain(`belongs to stack ${a.owner}, not ${b.owner}; refusing to take it over`);
        expect(snapshot()).toEqual(before);
        expect(show(a).code).toBe(0);

        // B's destroy removes what B made (its run directory), and nothing of A's.
        b.cli.ok(["destroy", "--yes"], 10 * MINUTE);
        expect(snapshot()).toEqual(before);
        expect(() => process.kill(pid, 0)).not.toThrow();
        const shown = show(a);
        expect([shown.code, shown.stdout]).toEqual([0, expect.stringContaining("vr1")]);
      } finally {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      a.cli.ok(["destroy", "--yes"], 10 * MINUTE);
      expect(leaksOf(a.owner)).toEqual([]);
    },
    25 * MINUTE,
  );
});
