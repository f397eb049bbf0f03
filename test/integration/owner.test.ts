// Owner records on real kernel objects: two stacks that share kernel names (their tags collide) never
// adopt or delete each other's namespaces, links or cgroups, and a server's subnets and NICs are
// claimed before anything changes. Each case runs in a throwaway namespace standing for a server.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { claimsScripts } from "../../drivers/claims";
import { cgroupScripts } from "../../drivers/cgroup";
import { bridgeScripts, namespaceScripts, nicPortScripts, portScripts } from "../../drivers/linux";
import { run, runOk } from "../../remote/run";
import { parseKeyValues } from "../../remote/script";
import { type Target } from "../../remote/types";

const A = "vrlab-c85238";
const B = "vrlab-c1566550"; // the same tag as A (test/unit/drivers.test.ts)
const id = (process.pid & 0xffff).toString(16);
const srv = `vrt-own-${id}`;
const guest = `vrt-owng-${id}`;
const at: Target = { kind: "local", netns: srv };
const ip = (...args: string[]): string => execFileSync("ip", args, { encoding: "utf8" });
const read = async (t: Target, s: string) => parseKeyValues((await runOk(t, {}, s)).stdout);

beforeAll(() => ip("netns", "add", srv));
afterAll(() => {
  for (const n of [srv, guest]) execFileSync("sh", ["-c", `ip netns del ${n} 2>/dev/null || true`]);
});

describe("owner records", () => {
  test("a namespace made by one stack is refused to, and left alone by, another", async () => {
    const a = namespaceScripts({ ns: guest, forwarding: true, owner: A }).scripts;
    const b = namespaceScripts({ ns: guest, forwarding: true, owner: B }).scripts;
    await runOk({ kind: "local" }, {}, a.apply);
    expect(ip("-n", guest, "-o", "link", "show", "dev", "lo")).toContain(`alias vrlab-owner=${A}`);
    const refused = await run({ kind: "local" }, {}, b.apply);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(`namespace ${guest} belongs to stack ${A}, not ${B}; refusing`);
    expect(await read({ kind: "local" }, b.read)).toEqual({ present: "0" });
    const left = await runOk({ kind: "local" }, {}, b.delete);
    expect(left.stderr).toContain("left alone");
    expect(fs.existsSync(`/run/netns/${guest}`)).toBe(true);
    // Its owner's apply is idempotent and its delete removes it.
    await runOk({ kind: "local" }, {}, a.apply);
    expect(await read({ kind: "local" }, a.read)).toMatchObject({ present: "1", forwarding: "1" });
    await runOk({ kind: "local" }, {}, a.delete);
    expect(fs.existsSync(`/run/netns/${guest}`)).toBe(false);
  });

  test("an unrecorded object with the stack's name is adopted (a killed up made it)", async () => {
    ip("netns", "add", guest);
    const a = namespaceScripts({ ns: guest, forwarding: false, owner: A }).scripts;
    await runOk({ kind: "local" }, {}, a.apply);
    expect(ip("-n", guest, "-o", "link", "show", "dev", "lo")).toContain(`alias vrlab-owner=${A}`);
    await runOk({ kind: "local" }, {}, a.delete);
  });

  test("bridges and veth ends: refused, not read, not deleted", async () => {
    ip("netns", "add", guest);
    const br = (owner: string) => bridgeScripts({ bridge: "vcz6xjwwy-gen", address: "198.18.1.1/24", owner });
    const port = (owner: string) =>
      portScripts({
        hostEnd: "vcz6xjwwyabcdef",
        bridge: "vcz6xjwwy-gen",
        ns: guest,
        ifname: "eth0",
        address: "198.18.1.11/24",
        owner,
      });
    await runOk(at, {}, br(A).scripts.apply);
    await runOk(at, {}, port(A).scripts.apply);
    for (const [what, s] of [
      ["bridge vcz6xjwwy-gen", br(B).scripts],
      ["veth vcz6xjwwyabcdef", port(B).scripts],
    ] as const) {
      const r = await run(at, {}, s.apply);
      expect([r.code, r.stderr]).toEqual([3, expect.stringContaining(`${what} belongs to stack ${A}`)]);
      expect(await read(at, s.read)).toEqual({ present: "0" });
      await runOk(at, {}, s.delete);
    }
    expect(await read(at, br(A).scripts.read)).toMatchObject({ present: "1", addresses: "198.18.1.1/24" });
    expect(await read(at, port(A).scripts.read)).toMatchObject({ present: "1", master: "vcz6xjwwy-gen" });
    await runOk(at, {}, port(A).scripts.delete);
    await runOk(at, {}, br(A).scripts.delete);
    ip("netns", "del", guest);
  });

  test("a cgroup records its owner in an extended attribute", async () => {
    const cg = `vrt-owncg-${id}`;
    const s = (owner: string) => cgroupScripts({ cgroup: cg, vcpus: 1, memoryMiB: 64, owner }).scripts;
    await runOk({ kind: "local" }, {}, s(A).apply);
    const r = await run({ kind: "local" }, {}, s(B).apply);
    expect([r.code, r.stderr]).toEqual([3, expect.stringContaining(`belongs to stack ${A}, not ${B}`)]);
    expect(await read({ kind: "local" }, s(B).read)).toEqual({ present: "0" });
    await runOk({ kind: "local" }, {}, s(B).delete);
    expect(await read({ kind: "local" }, s(A).read)).toMatchObject({
      present: "1",
      memoryBytes: String(64 << 20),
    });
    await runOk({ kind: "local" }, {}, s(A).delete);
    expect(await read({ kind: "local" }, s(A).read)).toEqual({ present: "0" });
  });
});

describe("claims on a server's own stack", () => {
  const claims = (owner: string, bridge: string, address: string) =>
    claimsScripts({ owner, claims: [{ bridge, address, nic: "eth0" }] }).scripts;

  beforeAll(() => {
    ip("-n", srv, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0p");
    ip("-n", srv, "addr", "add", "198.18.9.1/24", "dev", "eth0p"); // the host's own address
  });

  test("a free subnet and NIC pass; a second stack with the same plan is refused before any change", async () => {
    const a = claims(A, "vaaaaaaaa-gen", "198.18.1.1/24");
    await runOk(at, {}, a.apply);
    expect(await read(at, a.read)).toEqual({ present: "1", conflicts: "" });
    // Stack A stands its bridge up with the NIC in it.
    await runOk(
      at,
      {},
      bridgeScripts({ bridge: "vaaaaaaaa-gen", address: "198.18.1.1/24", owner: A }).scripts.apply,
    );
    await runOk(at, {}, nicPortScripts({ nic: "eth0", bridge: "vaaaaaaaa-gen" }).scripts.apply);
    const before = ip("-n", srv, "-o", "addr", "show");

    const b = claims("vrlab-other", "vbbbbbbbb-gen", "198.18.1.1/24");
    const r = await run(at, {}, b.apply);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("198.18.1.1/24 overlaps 198.18.1.1/24 on vaaaaaaaa-gen (stack vrlab-c85238)");
    expect(r.stderr).toContain("NIC eth0 is in bridge vaaaaaaaa-gen (stack vrlab-c85238)");
    expect(ip("-n", srv, "-o", "addr", "show")).toBe(before);
    // The NIC port itself refuses too, and never takes the NIC from A's bridge.
    const nic = await run(at, {}, nicPortScripts({ nic: "eth0", bridge: "vbbbbbbbb-gen" }).scripts.apply);
    expect([nic.code, nic.stderr]).toEqual([
      3,
      expect.stringContaining("NIC eth0 is held by bridge vaaaaaaaa-gen"),
    ]);
    expect(ip("-n", srv, "-o", "link", "show", "dev", "eth0")).toContain("master vaaaaaaaa-gen");
  });

  test("a subnet inside or around the host's own address is refused; A's own bridge is not a conflict", async () => {
    const r = await run(at, {}, claims("vrlab-other", "vbbbbbbbb-x", "198.18.8.0/22").apply);
    expect(r.stderr).toContain("198.18.8.0/22 overlaps 198.18.9.1/24 on eth0p (the host)");
    expect(await read(at, claims(A, "vaaaaaaaa-gen", "198.18.1.1/24").read)).toEqual({
      present: "1",
      conflicts: "",
    });
  });
});
