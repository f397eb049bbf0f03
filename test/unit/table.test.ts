// Routing tables as data (drivers/table.ts): the generator is deterministic and realistic, the digest
// is the read script's formula, file tables are refused line by line, and lab traffic stays in.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tableModule from "../../drivers/table";
import { cachedDigest, cachedText } from "../../drivers/tableCache";
import {
  generateRoutes,
  labProblem,
  parsePrefix,
  parseTableFile,
  routeLine,
  tableDigest,
  tableLines,
  tableRoutes,
  type GeneratedSpec,
} from "../../drivers/table";

const skip = ["198.18.1.0/24", "198.18.2.0/24"];
const spec = (routes: number, seed = 1): GeneratedSpec => ({
  form: "generated",
  seed,
  routes,
  destinations: { within: "198.19.0.0/16", routes: Math.min(routes, 256) },
  via: ["198.18.2.2", "198.18.1.2"],
  skip,
});

describe("the generator", () => {
  test("gives the same table for a seed on every run, and another for another seed", () => {
    const digest = (s: GeneratedSpec) => tableDigest(tableLines(generateRoutes(s)));
    // A literal: a change to the generator changes every stack's tables, so it must show here.
    expect(digest(spec(1000))).toBe("6457c4353de7334d");
    expect(digest(spec(1000))).toBe(digest(spec(1000)));
    expect(digest(spec(1000, 2))).not.toBe(digest(spec(1000)));
  });

  test("a table of more routes holds the smaller one's routes, each with the same next hop", () => {
    const lines = (n: number) => generateRoutes(spec(n)).map(routeLine);
    const small = lines(5000);
    const large = new Set(lines(5050));
    expect(small.filter((l) => !large.has(l))).toEqual([]);
    expect(large.size).toBe(5050);
  });

  test("makes distinct, lab-safe routes with today's prefix-length mix and lab destinations", () => {
    const routes = generateRoutes(spec(100_000));
    expect(routes).toHaveLength(100_000);
    expect(new Set(routes.map(routeLine)).size).toBe(100_000);
    expect(routes.filter((r) => labProblem(r, skip) !== undefined)).toEqual([]);
    const share = (len: number) => routes.filter((r) => r.len === len).length / routes.length;
    expect(share(24)).toBeGreaterThan(0.55);
    expect(share(24)).toBeLessThan(0.65);
    expect(share(22) + share(23)).toBeGreaterThan(0.15);
    expect(routes.some((r) => r.len < 16)).toBe(true);
    const inLab = routes.filter((r) => r.net >>> 16 === (198 << 8) + 19);
    expect(inLab).toHaveLength(256);
    expect(inLab.every((r) => r.len >= 20 && r.len <= 28)).toBe(true);
    // Spread over the space: every first octet from 1 to 223 but the reserved ones.
    expect(new Set(routes.map((r) => r.net >>> 24)).size).toBeGreaterThan(200);
    expect(new Set(routes.map((r) => r.via))).toEqual(new Set(["198.18.2.2", "198.18.1.2"]));
  });
});

describe("the digest", () => {
  test("is what `LC_ALL=C sort | sha256sum` prints of the lines, as the read script computes it", () => {
    const lines = tableLines(generateRoutes(spec(5000)));
    const shuffled = [...lines].reverse().join("\n") + "\n";
    const shell = execFileSync("sh", ["-c", "LC_ALL=C sort | sha256sum | cut -c1-16"], {
      input: shuffled,
      encoding: "utf8",
    }).trim();
    expect(tableDigest(lines)).toBe(shell);
  });

  test("prints /32 routes bare, as `ip route` does", () => {
    expect(routeLine({ net: 0x01020304, len: 32, via: "198.18.2.2" })).toBe("1.2.3.4 198.18.2.2");
    expect(routeLine({ net: 0x01020300, len: 24, via: "198.18.2.2" })).toBe("1.2.3.0/24 198.18.2.2");
  });
});

describe("labProblem", () => {
  const r = (cidr: string, via = "198.18.2.2") => {
    const p = parsePrefix(cidr);
    if (!p) throw new Error(`test data: ${cidr}`);
    return { ...p, via };
  };
  test.each([
    ["0.0.0.0/0", "198.18.2.2", /default route/],
    ["198.0.0.0/8", "198.18.2.2", /covers the lab range/],
    ["198.18.0.0/15", "198.18.2.2", /covers the lab range/],
    ["1.2.3.0/24", "192.0.2.1", /outside the lab range/],
    ["198.18.2.128/25", "198.18.2.2", /overlaps the connected subnet 198.18.2.0\/24/],
    ["198.18.0.0/16", "198.18.2.2", /overlaps the connected subnet 198.18.1.0\/24/],
  ])("refuses %s via %s", (cidr, via, why) => {
    expect(labProblem(r(cidr, via), skip)).toMatch(why);
  });
  test("accepts public prefixes and lab prefixes off the connected subnets", () => {
    expect(labProblem(r("1.2.3.0/24"), skip)).toBeUndefined();
    expect(labProblem(r("198.19.4.0/22"), skip)).toBeUndefined();
  });
});

describe("parseTableFile", () => {
  test("reads `prefix [via]` lines, comments and blank lines, bare addresses as /32", () => {
    const text = "# a table\n1.2.3.0/24\n\n5.6.7.8 198.18.1.2  # one host\n9.0.0.0/8\r\n";
    const { routes, problems } = parseTableFile(text, "198.18.2.2");
    expect(problems).toEqual([]);
    expect(routes.map(routeLine)).toEqual([
      "1.2.3.0/24 198.18.2.2",
      "5.6.7.8 198.18.1.2",
      "9.0.0.0/8 198.18.2.2",
    ]);
  });

  test("names every bad line by its number", () => {
    const text = [
      "1.2.3.0/24", // 1 fine
      "1.2.3.4/24", // 2 host bits
      "10.0.0.0/33", // 3 not a prefix
      "1.2.3.0/24", // 4 repeat
      "4.0.0.0/8 via 198.18.2.2", // 5 three words
      "5.0.0.0/8 198.18.2", // 6 bad via
      "010.0.0.0/8", // 7 leading zero
    ].join("\n");
    expect(parseTableFile(text, "198.18.2.2").problems).toEqual([
      { line: 2, message: '"1.2.3.4/24" has host bits set (the network is 1.2.3.0/24)' },
      { line: 3, message: '"10.0.0.0/33" is not an IPv4 prefix (a.b.c.d/len or an address)' },
      { line: 4, message: "1.2.3.0/24 repeats line 1" },
      { line: 5, message: 'expected "prefix [via]", found 3 words' },
      { line: 6, message: 'next hop "198.18.2" is not an IPv4 address' },
      { line: 7, message: '"010.0.0.0/8" is not an IPv4 prefix (a.b.c.d/len or an address)' },
    ]);
  });

  test("a line without a next hop needs the table's via; an empty file is a problem", () => {
    expect(parseTableFile("1.2.3.0/24\n", undefined).problems).toEqual([
      { line: 1, message: '"1.2.3.0/24" names no next hop, and the table has no via' },
    ]);
    expect(parseTableFile("# nothing\n", "198.18.2.2").problems).toEqual([
      { line: 0, message: "has no routes" },
    ]);
  });
});

describe("tableRoutes", () => {
  test("a file table must still hold what the program read", () => {
    const text = "1.2.3.0/24\n";
    const sha256 = createHash("sha256").update(text).digest("hex");
    const file = { form: "file" as const, file: "t.txt", sha256, routes: 1, via: ["198.18.2.2"], skip };
    expect(tableRoutes(file, () => Buffer.from(text)).map(routeLine)).toEqual(["1.2.3.0/24 198.18.2.2"]);
    expect(() => tableRoutes(file, () => Buffer.from("1.2.4.0/24\n"))).toThrow(
      /changed since the program read it/,
    );
  });

  test("the block form and stacks' legacy specs carve consecutive prefixes around connected subnets", () => {
    const block = tableRoutes({
      form: "block",
      within: "198.18.0.0/15",
      prefixLength: 24,
      routes: 3,
      via: ["198.18.2.2"],
      skip,
    });
    expect(block.map(routeLine)).toEqual([
      "198.18.0.0/24 198.18.2.2",
      "198.18.3.0/24 198.18.2.2",
      "198.18.4.0/24 198.18.2.2",
    ]);
    const legacy = tableRoutes({
      start: 0xc6130000,
      prefixLength: 32,
      count: 2,
      via: "198.18.2.2",
      skip: [[0xc6130000, 0xc6130001]],
    });
    expect(legacy.map(routeLine)).toEqual(["198.19.0.1 198.18.2.2", "198.19.0.2 198.18.2.2"]);
  });
});

describe("the table cache", () => {
  const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), "vrlab-tables-"));
  const small = spec(2000, 9);

  test("makes a spec's table once: a later digest or text is read, and they agree with a fresh make", () => {
    const d = dir();
    const made = jest.spyOn(tableModule, "tableRoutes");
    const digest = cachedDigest(small, d);
    expect(made).toHaveBeenCalledTimes(1);
    expect(cachedDigest(small, d)).toBe(digest);
    const text = cachedText(small, d);
    expect(made).toHaveBeenCalledTimes(1); // both from the cache
    made.mockRestore();
    expect(digest).toBe(tableDigest(tableLines(generateRoutes(small))));
    expect(text.split("\n").filter(Boolean).sort()).toEqual(tableLines(generateRoutes(small)));
    fs.rmSync(d, { recursive: true, force: true });
  });

  test("a cached text that holds anything but addresses is refused; a bad digest file is remade", () => {
    const d = dir();
    const digest = cachedDigest(small, d);
    const [lines] = fs.readdirSync(d).filter((f) => f.endsWith(".lines"));
    const [digestFile] = fs.readdirSync(d).filter((f) => f.endsWith(".digest"));
    fs.writeFileSync(path.join(d, digestFile), "not a digest");
    expect(cachedDigest(small, d)).toBe(digest);
    fs.appendFileSync(path.join(d, lines), "1.2.3.0/24 198.18.2.2\nroute flush all\n");
    expect(() => cachedText(small, d)).toThrow(/unexpected characters/);
    fs.rmSync(d, { recursive: true, force: true });
  });
});
