// The compiled benchmark tools (scripts/build-tools.sh), run for real from $VRLAB_TOOLS_DIR.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

jest.setTimeout(60_000);

const dir = process.env.VRLAB_TOOLS_DIR;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function tool(name: string, ...args: string[]): Ran {
  if (!dir || !existsSync(join(dir, name))) {
    throw new Error(
      `${name} not found in VRLAB_TOOLS_DIR=${dir ?? "(unset)"}: run scripts/build-tools.sh, then source scripts/env.sh`,
    );
  }
  const r = spawnSync(join(dir, name), args, { encoding: "utf8" });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** stdout's key=value lines; a line that is not one fails the test. */
function keyValues(stdout: string): Record<string, string> {
  const lines = stdout.split("\n").filter((l) => l !== "");
  for (const l of lines) expect(l).toMatch(/^[a-z0-9]+=\S+$/);
  return Object.fromEntries(lines.map((l) => l.split("=", 2) as [string, string]));
}

describe("superpi", () => {
  it("computes 2^10 digits and verifies every one against MPFR's pi", () => {
    const r = tool("superpi", "10");
    expect(r).toMatchObject({ code: 0, stderr: "" });
    const kv = keyValues(r.stdout);
    expect(Object.keys(kv).sort()).toEqual(["digits", "head", "iterations", "verified"]);
    expect(kv.digits).toBe("1024");
    expect(Number(kv.verified)).toBeGreaterThanOrEqual(1024);
    expect(kv.head).toBe("3.14159265358979");
    // Gauss-Legendre roughly doubles the correct digits each step: about log2(1024) steps.
    expect(Number(kv.iterations)).toBeGreaterThanOrEqual(8);
    expect(Number(kv.iterations)).toBeLessThanOrEqual(12);
  });

  it("never prints the digits themselves", () => {
    const r = tool("superpi", "12");
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBeLessThan(200);
    expect(r.stdout).not.toContain("1415926535897932"); // head stops one digit short of this
  });

  it.each([[[]], [["3"]], [["27"]], [["x"]], [["10x"]], [["-10"]], [[""]], [["10", "11"]]])(
    "rejects arguments %j with exit 2 and a usage line",
    (args: string[]) => {
      const r = tool("superpi", ...args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/^usage: superpi N/);
    },
  );
});

describe("masr", () => {
  it("sets and reads every byte of 1 MiB: two operations per byte", () => {
    const r = tool("masr", String(2 ** 20));
    expect(r).toMatchObject({ code: 0, stderr: "" });
    // 2^17 words of 0x5a5a5a5a5a5a5a5a, summed mod 2^64.
    expect(keyValues(r.stdout)).toEqual({
      bytes: "1048576",
      operations: "2097152",
      checksum: "b4b4b4b4b4b40000",
    });
  });

  it("counts a tail shorter than a word byte by byte", () => {
    const r = tool("masr", "13");
    expect(r.code).toBe(0);
    // One word (0x5a5a5a5a5a5a5a5a) plus five bytes of 0x5a (0x1c2).
    expect(keyValues(r.stdout)).toEqual({ bytes: "13", operations: "26", checksum: "5a5a5a5a5a5a5c1c" });
  });

  it.each([[["0"]], [["x"]], [["-1"]], [["1e6"]], [[" 8"]], [[String(2 ** 40 + 1)]], [[]], [["8", "8"]]])(
    "rejects arguments %j with exit 2 and a usage line",
    (args: string[]) => {
      const r = tool("masr", ...args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/^usage: masr BYTES/);
    },
  );
});
