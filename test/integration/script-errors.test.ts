// A failed script's error names the command that failed. Local scripts run in `sh` (dash here, with
// no $LINENO), SSH ones in the login shell (bash for root): the trackers must work in both.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { routesScripts } from "../../drivers/routes";
import { runOk } from "../../remote/run";
import { script, track } from "../../remote/script";
import { arg } from "../../remote/shell";
import { remoteError } from "../../remote/types";
import { rejection } from "../support/rejection";

const HEX = (process.pid & 0xffff).toString(16).padStart(4, "0");

describe.each(["dash", "bash"])("in %s", (shell) => {
  const fails = (body: string): string => {
    const s = script({ X: arg("ifname", "x") }, body);
    const r = spawnSync(shell, ["-c", s], { encoding: "utf8" });
    expect(r.status).not.toBe(0);
    return remoteError("local", s, r.status ?? -1, r.stderr.trim()).message.split("\n")[0];
  };

  test("names a failing command after others that succeeded", () => {
    expect(fails('true\nls /nonexistent-vrlab\necho "$X"')).toMatch(
      /running `ls \/nonexistent-vrlab` \(X='x'\)$/,
    );
  });

  test("names it inside an if block, a loop and a function", () => {
    expect(fails("if true; then\n  true\n  false\nfi")).toMatch(/running `false`/);
    expect(fails("for i in 1 2; do\n  [ $i = 1 ]\ndone")).toMatch(/running `\[ \$i = 1 \]`/);
    expect(fails("f() {\n  true\n  cat /nonexistent-vrlab\n}\necho start\nf")).toMatch(
      /running `cat \/nonexistent-vrlab`/,
    );
  });

  test("names an explicit exit and an unset variable", () => {
    expect(fails("true\nexit 3")).toMatch(/^local: exit 3 running `exit 3`/);
    expect(fails('true\necho "$UNSET_VRLAB"')).toMatch(/running `echo "\$UNSET_VRLAB"`/);
  });

  test("says nothing when the script succeeds", () => {
    const r = spawnSync(shell, ["-c", script({}, "true\necho ok")], { encoding: "utf8" });
    expect([r.status, r.stdout, r.stderr]).toEqual([0, "ok\n", ""]);
  });

  test("every golden-tested script still parses once tracked", () => {
    const dir = path.join(__dirname, "../unit/__snapshots__");
    let seen = 0;
    for (const file of fs.readdirSync(dir)) {
      const exported: Record<string, string> = {};
      new Function("exports", fs.readFileSync(path.join(dir, file), "utf8"))(exported);
      for (const text of Object.values(exported)) {
        for (const m of text.matchAll(/"(set -eu\n[\s\S]*?\n)",?\n/g)) {
          // Re-track the body as written, so a stale snapshot cannot hide a body the tracker breaks.
          const lines = m[1]
            .replace(/^_at=\d+; /gm, "")
            .trimEnd()
            .split("\n");
          const head = lines.findIndex((l, i) => i > 0 && !l.startsWith("trap ") && !/^[A-Z]\w*=/.test(l));
          const tracked = track(lines.slice(head), head + 1);
          expect([file, tracked !== undefined]).toEqual([file, true]);
          const r = spawnSync(shell, ["-n", "-c", [...lines.slice(0, head), ...(tracked ?? [])].join("\n")], {
            encoding: "utf8",
          });
          expect([file, r.status, r.stderr]).toEqual([file, 0, ""]);
          seen++;
        }
      }
    }
    expect(seen).toBeGreaterThan(30);
  });
});

describe("a routing table whose batch fails", () => {
  const ns = `vrt-se-${HEX}`;
  beforeAll(() => {
    execFileSync("ip", ["netns", "add", ns]);
    // A connected route, so the main table exists and its routes can be listed.
    execFileSync("ip", ["-n", ns, "addr", "add", "198.18.2.1/24", "dev", "lo"]);
    execFileSync("ip", ["-n", ns, "link", "set", "lo", "up"]);
  });
  afterAll(() => execFileSync("ip", ["netns", "del", ns]));

  const spec = { start: 0xc6130000, prefixLength: 32, count: 1, via: "198.18.2.2", skip: [] };
  const { apply } = routesScripts({ ns, spec }).scripts;
  const command =
    /^local: exit 1 running `both \| delta \| ip -n "\$NS" -batch -` \(NS='vrt-se-[0-9a-f]{4}' PROTO='198' COUNT='1'\)\n/;

  test("is reported as the pipeline into `ip -batch`, with the kernel's refusal", async () => {
    // A next hop on no connected subnet: the kernel refuses the route.
    const e = await rejection(runOk({ kind: "local" }, {}, apply, { stdin: "198.19.0.0 198.18.9.9\n" }));
    expect(e.message).toMatch(command);
    expect(e.message).toMatch(/gateway|unreachable|Nexthop/i);
    expect(e.message).not.toContain("vrlab: script failed");
  });

  test("refuses stdin that is not `dest via` lines, changing nothing", async () => {
    const e = await rejection(runOk({ kind: "local" }, {}, apply, { stdin: "route add bogus\n" }));
    expect(e.message).toMatch(command);
    expect(e.message).toContain('wanted line 1 is not "dest via"; nothing deleted');
  });
});
