// Every stack config that validation accepts renders: the plan and every script the drivers make from
// it pass the shell allow-lists (no UnsafeValueError midway through `up`). Every config it refuses is
// refused as a whole, each problem with a path. Experiments are varied from the embedded one.
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { stringify } from "yaml";
import { planLab } from "../../components/plan";
import { ExperimentConfigError } from "../../config/errors";
import { loadStack, parseStackFile } from "../../config/load";
import { cgroupScripts } from "../../drivers/cgroup";
import { claimsScripts } from "../../drivers/claims";
import { bridgeScripts, namespaceScripts, nicPortScripts, portScripts } from "../../drivers/linux";
import { routesScripts, wantedTable } from "../../drivers/routes";
import { shapingScripts } from "../../drivers/shaping";
import { workspaceScripts } from "../../drivers/workspace";
import { parseHostKey } from "../../remote/ssh";
import { UnsafeValueError } from "../../remote/shell";

const embeddedFile = path.resolve(__dirname, "../../stacks/Pulumi.embedded.yaml");
const embedded = parseStackFile(embeddedFile, fs.readFileSync(embeddedFile, "utf8")).experiment;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const ED = "AAAAC3NzaC1lZDI1NTE5AAAAIFUh79JQoOCM2qDpbKBbCnISAByazoGnOBfEe/EG8pHO";
const LAB = 198 * 2 ** 24 + 18 * 2 ** 16; // 198.18.0.0/15
const ip = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");

/** Mostly `good`, now and then `bad`: each experiment has many fields, so most should pass. */
const rarely = <T, U>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<U>): fc.Arbitrary<T | U> =>
  fc.oneof({ arbitrary: good, weight: 40 }, { arbitrary: bad, weight: 1 });

// Mostly valid values, with the near misses validation must catch.
const name = fc.oneof(
  { arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,30}$/), weight: 40 },
  fc.constantFrom("", "Vr1", "a".repeat(32), "vr_1", "vr1\n", "vr\u202e1", "-x"),
);
const ifname = fc.oneof(
  { arbitrary: fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_.-]{0,14}$/), weight: 40 },
  fc.constantFrom("a".repeat(16), "eth 0", "eth0/1", "0eth"),
);
// Addresses near the lab's subnets, so that many land where they should and some do not.
const host = (subnet: number, len: number): fc.Arbitrary<string> =>
  fc.oneof(
    {
      arbitrary: fc.integer({ min: 1, max: 2 ** (32 - len) - 2 }).map((h) => `${ip(subnet + h)}/${len}`),
      weight: 60,
    },
    { arbitrary: fc.integer({ min: 0, max: 2 ** 17 - 1 }).map((h) => `${ip(LAB + h)}/${len}`), weight: 1 },
    {
      arbitrary: fc.constantFrom("8.8.8.8/24", "198.18.1.1/33", "198.18.1.300/24", `${ip(subnet)}/${len}`),
      weight: 1,
    },
  );
const hostKey = fc.option(
  fc.constantFrom(
    `ssh-ed25519 ${ED}`,
    `198.18.0.9 ssh-ed25519 ${ED}`,
    `ssh-ed25519 ${ED} root@r1`,
    "SHA256:eS685Uzss0Q/CwtYErMvKLdbTP27HPO75Izuk9vmrN0",
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB", // truncated
    `ssh-rsa ${ED}`, // mislabelled
    `ssh-ed25519 ${ED}\nsecond line`,
    "SHA256:short",
  ),
  { nil: undefined },
);
const connection = fc.oneof(
  { arbitrary: fc.constant({ kind: "local" }), weight: 3 },
  fc.record(
    { kind: fc.constant("ssh"), host: fc.constantFrom("198.18.0.9", "r1.lab"), hostKey },
    { requiredKeys: ["kind", "host"] },
  ),
);
const sizes = fc.record(
  {
    vcpus: rarely(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 0, max: 300 })),
    // Up to 1 TiB, so that memory in bytes needs more than 10 digits, and rarely past the schema's limit.
    memoryMiB: rarely(fc.integer({ min: 16, max: 2 ** 20 }), fc.integer({ min: 1, max: 2 ** 25 })),
    diskGiB: rarely(fc.integer({ min: 1, max: 65536 }), fc.integer({ min: 0, max: 70000 })),
  },
  { requiredKeys: [] },
);

/** A variation of the embedded experiment: names, subnets, addresses, sizes, keys and a routing table. */
const experiment: fc.Arbitrary<{ e: Json; settings: Record<string, unknown>; owner: string }> = fc
  .record({
    bridges: fc.tuple(name, name),
    // Bridge 0 mostly in 198.18.0.0/16 and bridge 1 in 198.19.0.0/16, so that they rarely overlap.
    subnets: fc.tuple(fc.integer({ min: 17, max: 28 }), fc.integer({ min: 17, max: 28 })),
    offsets: fc.tuple(
      rarely(fc.nat(2 ** 16 - 1), fc.nat(2 ** 17 - 1)),
      fc.nat(2 ** 16 - 1).map((n) => n + 2 ** 16),
    ),
    guests: fc.array(
      fc.record({
        name,
        role: fc.constantFrom("router", "endpoint"),
        ifnames: fc.tuple(ifname, ifname),
        sizes,
        pick: fc.nat(),
      }),
      {
        minLength: 1,
        maxLength: 5,
      },
    ),
    machines: fc.tuple(name, name, ifname, connection, connection, connection),
    table: fc.record({
      name,
      // The paper's contiguous block, a realistic table from a seed, or a prefix-list file.
      form: fc.constantFrom("block", "block", "seed", "file"),
      routes: rarely(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 200000 })),
      len: rarely(fc.integer({ min: 26, max: 32 }), fc.integer({ min: 1, max: 32 })),
      within: fc.nat(2 ** 17 - 1),
      seed: rarely(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.constantFrom(-1, 2 ** 32, 1.5)),
      destinations: fc.option(
        fc.record({
          at: fc.nat(2 ** 17 - 1),
          len: rarely(fc.integer({ min: 16, max: 28 }), fc.integer({ min: 8, max: 32 })),
          routes: fc.integer({ min: 1, max: 400 }),
        }),
        { nil: undefined },
      ),
      file: rarely(
        fc.constantFrom("test/fixtures/tables/plain.txt", "test/fixtures/tables/good.txt"),
        fc.constantFrom("test/fixtures/tables/bad.txt", "no/such.txt", "/etc/passwd"),
      ),
      hops: rarely(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 0, max: 3 })),
    }),
    server: fc.record({
      cpus: fc.integer({ min: 2, max: 64 }),
      memoryMiB: rarely(fc.integer({ min: 2 ** 23, max: 2 ** 24 }), fc.integer({ min: 16, max: 2 ** 24 })),
    }),
    runRoot: rarely(
      fc.constantFrom(undefined, "/tmp/vrlab-run", "/"),
      fc.constantFrom("relative", "/a/../b", `/${"r".repeat(200)}`, "/srv/run\n"),
    ),
    suiteRun: rarely(fc.constantFrom(undefined, "again", "2"), fc.constantFrom("a\nb", "x\u202e")),
    stack: fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,40}$/),
  })
  .chain((r) => {
    // Each bridge's subnet, aligned to its length; guests' addresses are drawn near them.
    const nets = r.subnets.map(
      (len, i) => LAB + Math.floor(r.offsets[i] / 2 ** (32 - len)) * 2 ** (32 - len),
    );
    const addr = (i: number): fc.Arbitrary<string> => host(nets[i], r.subnets[i]);
    return fc
      .record({
        bridgeAddrs: fc.tuple(addr(0), addr(1)),
        guestAddrs: fc.array(fc.tuple(addr(0), addr(1)), {
          minLength: r.guests.length,
          maxLength: r.guests.length,
        }),
        machineAddrs: fc.tuple(addr(0), addr(1)),
        via: fc.array(
          rarely(
            fc.integer({ min: 1, max: 2 ** (32 - r.subnets[1]) - 2 }).map((h) => ip(nets[1] + h)),
            fc.constantFrom("8.8.8.8", ip(nets[0] + 1), ip(nets[1])),
          ),
          { minLength: r.table.hops, maxLength: r.table.hops },
        ),
      })
      .map((a) => {
        const e: Json = structuredClone(embedded);
        e.server = { ...e.server, ...r.server, connection: r.machines[5] };
        e.bridges = r.bridges.map((b, i) => ({
          name: b,
          ...(i === 0 ? { nic: "eth0" } : {}),
          address: a.bridgeAddrs[i],
        }));
        const t = r.table;
        const tableName = t.name;
        const d = t.destinations;
        const generate =
          t.form === "block"
            ? { within: `${ip(LAB + (t.within % 2 ** 17))}/15`, prefixLength: t.len }
            : {
                seed: t.seed,
                ...(d ? { destinations: { within: `${ip(LAB + d.at)}/${d.len}`, routes: d.routes } } : {}),
              };
        const via = a.via.length === 1 && t.hops % 2 === 1 ? a.via[0] : a.via; // one address, or a list
        e.routingTables = [
          t.form === "file"
            ? { name: tableName, via, file: t.file }
            : {
                name: tableName,
                routes: t.form === "seed" ? Math.min(t.routes, 3000) : t.routes,
                via,
                generate,
              },
        ];
        e.guests = r.guests.map((g, gi) => ({
          name: g.name,
          role: g.role,
          ...g.sizes,
          ...(g.role === "router" && g.pick % 3 > 0 ? { routingTable: tableName } : {}),
          interfaces: g.ifnames.slice(0, g.pick % 10 === 0 ? 1 : 2).map((f, i) => ({
            name: f,
            bridge: r.bridges[i],
            address: a.guestAddrs[gi][i],
          })),
        }));
        e.timer = {
          ...e.timer,
          name: r.machines[0],
          connection: r.machines[3],
          nic: { name: r.machines[2], address: a.machineAddrs[1] },
          link: { bridge: r.bridges[1] },
        };
        e.generator = {
          ...e.generator,
          name: r.machines[1],
          connection: r.machines[4],
          nic: { name: "eth0", address: a.machineAddrs[0] },
          link: { bridge: r.bridges[0] },
        };
        e.benchmarks = [];
        const settings = { "vrlab:runRoot": r.runRoot, "vrlab:suiteRun": r.suiteRun };
        return { e, settings, owner: `vrlab-${r.stack}` };
      });
  });

/** What components/testbed.ts, machine.ts, routingTable.ts and drivers/netns.ts render for a config. */
function renderAll(c: ReturnType<typeof loadStack>, owner: string): void {
  const e = c.experiment;
  const plan = planLab(e, owner);
  const srv = plan.serverNs;
  for (const conn of [e.server.connection, e.timer.connection, e.generator.connection])
    if (conn.kind === "ssh" && conn.hostKey !== undefined) parseHostKey(conn.hostKey);
  if (!srv)
    claimsScripts({
      owner,
      claims: plan.bridges.map((b) => ({ bridge: b.kernel, address: b.address, nic: b.nic })),
    });
  workspaceScripts({ dir: `${c.runRoot}/${owner}`, owner });
  if (srv) namespaceScripts({ ns: srv, forwarding: true, owner });
  for (const b of plan.bridges) {
    bridgeScripts({ srv, bridge: b.kernel, address: b.address, owner });
    if (b.nic && !srv) nicPortScripts({ bridge: b.kernel, nic: b.nic });
  }
  for (const g of plan.guests) {
    namespaceScripts({ ns: g.kernel, forwarding: g.role === "router", owner });
    cgroupScripts({ cgroup: g.kernel, vcpus: g.vcpus, memoryMiB: g.memoryMiB, owner });
    for (const p of g.ports) portScripts({ srv, ...p, owner });
    if (g.routes) {
      routesScripts({ ns: g.kernel, spec: g.routes.spec, digest: g.routes.digest });
      expect(wantedTable(g.routes.spec).digest).toBe(g.routes.digest);
    }
  }
  for (const m of plan.machines) {
    if (!m.local) continue;
    namespaceScripts({ ns: m.local.ns, forwarding: false, owner });
    portScripts({ srv, ...m.local.port, owner });
    shapingScripts({ ns: m.local.ns, dev: m.local.port.ifname, rateMbps: m.local.rateMbps });
    shapingScripts({ ns: srv, dev: m.local.port.hostEnd, rateMbps: m.local.rateMbps });
  }
}

test("every experiment validation accepts renders without an UnsafeValueError; the rest are refused with paths", () => {
  const seen = { accepted: 0, refused: 0 };
  fc.assert(
    fc.property(experiment, ({ e, settings, owner }) => {
      const config = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined));
      const text = stringify({ config: { "vrlab:experiment": e, ...config } });
      let loaded: ReturnType<typeof loadStack>;
      try {
        loaded = loadStack(parseStackFile("stacks/Pulumi.p.yaml", text), { deploy: false, owner });
      } catch (err) {
        if (!(err instanceof ExperimentConfigError)) throw err;
        seen.refused++;
        expect(err.problems.length).toBeGreaterThan(0);
        for (const p of err.problems) expect(p.path).toMatch(/^\S/);
        expect(err.message.split("\n")).toHaveLength(err.problems.length + 1);
        return;
      }
      seen.accepted++;
      try {
        renderAll(loaded, owner);
      } catch (err) {
        if (err instanceof UnsafeValueError)
          throw new Error(`accepted, then refused by the renderer: ${err.message}`);
        throw err;
      }
    }),
    { numRuns: 300 },
  );
  // Both outcomes must be common, or the property holds vacuously.
  expect(seen.accepted).toBeGreaterThan(40);
  expect(seen.refused).toBeGreaterThan(40);
});
