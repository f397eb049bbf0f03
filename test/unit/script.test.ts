// Rendered scripts say which line failed: the `_at=N;` trackers script() puts in front of commands,
// and remoteError turning the EXIT trap's report back into the command that failed.
import { routesScripts } from "../../drivers/routes";
import { arg } from "../../remote/shell";
import { FAILED_TRAP, script, track } from "../../remote/script";
import { remoteError } from "../../remote/types";

describe("track", () => {
  test("prefixes every line that starts a command with its line number in the rendered script", () => {
    const s = script({ NS: arg("ifname", "v1") }, 'ip -n "$NS" link set lo up\necho done');
    expect(s.split("\n")).toEqual([
      "set -eu",
      FAILED_TRAP,
      "NS='v1'",
      '_at=4; ip -n "$NS" link set lo up',
      "_at=5; echo done",
      "",
    ]);
  });

  test("tracks commands inside if, loops and functions, but not the words that close them", () => {
    const body = [
      "if a; then",
      "  b",
      "else",
      "  c",
      "fi",
      "f() {",
      "  d",
      "}",
      "for x in 1; do",
      "  e",
      "done",
    ];
    expect(track(body, 1)).toEqual([
      "_at=1; if a; then",
      "_at=2;   b",
      "else",
      "_at=4;   c",
      "fi",
      "_at=6; f() {",
      "_at=7;   d",
      "}",
      "_at=9; for x in 1; do",
      "_at=10;   e",
      "done",
    ]);
  });

  test("leaves alone what is not a command's start", () => {
    const body = [
      "cat <<EOF", // a here-document's text is data
      "not a command",
      "EOF",
      "a |", // a pipeline, a list and a line continued onto the next
      "  b &&",
      "  c \\",
      "  d",
      "echo 'two", // a quoted newline
      "lines'",
      "x=$(", // a command substitution over lines
      "  e",
      ")",
      'case "$x" in', // case patterns
      "  a) f ;;",
      "esac",
      "g || true",
      "rc=$?", // $? would read the tracker's status
      "# a comment",
      "h() { i; }", // a one-line function cannot fail
    ];
    expect(track(body, 1)).toEqual([
      "_at=1; cat <<EOF",
      "not a command",
      "EOF",
      "_at=4; a |",
      "  b &&",
      "  c \\",
      "  d",
      "_at=8; echo 'two",
      "lines'",
      "_at=10; x=$(",
      "  e",
      ")",
      '_at=13; case "$x" in',
      "  a) f ;;",
      "esac",
      "_at=16; g || true",
      "rc=$?",
      "# a comment",
      "h() { i; }",
    ]);
  });

  test("leaves a body it cannot follow as it is written", () => {
    expect(track(["echo 'unclosed"], 1)).toBeUndefined();
    expect(track(["echo )"], 1)).toBeUndefined();
    expect(track(["cat <<EOF", "no end"], 1)).toBeUndefined();
    expect(script({}, "echo )")).toBe(`set -eu\n${FAILED_TRAP}\necho )\n`);
  });
});

describe("remoteError", () => {
  const apply = routesScripts({
    ns: "v1234-vr1",
    spec: { start: 0xc6130000, prefixLength: 32, count: 2, via: "198.18.2.2", skip: [] },
  }).scripts.apply;

  test("names the command that failed, from the EXIT trap's report, not the first one", () => {
    const line = apply.split("\n").findIndex((l) => l.endsWith("-batch -")) + 1;
    const tail = `Error: either "to" is duplicate\nCommand failed -:1\nvrlab: script failed at line ${line} (exit 1)`;
    const e = remoteError("local", apply, 1, tail);
    expect(e.message).toBe(
      "local: exit 1 running `both | delta | ip -n \"$NS\" -batch -` (NS='v1234-vr1' PROTO='198' COUNT='2')\n" +
        '--- output tail ---\nError: either "to" is duplicate\nCommand failed -:1',
    );
    expect(e.tail).not.toContain("vrlab: script failed");
  });

  test("falls back to the first command when there is no report, or it names no tracked line", () => {
    const first = 'local: exit 1 running `both | delta | ip -n "$NS" -batch -`'; // functions are not commands
    expect(remoteError("local", apply, 1, "boom").message).toMatch(
      new RegExp(`^${first.replace(/[$()"]/g, "\\$&")}`),
    );
    const wrapped = "exec timeout 5 sh -c 'echo x'";
    expect(remoteError("local", wrapped, 1, "vrlab: script failed at line 1 (exit 1)").message).toBe(
      `local: exit 1 running \`${wrapped}\``,
    );
    expect(remoteError("local", apply, 2, "vrlab: script failed at line ? (exit 2)").message).toContain(
      'running `both | delta | ip -n "$NS" -batch -`',
    );
  });
});
