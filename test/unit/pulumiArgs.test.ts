// What `scripts/vrlab pulumi` reads from the CLI's arguments before running it (cli/pulumiArgs.ts).
import { goInt, refusal, scanPulumiArgs, stackMode, wantsRunProgram } from "../../cli/pulumiArgs";

const UNSAFE = 7;
const refused = (...argv: string[]): string | undefined => refusal(scanPulumiArgs(argv), UNSAFE);

describe("the stack argument", () => {
  test.each([
    [["preview", "--stack", "xen"]],
    [["preview", "--stack=xen"]],
    [["preview", "-s", "xen"]],
    [["preview", "-sxen"]],
    [["preview", "-s=xen"]],
    [["preview", "-ys", "xen"]],
    [["config", "set", "--secret", "vrlab:serverKey", "--stack", "xen"]],
    [["--stack", "other", "preview", "--stack", "xen"]], // the last one wins, as in pflag
  ])("%j names xen", (argv) => {
    expect(scanPulumiArgs(argv).stack).toBe("xen");
  });

  test("is not read from positional words, option values elsewhere or after --", () => {
    expect(scanPulumiArgs(["stack", "select", "xen"]).stack).toBeUndefined();
    expect(scanPulumiArgs(["config", "set", "k", "--", "--stack", "xen"]).stack).toBeUndefined();
    expect(scanPulumiArgs(["--cwd", "-s", "preview"]).stack).toBeUndefined();
  });

  test("the command words skip global options and their values", () => {
    expect(scanPulumiArgs(["--color", "never", "-C", ".", "stack", "-s", "x", "rm"]).command).toEqual([
      "stack",
      "rm",
    ]);
  });

  test("is created on first use, except by the commands that create or remove stacks", () => {
    expect(stackMode(scanPulumiArgs(["preview", "--stack", "xen"]))).toBe("ensure");
    expect(stackMode(scanPulumiArgs(["preview"]))).toBe("none");
    for (const w of ["init", "new", "rm", "remove", "rename"])
      expect(stackMode(scanPulumiArgs(["stack", w, "--stack", "xen"]))).toBe("check");
  });
});

describe("verbosity that logs secrets", () => {
  test.each([
    [["-v", "7"]],
    [["-v7"]],
    [["-v=9"]],
    [["--verbose", "7"]],
    [["--verbose=11"]],
    [["-yv9"]], // -y -v 9
    [["-fv=8"]],
    [["-v", "0x10"]],
    [["-v", "010"]], // octal 8
    [["-v", "0b111"]],
    [["-v", "1_0"]],
    [["--logflow", "-v", "9"]],
    [["-v", "1", "-v", "9"]],
  ])("%j is refused", (flags) => {
    const why = refused("preview", "--stack", "xen", ...flags);
    expect(why).toMatch(/^verbosity \S+ is refused: from level 7 up the engine logs provider requests/);
    expect(why).toContain("world-readable");
  });

  test.each([
    [[]],
    [["-v", "6"]],
    [["-v3"]],
    [["--verbose=0"]],
    [["-v", "06"]],
    [["--", "-v", "9"]],
    [["-y"]],
  ])("%j is allowed", (flags) => {
    expect(refused("preview", ...flags)).toBeUndefined();
  });

  test("--logflow is named in the reason", () => {
    expect(refused("up", "--logflow", "-v=7")).toContain("--logflow");
  });
});

test("goInt reads integers as Go's strconv.ParseInt(s, 0, 64)", () => {
  expect(["7", "+7", "0x7", "0X7", "0o7", "07", "0b111", "0_7"].map(goInt)).toEqual(Array(8).fill(7));
  expect(goInt("-9")).toBe(-9);
  expect(goInt("0")).toBe(0);
  expect(["", "x", "0x", "1e3", "08", "seven"].map(goInt)).toEqual(Array(6).fill(undefined));
});

describe("stack rm", () => {
  test.each([
    [["stack", "rm", "--stack", "xen"]],
    [["stack", "remove", "xen", "--yes"]],
    [["stack", "rm", "--preserve-config=false"]],
  ])("%j is refused with a pointer to vrlab rm", (argv) => {
    expect(refused(...argv)).toContain("scripts/vrlab rm STACK");
  });

  test("with --preserve-config is allowed", () => {
    expect(refused("stack", "rm", "--preserve-config", "--stack", "xen")).toBeUndefined();
  });

  test("other commands that remove something are allowed", () => {
    expect(refused("config", "rm", "vrlab:x")).toBeUndefined();
    expect(refused("state", "delete", "urn")).toBeUndefined();
  });
});

test("refresh and destroy run the program, so the providers get the current config", () => {
  const wants = (...argv: string[]): boolean => wantsRunProgram(scanPulumiArgs(argv));
  expect(wants("refresh", "--yes", "--stack", "xen")).toBe(true);
  expect(wants("-C", ".", "destroy")).toBe(true);
  expect(wants("refresh", "--run-program")).toBe(false); // given already
  expect(wants("refresh", "--run-program=false")).toBe(false); // the user's choice
  expect(wants("preview", "--stack", "xen")).toBe(false);
  expect(wants("stack", "export")).toBe(false);
});
