// The netns substrate's renderers and plan: pure functions, checked against golden output
// (test/unit/__snapshots__) and against facts about iproute2 and Ethernet.
import * as fs from "node:fs";
import * as path from "node:path";
import { loadExperiment, parseStackFile } from "../../config/load";
import { GUEST_KINDS } from "../../config/semantic";
import { planLab } from "../../components/plan";
import { base32Hash, hostEndName, ownerTag } from "../../config/names";
import { drivers } from "../../drivers";
import { cgroupScripts } from "../../drivers/cgroup";
import { bridgeScripts, namespaceScripts, nicPortScripts, portScripts } from "../../drivers/linux";
import { DriverRegistry } from "../../drivers/registry";
import { routeBatch, routeDestinations, routeDigest, routesScripts } from "../../drivers/routes";
import { burstBytes, shapingScripts, tcRateText } from "../../drivers/shaping";
import { driftOf } from "../../drivers/scriptedProvider";
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
        spec: { start: 0xc6130000, prefixLength: 32, count: 3, via: "198.18.2.2", skip: [] },
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

describe("generated routes", () => {
  const spec = {
    start: 0xc6120000,
    prefixLength: 24,
    count: 4,
    via: "198.18.2.2",
    skip: [] as [number, number][],
  };

  test("are consecutive prefixes in address order, printed as ip route does", () => {
    expect(routeDestinations(spec)).toEqual([
      "198.18.0.0/24",
      "198.18.1.0/24",
      "198.18.2.0/24",
      "198.18.3.0/24",
    ]);
    expect(routeDestinations({ ...spec, prefixLength: 32, count: 2 })).toEqual(["198.18.0.0", "198.18.0.1"]);
    expect(routeBatch({ ...spec, count: 1 })).toBe("route replace 198.18.0.0/24 via 198.18.2.2 proto 198\n");
  });

  test("skip prefixes that touch a connected subnet", () => {
    const skip: [number, number][] = [[0xc6120100, 0xc6120200]]; // 198.18.1.0/24
    expect(routeDestinations({ ...spec, skip })).toEqual([
      "198.18.0.0/24",
      "198.18.2.0/24",
      "198.18.3.0/24",
      "198.18.4.0/24",
    ]);
  });

  test("the digest depends on every route and the next hop", () => {
    expect(routeDigest(spec)).toMatch(/^[0-9a-f]{16}$/);
    expect(routeDigest({ ...spec, count: 3 })).not.toBe(routeDigest(spec));
    expect(routeDigest({ ...spec, via: "198.18.2.3" })).not.toBe(routeDigest(spec));
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
    expect(plan.guests[0].routes?.spec).toEqual({
      start: 0xc6130000,
      prefixLength: 32,
      count: 1000,
      via: "198.18.2.2",
      skip: [
        [0xc6120100, 0xc6120200],
        [0xc6120200, 0xc6120300],
      ],
    });
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
