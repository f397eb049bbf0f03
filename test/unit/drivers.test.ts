// The netns substrate's renderers and plan: pure functions, checked against golden output
// (test/unit/__snapshots__) and against facts about iproute2 and Ethernet.
import * as fs from "node:fs";
import * as path from "node:path";
import { loadExperiment, parseStackFile } from "../../config/load";
import { GUEST_KINDS } from "../../config/semantic";
import { planLab, type LabPlan } from "../../components/plan";
import { base32Hash, hostEndName, ownerTag } from "../../config/names";
import { drivers } from "../../drivers";
import { cgroupScripts } from "../../drivers/cgroup";
import { bridgeScripts, namespaceScripts, nicPortScripts, portScripts } from "../../drivers/linux";
import { DriverRegistry } from "../../drivers/registry";
import { routesChange, routesScripts, wantedDigest, wantedText } from "../../drivers/routes";
import * as table from "../../drivers/table";
import { burstBytes, shapingScripts, tcRateText } from "../../drivers/shaping";
import { driftOf, scriptedDiff, type ScriptedState } from "../../drivers/scriptedProvider";
import { FAILED_TRAP, parseKeyValues } from "../../remote/script";
import { workspaceScripts } from "../../drivers/workspace";
import { script } from "../../drivers/render";
import { arg } from "../../remote/shell";
import { remoteError } from "../../remote/types";
import { udpGoodputMbps, wireBytesForUdpPayload } from "../../config/wire";

const embeddedFile = path.resolve(__dirname, "../../stacks/Pulumi.embedded.yaml");
const embedded = loadExperiment(parseStackFile(embeddedFile, fs.readFileSync(embeddedFile, "utf8")), {
  deploy: false,
});

describe("rendered scripts (golden)", () => {
  test.each([
    ["namespace", namespaceScripts({ ns: "v1234-vr1", forwarding: true, owner: "vrlab-embedded" })],
    [
      "bridge",
      bridgeScripts({
        srv: "v1234-server",
        bridge: "v1234-gen",
        address: "198.18.1.1/24",
        owner: "vrlab-embedded",
      }),
    ],
    ["bridge on a remote host's own stack", bridgeScripts({ bridge: "v1234-gen", owner: "vrlab-embedded" })],
    [
      "port",
      portScripts({
        srv: "v1234-server",
        hostEnd: "v1234-0a1b2c3d",
        bridge: "v1234-gen",
        ns: "v1234-vr1",
        ifname: "eth0",
        address: "198.18.1.11/24",
        owner: "vrlab-embedded",
      }),
    ],
    ["workspace", workspaceScripts({ dir: "/run/vrlab/vrlab-embedded", owner: "vrlab-embedded" })],
    ["nic port", nicPortScripts({ nic: "eth0", bridge: "v1234-gen" })],
    ["shaping", shapingScripts({ ns: "v1234-gen", dev: "eth0", rateMbps: 1000 })],
    ["cgroup", cgroupScripts({ cgroup: "v1234-vr1", vcpus: 2, memoryMiB: 256, owner: "vrlab-embedded" })],
    [
      "routes",
      routesScripts({
        ns: "v1234-vr1",
        spec: {
          form: "block",
          within: "198.19.0.0/16",
          prefixLength: 32,
          routes: 3,
          via: ["198.18.2.2"],
          skip: [],
        },
        digest: "29d54e98b6c42d9d",
      }),
    ],
  ])("%s", (_name, rendered) => {
    expect(rendered).toMatchSnapshot();
  });

  test("a script takes only checked, quoted values", () => {
    expect(script({ NS: arg("ifname", "v1-x") }, 'echo "$NS"')).toBe(
      `set -eu\n${FAILED_TRAP}\nNS='v1-x'\n_at=4; echo "$NS"\n`,
    );
    expect(() => bridgeScripts({ bridge: "x; reboot", owner: "o" })).toThrow(
      /unsafe ifname value "x; reboot"/,
    );
    expect(() =>
      portScripts({ hostEnd: "h", bridge: "b", ns: "n", ifname: "i", address: "1.2.3.4/24;id", owner: "o" }),
    ).toThrow(/unsafe ipv4cidr/);
    expect(() => script({ "bad name": undefined }, "")).toThrow(/bad variable name/);
  });
});

describe("Ethernet shaping", () => {
  test("tc prints rates as iproute2 does", () => {
    expect([1000, 957, 1500, 100, 10000, 2500, 1].map(tcRateText)).toEqual([
      "1Gbit",
      "957Mbit",
      "1500Mbit",
      "100Mbit",
      "10Gbit",
      "2500Mbit",
      "1Mbit",
    ]);
  });

  test("the size table charges a 1472-byte datagram as 1538 wire bytes: 957.1 Mb/s of payload", () => {
    const w = shapingScripts({ dev: "eth0", rateMbps: 1000 }).want;
    // The kernel counts the frame without FCS: 1472 + 28 + 14.
    expect(1472 + 28 + 14 + Number(w.overhead)).toBe(wireBytesForUdpPayload(1472));
    expect(udpGoodputMbps(1000, 1472).toFixed(1)).toBe("957.1");
    expect(Number(w.mpu)).toBe(84); // a 64-byte frame plus preamble and gap
    expect(burstBytes(1000)).toBe(125_000);
    expect(burstBytes(1)).toBe(3028);
  });
});

describe("routing tables", () => {
  const block = (over: Partial<table.TableSpec> = {}): table.TableSpec =>
    ({
      form: "block",
      within: "198.18.0.0/16",
      prefixLength: 24,
      routes: 4,
      via: ["198.18.2.2"],
      skip: [],
      ...over,
    }) as table.TableSpec;
  // What stacks made before issue 11 keep in state; their digests are the ones the old renderer gave.
  const legacy: table.LegacySpec = {
    start: 0xc6120000,
    prefixLength: 24,
    count: 4,
    via: "198.18.2.2",
    skip: [[0xc6120100, 0xc6120200]],
  };

  test("apply reads `dest via` lines, as `ip route` prints them, skipping connected subnets", () => {
    expect(wantedText(block({ skip: ["198.18.1.0/24"] }))).toBe(
      "198.18.0.0/24 198.18.2.2\n198.18.2.0/24 198.18.2.2\n198.18.3.0/24 198.18.2.2\n198.18.4.0/24 198.18.2.2\n",
    );
    expect(wantedText(block({ within: "198.19.0.0/16", prefixLength: 32, routes: 2 }))).toBe(
      "198.19.0.0 198.18.2.2\n198.19.0.1 198.18.2.2\n",
    );
    expect(wantedText(legacy)).toBe(wantedText(block({ skip: ["198.18.1.0/24"] })));
  });

  test("legacy params render as before: the same digest from the same table", () => {
    expect(wantedDigest(legacy)).toBe("56f2f79da146207c");
    expect(routesScripts({ ns: "v1234-vr1", spec: legacy }).want).toEqual({
      count: "4",
      digest: "56f2f79da146207c",
    });
    const old = { start: 0xc6130000, prefixLength: 32, count: 3, via: "198.18.2.2", skip: [] };
    expect(routesScripts({ ns: "v1234-vr1", spec: old }).want.digest).toBe("29d54e98b6c42d9d");
  });

  test("the digest depends on every route and next hop", () => {
    const d = wantedDigest(block());
    expect(d).toMatch(/^[0-9a-f]{16}$/);
    expect(wantedDigest(block({ routes: 3 }))).not.toBe(d);
    expect(wantedDigest(block({ via: ["198.18.2.3"] }))).not.toBe(d);
    expect(wantedDigest(block({ via: ["198.18.2.2", "198.18.2.3"] }))).not.toBe(d);
  });

  describe("generating the table", () => {
    afterEach(() => jest.restoreAllMocks());

    test("happens once per spec: never for diff or read, once for apply's stdin", () => {
      const made = jest.spyOn(table, "tableRoutes");
      const spec = block({ within: "198.19.0.0/16", prefixLength: 32, routes: 20_000 });
      const want = routesScripts({ ns: "v1234-vr1", spec, digest: "0123456789abcdef" }).want;
      expect(want).toEqual({ count: "20000", digest: "0123456789abcdef" });
      expect(made).not.toHaveBeenCalled();
      const text = wantedText(spec);
      expect(wantedText(structuredClone(spec))).toBe(text);
      expect(made).toHaveBeenCalledTimes(1);
    });

    test("no value can add an ip -batch command: each is checked like a shell value", () => {
      for (const via of ["198.18.2.2\nroute flush all", "198.18.2.2 dev lo", "", "::1"]) {
        expect(() => routesScripts({ ns: "v1234-vr1", spec: block({ via: [via] }), digest: "x" })).toThrow(
          /unsafe ipv4 value/,
        );
        expect(() => wantedText(block({ via: [via] }))).toThrow(/unsafe ipv4 value/);
      }
      // A table whose text holds anything but digits, dots, slashes and spaces never reaches ip.
      jest.spyOn(table, "tableRoutes").mockReturnValueOnce([{ net: 0, len: NaN, via: "198.18.2.2" }]);
      expect(() => wantedText(block({ routes: 1 }))).toThrow(/unexpected characters/);
    });
  });

  describe("a change worked out from the two tables", () => {
    const ns = "v1234-vr1";
    const old = (over: Partial<table.TableSpec> = {}, observed?: Record<string, string>) => {
      const spec = block(over);
      return { params: { ns, spec, digest: wantedDigest(spec) }, observed };
    };
    const seen = (spec: table.TableSpec) => ({
      count: String((spec as table.BlockSpec).routes),
      digest: wantedDigest(spec),
    });

    test("replaces new routes and changed next hops first, deletes removed ones last", () => {
      const from = old({}, seen(block()));
      const to = { ns, spec: block({ routes: 5, via: ["198.18.2.3"] }), digest: "" };
      expect(routesChange(from, to)).toBe(
        ["0", "1", "2", "3", "4"]
          .map((o) => `route replace 198.18.${o}.0/24 via 198.18.2.3 proto 198\n`)
          .join(""),
      );
      const fewer = { ns, spec: block({ routes: 2 }), digest: "" };
      expect(routesChange(from, fewer)).toBe(
        "route del 198.18.2.0/24 proto 198\nroute del 198.18.3.0/24 proto 198\n",
      );
    });

    test("only when the last read or apply found the old table: otherwise apply compares with the kernel", () => {
      const to = { ns, spec: block({ routes: 5 }), digest: "" };
      expect(routesChange(old({}, undefined), to)).toBeUndefined(); // never read
      expect(routesChange(old({}, { ...seen(block()), digest: "0123456789abcdef" }), to)).toBeUndefined(); // drift
      expect(routesChange(old({}, { ...seen(block()), count: "3" }), to)).toBeUndefined();
      expect(routesChange(old({}, seen(block())), { ...to, ns: "v1234-vr2" })).toBeUndefined();
    });
  });
});

describe("errors of rendered scripts", () => {
  test("name the first real command and the values it was given, then the output tail", () => {
    const apply = bridgeScripts({ srv: "v1234-server", bridge: "v1234-gen", owner: "o" }).scripts.apply;
    const e = remoteError("local", apply, 2, "Error: boom");
    expect(e.message).toBe(
      'local: exit 2 running `ipn "$SRV" link show dev "$BR" >/dev/null 2>&1 || ipn "$SRV" link add name "$BR" type bridge`' +
        " (OWNER='o' SRV='v1234-server' BR='v1234-gen' ADDR=)\n--- output tail ---\nError: boom",
    );
    expect(e).toMatchObject({
      name: "RemoteError",
      host: "local",
      command: apply,
      code: 2,
      tail: "Error: boom",
    });
  });
});

describe("read output", () => {
  test("parses key=value lines and ignores the rest", () => {
    expect(parseKeyValues("present=1\nnoise here\nrate=1Gbit\naddresses=\n")).toEqual({
      present: "1",
      rate: "1Gbit",
      addresses: "",
    });
  });

  test("drift lists the keys that differ", () => {
    expect(driftOf({ qdisc: "tbf", rate: "1Gbit" }, { qdisc: "noqueue" })).toEqual(["qdisc", "rate"]);
    expect(driftOf({ qdisc: "tbf" }, { qdisc: "tbf", extra: "x" })).toEqual([]);
  });
});

describe("the lab plan", () => {
  const plan = planLab(embedded, "vrlab-embedded");

  test("names every kernel object with the owner's tag; interfaces within 15 bytes", () => {
    const tag = plan.tag;
    expect(tag).toMatch(/^[a-z2-7]{8}$/);
    const ifaces = [
      ...plan.bridges.map((b) => b.kernel),
      ...plan.guests.flatMap((g) => g.ports.map((p) => p.hostEnd)),
    ];
    const others = [
      plan.serverNs,
      ...plan.guests.map((g) => g.kernel),
      ...plan.machines.map((m) => m.local?.ns),
    ];
    expect(ifaces).toHaveLength(2 + 4 * 2);
    for (const n of [...ifaces, ...others]) expect(n).toMatch(new RegExp(`^v${tag}`));
    for (const n of ifaces) expect(Buffer.byteLength(n)).toBeLessThanOrEqual(15);
    // Namespaces and interfaces are separate kernel name spaces (bridge "gen" and machine "gen" may share).
    const namespaces = [
      plan.serverNs,
      ...plan.guests.map((g) => g.kernel),
      ...plan.machines.map((m) => m.local?.ns),
    ];
    const links = [
      ...plan.bridges.map((b) => b.kernel),
      ...plan.guests.flatMap((g) => g.ports.map((p) => p.hostEnd)),
    ];
    expect(new Set(namespaces).size).toBe(7);
    expect(new Set(links).size).toBe(10);
  });

  test("follows the seed's wiring: generator on the server's eth0, timer on eth1, guests on both bridges", () => {
    const k = (n: string): string => `v${plan.tag}-${n}`;
    expect(
      plan.machines.map((m) => [m.role, m.local?.ns, m.local?.port.hostEnd, m.local?.port.bridge]),
    ).toEqual([
      ["timer", k("timer"), "eth1", k("time")],
      ["generator", k("gen"), "eth0", k("gen")],
    ]);
    expect(plan.guests[0].ports.map((p) => [p.ifname, p.bridge, p.address, p.hostEnd])).toEqual([
      ["eth0", k("gen"), "198.18.1.11/24", hostEndName("vrlab-embedded", "vr1", "eth0")],
      ["eth1", k("time"), "198.18.2.11/24", hostEndName("vrlab-embedded", "vr1", "eth1")],
    ]);
    expect(plan.guests[0].routes).toEqual({
      table: "rt1k",
      spec: {
        form: "generated",
        seed: 1,
        routes: 1000,
        destinations: { within: "198.19.0.0/16", routes: 256 },
        via: ["198.18.2.2"],
        skip: ["198.18.1.0/24", "198.18.2.0/24"],
      },
      digest: "2ae51326149592f7", // the same routes on every machine
    });
  });

  test("a table change previews in a few lines of addresses: the count and the digest", () => {
    const params = (p: LabPlan) => {
      const r = p.guests[0].routes;
      return { ns: p.guests[0].kernel, spec: r?.spec, digest: r?.digest };
    };
    const smaller = structuredClone(embedded);
    smaller.routingTables[0].routes = 900;
    const [before, after] = [params(plan), params(planLab(smaller, "vrlab-embedded"))];
    const leaves = (o: unknown, at = ""): [string, unknown][] =>
      o !== null && typeof o === "object"
        ? Object.entries(o).flatMap(([k, v]) => leaves(v, at ? `${at}.${k}` : k))
        : [[at, o]];
    const old = new Map(leaves(before));
    const changed = leaves(after).filter(([k, v]) => old.get(k) !== v);
    expect(changed.map(([k]) => k)).toEqual(["spec.routes", "digest"]);
    expect(leaves(after)).toEqual([
      ["ns", `v${plan.tag}-vr1`],
      ["spec.form", "generated"],
      ["spec.seed", 1],
      ["spec.routes", 900],
      ["spec.destinations.within", "198.19.0.0/16"],
      ["spec.destinations.routes", 256],
      ["spec.via.0", "198.18.2.2"],
      ["spec.skip.0", "198.18.1.0/24"],
      ["spec.skip.1", "198.18.2.0/24"],
      ["digest", expect.stringMatching(/^[0-9a-f]{16}$/)],
    ]);
    expect(JSON.stringify(after).length).toBeLessThan(300);
    // The provider updates the table in place, rerunning apply; nothing is replaced.
    const state = (p: Record<string, unknown>): ScriptedState => ({
      target: { kind: "local" },
      kind: "linux:Routes",
      params: p,
    });
    expect(scriptedDiff(state(before), state(after))).toEqual({ replaces: [], changes: true, rerun: true });
  });

  test("a realistic table's spec: the default lab destinations, next hops as given", () => {
    const real = structuredClone(embedded);
    real.routingTables[0] = {
      name: "rt1k",
      routes: 5000,
      via: ["198.18.2.2", "198.18.2.3"],
      generate: { seed: 7 },
    };
    const r = planLab(real, "vrlab-embedded").guests[0].routes;
    expect(r?.spec).toEqual({
      form: "generated",
      seed: 7,
      routes: 5000,
      destinations: { within: "198.19.0.0/16", routes: 256 },
      via: ["198.18.2.2", "198.18.2.3"],
      skip: ["198.18.1.0/24", "198.18.2.0/24"],
    });
    expect(r && wantedDigest(r.spec)).toBe(r?.digest);
    expect(planLab(real, "vrlab-other").guests[0].routes?.digest).toBe(r?.digest);
  });

  test("two stacks never share a kernel name", () => {
    const other = planLab(embedded, "vrlab-other");
    expect(other.tag).not.toBe(plan.tag);
    expect(other.serverNs).not.toBe(plan.serverNs);
  });

  test("a bridge name too long for `v<tag>-<name>` gets a hashed interface name, still the owner's", () => {
    const long = structuredClone(embedded);
    long.bridges[0].name = "generator-side-of-the-lab";
    const p = planLab(long, "vrlab-embedded");
    expect(p.bridges[0].kernel).toMatch(new RegExp(`^v${plan.tag}[a-z2-7]{6}$`));
    expect(p.bridges[1].kernel).toBe(`v${plan.tag}-time`);
  });

  test("a remote server has no namespace of its own and its machines are not cabled here", () => {
    const remote = structuredClone(embedded);
    remote.server.connection = { kind: "ssh", host: "198.18.0.10", port: 22, user: "root", dialTimeoutS: 5 };
    const p = planLab(remote, "vrlab-x");
    expect(p.serverNs).toBeUndefined();
    expect(p.machines.map((m) => m.local)).toEqual([undefined, undefined]);
  });
});

describe("driver registry", () => {
  test("each registered driver runs exactly the guest kinds the config allows", () => {
    for (const kind of drivers.kinds()) {
      expect([kind, [...drivers.get(kind).guestKinds]]).toEqual([
        kind,
        GUEST_KINDS[kind as keyof typeof GUEST_KINDS],
      ]);
    }
    expect(drivers.kinds()).toEqual(["native", "netns"]);
  });

  test("rejects duplicates and names the supported kinds for an unknown one", () => {
    const r = new DriverRegistry().register({
      kind: "a",
      guestKinds: [],
      guest: () => ({ ready: [], routesNs: "", exec: { target: { kind: "local" }, scratchDir: "/tmp/x" } }),
    });
    expect(() =>
      r.register({
        kind: "a",
        guestKinds: [],
        guest: () => ({ ready: [], routesNs: "", exec: { target: { kind: "local" }, scratchDir: "/tmp/x" } }),
      }),
    ).toThrow('hypervisor driver "a" is registered twice');
    expect(() => r.get("xen")).toThrow('no driver for hypervisor "xen"; this build supports: a');
  });
});

describe("owner tags", () => {
  test("are 40 bits: the pair below is a real collision, found among 1.6 million stack names", () => {
    // Used by test/engine/isolation.test.ts to stand up two stacks whose kernel names are the same.
    expect(ownerTag("vrlab-c85238")).toBe("cz6xjwwy");
    expect(ownerTag("vrlab-c1566550")).toBe("cz6xjwwy");
    expect(ownerTag("vrlab-lab179")).not.toBe(ownerTag("vrlab-lab279")); // the 16-bit collision
  });

  test("are RFC 4648 base32 of the hash, lowercased (Python: b32encode(sha256(b'')))", () => {
    expect(base32Hash("", 5)).toBe("4oymi");
  });
});
