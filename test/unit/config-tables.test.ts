// Routing tables at BGP scale in the config: the three forms, prefix-list files read and checked in full
// at load (every bad line with its number), next-hop lists, and the realistic generator's destinations.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { ExperimentConfigError, type Problem } from "../../config/errors";
import { loadExperiment, parseStackFile } from "../../config/load";
import { type Experiment } from "../../config/model";
import { MAX_LISTED } from "../../config/tables";

const embeddedFile = path.resolve(__dirname, "../../stacks/Pulumi.embedded.yaml");
const fixtures = path.resolve(__dirname, "../fixtures/tables");
const projectDir = path.resolve(__dirname, "../..");
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const base = (): Json =>
  structuredClone(parseStackFile(embeddedFile, fs.readFileSync(embeddedFile, "utf8")).experiment);

/** The embedded experiment with its one table replaced by `table`. */
function withTable(table: Json): Json {
  const e = base();
  e.routingTables = [{ name: "rt1k", ...table }];
  return e;
}

const load = (e: Json, dir = projectDir): Experiment =>
  loadExperiment(parseStackFile("test.yaml", stringify({ config: { "vrlab:experiment": e } })), {
    deploy: false,
    projectDir: dir,
  });

function problems(e: Json, dir = projectDir): Problem[] {
  try {
    load(e, dir);
  } catch (err) {
    if (!(err instanceof ExperimentConfigError)) throw err;
    return err.problems.map(({ path: p, message }) => ({ path: p, message }));
  }
  return [];
}

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "vrlab-tables-"));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const write = (name: string, text: string): string => {
  fs.writeFileSync(path.join(tmp, name), text);
  return name;
};

describe("file tables", () => {
  test("a good file loads with its count, sha256 and digest; the path is kept as written", () => {
    const e = load(withTable({ file: "test/fixtures/tables/good.txt", via: "198.18.2.2" }));
    const bytes = fs.readFileSync(path.join(fixtures, "good.txt"));
    // What `ip route show | awk '{print $1, $3}' | LC_ALL=C sort | sha256sum | cut -c1-16` prints.
    const lines = [
      "1.0.0.0/24 198.18.2.2",
      "10.0.0.0/8 198.18.2.2",
      "198.19.4.0/22 198.18.2.2",
      "203.0.113.7 198.18.2.2",
      "8.8.8.0/24 198.18.1.2",
    ];
    expect(e.routingTables[0]).toEqual({
      name: "rt1k",
      routes: 5,
      via: ["198.18.2.2"],
      file: {
        path: "test/fixtures/tables/good.txt",
        sha256: createHash("sha256").update(bytes).digest("hex"),
        digest: createHash("sha256")
          .update(`${lines.join("\n")}\n`)
          .digest("hex")
          .slice(0, 16),
      },
    });
  });

  test("relative paths are read from the project directory; absolute ones as they are", () => {
    write("t.txt", "1.0.0.0/24\n2.0.0.0/16\n");
    expect(load(withTable({ file: "t.txt", via: "198.18.2.2" }), tmp).routingTables[0].routes).toBe(2);
    const abs = path.join(tmp, "t.txt");
    expect(load(withTable({ file: abs, via: "198.18.2.2", routes: 2 })).routingTables[0].routes).toBe(2);
  });

  test("routes, when given, must be the file's count", () => {
    expect(
      problems(withTable({ file: "test/fixtures/tables/good.txt", via: "198.18.2.2", routes: 6 })),
    ).toEqual([
      {
        path: "routingTables[0].routes",
        message: "test/fixtures/tables/good.txt has 5 routes, not 6 (omit routes to take the file's count)",
      },
    ]);
  });

  test("every bad line is refused with its number: syntax, default route, covering the lab, connected subnets, next hops", () => {
    const name = "test/fixtures/tables/bad.txt";
    const at = "routingTables[0].file";
    expect(problems(withTable({ file: name, via: "198.18.2.2" }))).toEqual([
      { path: at, message: `${name}:3: "10.0.0.0/33" is not an IPv4 prefix (a.b.c.d/len or an address)` },
      { path: at, message: `${name}:4: a default route would take every destination, lab traffic included` },
      {
        path: at,
        message: `${name}:5: 198.0.0.0/7 covers the lab range 198.18.0.0/15: lab traffic would follow it`,
      },
      {
        path: at,
        message: `${name}:6: 198.18.1.0/25 overlaps the connected subnet 198.18.1.0/24: it would shadow its hosts`,
      },
      { path: at, message: `${name}:7: "1.2.3.4/24" has host bits set (the network is 1.2.3.0/24)` },
      {
        path: at,
        message: `${name}:8: next hop 8.8.8.8 is outside the lab range 198.18.0.0/15: traffic would leave the lab`,
      },
      { path: at, message: `${name}:9: 1.0.0.0/24 repeats line 2` },
      {
        path: at,
        message: `${name}:10: guest "vr3" installs this table, and 198.18.1.13 is its own address (guests[2].interfaces[0].address)`,
      },
      { path: at, message: `${name}:11: expected "prefix [via]", found 3 words` },
    ]);
  });

  test(`past ${MAX_LISTED} bad lines, the rest are counted`, () => {
    const text = ["1.0.0.0/8", ...Array.from({ length: 30 }, (_, i) => `${i}.0.0.0/33`)].join("\n");
    const got = problems(withTable({ file: write("many.txt", text), via: "198.18.2.2" }), tmp);
    expect(got).toHaveLength(MAX_LISTED + 1);
    expect(got[0].message).toBe('many.txt:2: "0.0.0.0/33" is not an IPv4 prefix (a.b.c.d/len or an address)');
    expect(got[MAX_LISTED - 1].message).toMatch(/^many\.txt:21: "19\.0\.0\.0\/33"/);
    expect(got[MAX_LISTED]).toEqual({
      path: "routingTables[0].file",
      message: "many.txt:22-31: 10 more problems, not listed",
    });
  });

  test("a next hop many lines name is reported once, at its first line", () => {
    const text = "1.0.0.0/8 198.18.1.11\n2.0.0.0/8 198.18.1.11\n3.0.0.0/8 198.18.1.11\n";
    expect(problems(withTable({ file: write("hop.txt", text), via: "198.18.2.2" }), tmp)).toEqual([
      {
        path: "routingTables[0].file",
        message:
          'hop.txt:1: guest "vr1" installs this table, and 198.18.1.11 is its own address (guests[0].interfaces[0].address) (2 more lines name 198.18.1.11)',
      },
    ]);
  });

  test("a missing, empty or unreadable file is one clear problem", () => {
    write("empty.txt", "# nothing\n");
    fs.mkdirSync(path.join(tmp, "dir"), { recursive: true });
    const cases: [string, string][] = [
      ["none.txt", `none.txt: cannot be read: no such file (looked at ${path.join(tmp, "none.txt")})`],
      ["dir", `dir: cannot be read: it is not a regular file (looked at ${path.join(tmp, "dir")})`],
      ["empty.txt", "empty.txt: has no routes"],
    ];
    for (const [file, message] of cases)
      expect(problems(withTable({ file, via: "198.18.2.2" }), tmp)).toEqual([
        { path: "routingTables[0].file", message },
      ]);
  });
});

describe("forms", () => {
  test("exactly one of generate and file; routes with generate; one generated form at a time", () => {
    const file = "test/fixtures/tables/good.txt";
    const gen = { within: "198.19.0.0/16", prefixLength: 32 };
    expect(problems(withTable({ routes: 5, via: "198.18.2.2", generate: gen, file }))).toEqual([
      { path: "routingTables[0]", message: "must give exactly one of: generate, file" },
    ]);
    expect(problems(withTable({ routes: 5, via: "198.18.2.2" }))).toEqual([
      { path: "routingTables[0]", message: "must give exactly one of: generate, file" },
    ]);
    expect(problems(withTable({ via: "198.18.2.2", generate: gen }))).toEqual([
      { path: "routingTables[0]", message: "must have property routes when property generate is present" },
    ]);
    expect(problems(withTable({ routes: 5, via: "198.18.2.2", generate: { ...gen, seed: 1 } }))).toEqual([
      { path: "routingTables[0].generate", message: "must give exactly one of: within, seed" },
    ]);
    expect(
      problems(withTable({ routes: 5, via: "198.18.2.2", generate: { seed: 1, prefixLength: 24 } })),
    ).toEqual([
      {
        path: "routingTables[0].generate",
        message: "must have property within when property prefixLength is present",
      },
    ]);
  });

  test("the realistic form takes up to 1,000,000 routes, with default destinations", () => {
    const e = load(
      withTable({ routes: 1000000, via: ["198.18.2.2", "198.18.1.2"], generate: { seed: 4294967295 } }),
    );
    expect(e.routingTables[0]).toEqual({
      name: "rt1k",
      routes: 1000000,
      via: ["198.18.2.2", "198.18.1.2"],
      generate: { seed: 4294967295, destinations: { within: "198.19.0.0/16", routes: 256 } },
    });
    const small = load(withTable({ routes: 10, via: "198.18.2.2", generate: { seed: 0 } }));
    expect(small.routingTables[0].generate).toEqual({
      seed: 0,
      destinations: { within: "198.19.0.0/16", routes: 10 },
    });
    expect(problems(withTable({ routes: 1000001, via: "198.18.2.2", generate: { seed: 1 } }))).toEqual([
      { path: "routingTables[0].routes", message: "must be at most 1000000, not 1000001" },
    ]);
  });

  test("realistic destinations lie in the lab range, number at most routes, and fit their block", () => {
    const table = (destinations: Json, routes = 1000): Json =>
      withTable({ routes, via: "198.18.2.2", generate: { seed: 7, destinations } });
    const at = "routingTables[0].generate.destinations";
    expect(problems(table({ within: "10.0.0.0/16", routes: 10 }))).toEqual([
      {
        path: `${at}.within`,
        message: "10.0.0.0/16 is outside the lab range 198.18.0.0/15: destinations are lab addresses",
      },
    ]);
    expect(problems(table({ within: "198.19.0.0/29", routes: 1 }))).toEqual([
      {
        path: `${at}.within`,
        message:
          "198.19.0.0/29 is a /29: destinations are /20 to /28 prefixes, so the block must be /28 or larger",
      },
    ]);
    expect(problems(table({ within: "198.19.0.0/16", routes: 11 }, 10))).toEqual([
      { path: `${at}.routes`, message: "11 destination routes are more than the table's 10 routes" },
    ]);
    // A /24 holds 1 + 2 + 4 + 8 + 16 prefixes of /24 to /28; the connected 198.18.1.0/24 leaves none.
    expect(problems(table({ within: "198.19.7.0/24", routes: 31 }))).toEqual([]);
    expect(problems(table({ within: "198.19.7.0/24", routes: 32 }))[0].message).toMatch(
      /^32 destination routes do not fit: 198\.19\.7\.0\/24 holds only 31 \/20 to \/28 prefixes outside the connected subnets/,
    );
    expect(problems(table({ within: "198.18.1.0/24", routes: 1 }))[0].message).toMatch(/holds only 0 /);
  });

  test("old contiguous tables load as before, via made a list", () => {
    const e = load(
      withTable({ routes: 1000, generate: { within: "198.19.0.0/16", prefixLength: 32 }, via: "198.18.2.2" }),
    );
    expect(e.routingTables).toEqual([
      {
        name: "rt1k",
        routes: 1000,
        via: ["198.18.2.2"],
        generate: { within: "198.19.0.0/16", prefixLength: 32 },
      },
    ]);
  });
});

describe("next hops", () => {
  test("each hop of a via list is checked, and a bad one is named with its index", () => {
    const e = withTable({ routes: 10, via: ["198.18.2.2", "198.18.2.11", "9.9.9.9"], generate: { seed: 1 } });
    expect(problems(e)).toEqual([
      {
        path: "routingTables[0].via[1]",
        message:
          'guest "vr1" installs this table, and 198.18.2.11 is its own address (guests[0].interfaces[1].address)',
      },
      {
        path: "routingTables[0].via[2]",
        message: "next hop 9.9.9.9 is outside the lab range 198.18.0.0/15: lab traffic would leave the lab",
      },
    ]);
  });

  test("a next hop outside the lab range is refused even when no guest installs the table", () => {
    const e = withTable({ routes: 10, via: "8.8.8.8", generate: { seed: 1 } });
    for (const g of e.guests) delete g.routingTable;
    expect(problems(e)).toEqual([
      {
        path: "routingTables[0].via",
        message: "next hop 8.8.8.8 is outside the lab range 198.18.0.0/15: lab traffic would leave the lab",
      },
    ]);
  });

  test("a via list is non-empty, without repeats, of addresses", () => {
    const gen = { seed: 1 };
    expect(problems(withTable({ routes: 10, via: [], generate: gen }))).toContainEqual({
      path: "routingTables[0].via",
      message: "must have at least 1 entries",
    });
    expect(
      problems(withTable({ routes: 10, via: ["198.18.2.2", "198.18.2.x"], generate: gen })),
    ).toContainEqual({
      path: "routingTables[0].via[1]",
      message: `"198.18.2.x" is not allowed here: An IPv4 address without prefix length, e.g. 198.18.1.1.`,
    });
    expect(
      problems(withTable({ routes: 10, via: ["198.18.2.2", "198.18.1.2", "198.18.2.2"], generate: gen })),
    ).toEqual([{ path: "routingTables[0].via[2]", message: "198.18.2.2 repeats via[0]" }]);
    expect(problems(withTable({ routes: 10, via: "198.18.2", generate: gen }))).toContainEqual({
      path: "routingTables[0].via",
      message: `"198.18.2" is not allowed here: An IPv4 address without prefix length, e.g. 198.18.1.1.`,
    });
  });
});
