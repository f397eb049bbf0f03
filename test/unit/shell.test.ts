import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { routesScripts, wantedText } from "../../drivers/routes";
import { type LegacySpec } from "../../drivers/table";
import { ALLOW, AllowKind, SafeArg, UnsafeValueError, arg, check, quote, raw, sh } from "../../remote/shell";

const KINDS = Object.keys(ALLOW) as AllowKind[];

// Characters that would let a value change a shell command, plus whitespace (word splitting).
const META = /[;$()`\n\r\0'"\\|&><*?[\]{}~#!\s]/;

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected a throw");
}

const GOOD: Record<AllowKind, unknown[]> = {
  name: ["r1", "br-core", "a", `a${"b".repeat(30)}`, "rt-main2"],
  ifname: ["eth0", "veth-r1.100", "br_core", "A", "a".repeat(15)],
  netns: ["vabcdefgh-vr1", `vabcdefgh-${"r".repeat(31)}`, "lab_ns.1", "a".repeat(63)],
  ipv4: ["0.0.0.0", "10.0.0.1", "192.168.1.10", "255.255.255.255"],
  ipv4cidr: ["0.0.0.0/0", "10.0.0.0/8", "1.2.3.4/24", "192.168.1.1/32"],
  hostname: ["localhost", "r1.lab.example", "10.0.0.1", "xn--bcher-kva.example", "a-b.c", "a", "0"],
  user: ["root", "vagrant", "_apt", "lab-user1", "a".repeat(32)],
  path: ["/", "/etc/frr/frr.conf", "/var/lib/vrlab/r1.img", "/opt/.hidden/x", "/a..b/c.", "/a/-b"],
  // 16 TiB in bytes (the schema's largest memoryMiB), and the largest safe integer.
  uint: [
    "0",
    "1",
    "42",
    "4294967295",
    "9999999999",
    0,
    7,
    65535,
    -0,
    2 ** 44,
    1e10,
    "9007199254740991",
    2 ** 53 - 1,
  ],
  owner: ["vrlab-embedded", "vrlab-test-program-1234", "My.Project_x-dev", "0", `v${"x".repeat(99)}`],
};
GOOD.hostname.push([1, 2, 3].map(() => "a".repeat(63)).join(".") + `.${"b".repeat(61)}`); // exactly 253

const BAD: Record<AllowKind, unknown[]> = {
  name: ["", "-r1", "R1", "1r", "a".repeat(32), "r_1", "r 1", "r1;", "rü", 42, null, undefined, ["r1"]],
  ifname: ["", "a".repeat(16), "0eth", "-eth", "eth 0", "eth0/1", "eth0:1", "éth0", "eth0\n", 0],
  netns: ["", "a".repeat(64), "-ns", ".", "..", "a/b", "ns 1", "ns\n", "nś", 1],
  ipv4: ["256.0.0.1", "01.2.3.4", "1.2.3", "1.2.3.4.5", " 1.2.3.4", "1.2.3.4\n", "١.2.3.4", "0x1.2.3.4", ""],
  ipv4cidr: ["10.0.0.0/33", "10.0.0.0/08", "10.0.0.0", "10.0.0.0/", "/24", "10.0.0.0/-1", "1.2.3.4/2/4"],
  hostname: ["", "-r1", "r1-", "R1", "r1..lab", "r1.", ".r1", "a".repeat(64), "r1;id", "r 1", "r1_x", "u@r1"],
  user: ["", "Root", "-u", "1user", "a".repeat(33), "user name", "us$er", "user@host", "usér"],
  path: ["", "etc/x", "/a/../b", "/..", "/a/..", "../a", "/a b", "/a;b", "/a\nb", "~/x", "/$(id)", "/a*"],
  owner: ["", "-x", ".x", "a/b", "a b", "a;b", "$(id)", "a'b", `v${"x".repeat(100)}`, "vrlab-é", 1],
  uint: [
    "",
    "01",
    "-1",
    "1.5",
    "1e3",
    " 1",
    "+1",
    "0x10",
    "9007199254740992",
    "12345678901234567",
    -1,
    1.5,
    NaN,
    Infinity,
    2 ** 53,
    1e17,
  ],
};
BAD.hostname.push([1, 2, 3, 4].map(() => "a".repeat(63)).join(".")); // 255 characters
BAD.path.push(`/${"a".repeat(256)}`);

describe("allow-lists", () => {
  it("are frozen, anchored and cover the required kinds", () => {
    expect(KINDS.sort()).toEqual([
      "hostname",
      "ifname",
      "ipv4",
      "ipv4cidr",
      "name",
      "netns",
      "owner",
      "path",
      "uint",
      "user",
    ]);
    expect(Object.isFrozen(ALLOW)).toBe(true);
    for (const k of KINDS) {
      expect(Object.isFrozen(ALLOW[k])).toBe(true);
      expect(ALLOW[k].source).toMatch(/^\^.*\$$/);
    }
  });

  describe.each(KINDS)("%s", (kind) => {
    it("accepts good values", () => {
      expect(GOOD[kind].map((v) => check(kind, v))).toEqual(GOOD[kind].map(String));
    });
    it("rejects bad values with UnsafeValueError", () => {
      const notRejected = BAD[kind].filter(
        (v) => !(caught(() => check(kind, v)) instanceof UnsafeValueError),
      );
      expect(notRejected).toEqual([]);
    });
  });
});

describe("check", () => {
  it("names the kind, value and config path in the error", () => {
    const e = caught(() => check("ifname", "a".repeat(16), "guests[0].interfaces[0].name"));
    expect(e).toBeInstanceOf(UnsafeValueError);
    expect(e).toMatchObject({
      name: "UnsafeValueError",
      kind: "ifname",
      value: "a".repeat(16),
      path: "guests[0].interfaces[0].name",
      message:
        'unsafe ifname value "aaaaaaaaaaaaaaaa" at guests[0].interfaces[0].name: ' +
        "must match /^(?:[a-zA-Z][a-zA-Z0-9_.-]{0,14})$/",
    });
  });

  it("makes control and bidi characters visible and truncates to 80 characters", () => {
    const value = `x\n\u202e${"y".repeat(200)}`;
    expect(() => check("name", value)).toThrow(
      `unsafe name value "x\\n\\u202e${"y".repeat(77)}"...: contains non-printable or non-ASCII characters`,
    );
  });

  it("explains non-string, '..' and over-long rejections", () => {
    expect(() => check("name", 42, "bridges[1]")).toThrow(
      "unsafe name value 42 at bridges[1]: expected a string",
    );
    expect(() => check("uint", -1)).toThrow("expected a string or a non-negative safe integer");
    expect(() => check("path", "/srv/../etc")).toThrow("must not contain a '..' segment");
    expect(() => check("hostname", `${"a.".repeat(127)}a`)).toThrow("must be at most 253 characters");
  });

  it("refuses an unknown kind", () => {
    expect(() => check("shell" as AllowKind, "x")).toThrow(TypeError);
  });
});

describe("quote, arg, raw, sh", () => {
  it("single-quotes with the '\\'' idiom", () => {
    expect(quote("")).toBe("''");
    expect(quote("it's")).toBe("'it'\\''s'");
    expect(quote("$(id)")).toBe("'$(id)'");
  });

  it("renders checked args and raw constants into a plain string", () => {
    const a = arg("ifname", "veth0");
    expect(a).toBeInstanceOf(SafeArg);
    expect(String(a)).toBe("'veth0'");
    expect(sh`ip ${raw("-4")} link add ${a} type veth peer name ${arg("ifname", "veth1")}`).toBe(
      "ip -4 link add 'veth0' type veth peer name 'veth1'",
    );
    expect(sh`true`).toBe("true");
    expect(() => sh`printf \x${a}`).toThrow("sh: invalid escape in a literal part");
  });

  it("raw refuses anything but safe constant text", () => {
    for (const bad of ["", "a b", "$(id)", "a;b", "'", "x\n"] as const)
      expect(() => raw(bad)).toThrow(UnsafeValueError);
    const s: string = "-o";
    // @ts-expect-error raw() only takes string literals, so config values cannot be passed by mistake
    expect(String(raw(s))).toBe("-o");
  });

  it("SafeArg cannot be forged", () => {
    expect(() => new SafeArg(Symbol("SafeArg.mint") as never, "x")).toThrow(TypeError);
    const fake = Object.create(SafeArg.prototype) as SafeArg;
    expect(() => sh`echo ${fake}`).toThrow(TypeError);
  });

  it("sh names the position of a non-SafeArg interpolation", () => {
    const evil = "x; rm -rf /" as unknown as SafeArg;
    expect(() => sh`ip link set ${arg("ifname", "eth0")} name ${evil}`).toThrow(
      new TypeError('sh: interpolation #2 (after " name ") is a string, not a SafeArg'),
    );
  });
});

describe("route lines for ip -batch", () => {
  const LAB = 198 * 2 ** 24 + 18 * 2 ** 16; // 198.18.0.0
  const spec = (over: Partial<LegacySpec> = {}): LegacySpec => ({
    start: LAB + 2 ** 16,
    prefixLength: 32,
    count: 3,
    via: "198.18.2.2",
    skip: [],
    ...over,
  });

  it("are checked like shell values: a hostile next hop cannot add a batch command", () => {
    expect(wantedText(spec())).toBe(
      ["198.19.0.0", "198.19.0.1", "198.19.0.2"].map((d) => `${d} 198.18.2.2\n`).join(""),
    );
    expect(wantedText(spec({ prefixLength: 24, count: 1 }))).toBe("198.19.0.0/24 198.18.2.2\n");
    for (const via of ["198.18.2.2\nroute flush all", "198.18.2.2 dev lo", "", "::1"]) {
      expect(() => wantedText(spec({ via }))).toThrow(UnsafeValueError);
      expect(() => routesScripts({ ns: "vabcdefgh-vr1", spec: spec({ via }) })).toThrow(UnsafeValueError);
    }
    // A spec in state that is not a prefix (corrupted) yields no route line, not a wrapped address.
    expect(() => wantedText(spec({ start: 2 ** 32 - 1, prefixLength: 32, count: 1 }))).not.toThrow();
    expect(() => wantedText(spec({ start: -256, prefixLength: 24, count: 1 }))).toThrow(/not an IPv4 prefix/);
  });

  it("hold one checked line per route at 100,000 routes", () => {
    const lines = wantedText(spec({ count: 100_000 })).split("\n");
    expect(lines).toHaveLength(100_001); // and the final newline
    expect(lines[99_999]).toBe("198.20.134.159 198.18.2.2"); // 198.19.0.0 + 99,999
  });
});

// ---- property tests with hostile values ----

// prettier-ignore
const FRAGMENTS = [
  ";", "$(", ")", "`", "\n", "\r", "\0", "-", "'", '"', "\\", "|", "&", ">", "<", "*", " ", "\t", "..", "/",
  "é", "\u202e", "\u00a0", "😀", "$HOME", "${IFS}", "$(touch pwned)", "`touch pwned`", "; touch pwned",
  "\ntouch pwned", "' ; touch pwned; '", "-rf",
];
const fragment = fc.constantFrom(...FRAGMENTS);
const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "binary-ascii", maxLength: 40 }),
  fc
    .array(fc.oneof(fragment, fc.string({ maxLength: 4 }), fc.string({ unit: "binary", maxLength: 3 })), {
      maxLength: 12,
    })
    .map((parts) => parts.join("")),
  fc.string({ maxLength: 20 }).map((s) => `-${s}`),
  fc.string({ minLength: 300, maxLength: 400 }),
);
// Per kind, arbitraries are built once: fc.stringMatching is costly to construct.
// `valid` weights the values that pass, so properties that execute the result run often enough.
function kindAndValue(valid: number): fc.Arbitrary<[AllowKind, unknown]> {
  return fc.oneof(
    ...KINDS.map((kind) => {
      const matching = fc.stringMatching(ALLOW[kind]);
      // A valid value with one hostile fragment spliced in: the near misses an allow-list must catch.
      const spliced = fc
        .tuple(matching, fragment, fc.nat())
        .map(([v, f, n]) => v.slice(0, n % (v.length + 1)) + f + v.slice(n % (v.length + 1)));
      const value = fc.oneof(
        { arbitrary: matching, weight: valid },
        { arbitrary: fc.nat(), weight: kind === "uint" ? valid : 1 },
        hostileString,
        spliced,
        fc.anything(),
        fc.integer(),
        fc.double(),
      );
      return fc.tuple(fc.constant(kind), value);
    }),
  );
}

function runSh(script: string, cwd?: string) {
  return spawnSync("/bin/sh", ["-c", script], { encoding: "utf8", cwd });
}

describe("properties", () => {
  let scratch: string;
  beforeAll(() => (scratch = mkdtempSync(join(tmpdir(), "vrlab-shell-"))));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("a) check either throws UnsafeValueError or returns a metacharacter-free match", () => {
    let accepted = 0;
    fc.assert(
      fc.property(kindAndValue(1), fc.option(fc.string()), ([kind, value], path) => {
        let s: string;
        try {
          s = check(kind, value, path ?? undefined);
        } catch (e) {
          expect(e).toBeInstanceOf(UnsafeValueError);
          expect(e).toMatchObject({ kind, path: path ?? undefined });
          expect(Object.is((e as UnsafeValueError).value, value)).toBe(true);
          return;
        }
        accepted++;
        expect(s).toMatch(ALLOW[kind]);
        expect(s).toMatch(/^[\x20-\x7e]+$/);
        expect(s).not.toMatch(META);
        expect(s.startsWith("-")).toBe(false);
        expect(s).not.toMatch(/(^|\/)\.\.(\/|$)/);
      }),
      { numRuns: 1000 },
    );
    expect(accepted).toBeGreaterThan(50); // the property must not hold only vacuously
  });

  it("b) quote(s) is exactly one inert shell word for any string without NUL", () => {
    fc.assert(
      fc.property(hostileString, (raw) => {
        const s = raw.replace(/\0/g, ""); // argv cannot carry NUL
        const r = runSh(`printf %s ${quote(s)}`, scratch);
        expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
          status: 0,
          stdout: s,
          stderr: "",
        });
      }),
      { numRuns: 200 },
    );
    expect(readdirSync(scratch)).toEqual([]); // no injected `touch pwned` ever ran
  });

  it("c) a hostile value through arg() cannot change an sh command", () => {
    let rendered = 0;
    fc.assert(
      fc.property(kindAndValue(12), kindAndValue(12), ([k1, v1], [k2, v2]) => {
        let cmd: string;
        try {
          cmd = sh`printf [%s] ${arg(k1, v1)} ${arg(k2, v2)}`;
        } catch (e) {
          expect(e).toBeInstanceOf(UnsafeValueError);
          return;
        }
        rendered++;
        const r = runSh(cmd, scratch);
        expect(r.stdout).toBe(`[${check(k1, v1)}][${check(k2, v2)}]`);
        expect(r.status).toBe(0);
      }),
      { numRuns: 200 },
    );
    expect(readdirSync(scratch)).toEqual([]);
    expect(rendered).toBeGreaterThan(50);
  });

  it("d) sh throws TypeError for any interpolation that is not a SafeArg", () => {
    fc.assert(
      fc.property(fc.oneof(hostileString, fc.anything()), (v) => {
        const forged = v as unknown as SafeArg;
        expect(() => sh`echo ${arg("name", "ok")} ${forged}`).toThrow(/^sh: interpolation #2 /);
        expect(() => sh`echo ${forged}`).toThrow(TypeError);
      }),
      { numRuns: 500 },
    );
  });
});
