// `vrlab show` on a lab whose server is reached over SSH, without a server: the probe script's
// output parsed into facts, the view of a remote lab (bridges and NICs in the server's own stack), and
// the target and credentials taken from the stack's config.
import * as fs from "node:fs";
import { routeCount } from "../../drivers/routes";
import * as path from "node:path";
import { planLab, type LabPlan } from "../../components/plan";
import { EXPERIMENT_KEY, loadExperiment, parseStackFile } from "../../config/load";
import { type NsFacts, parseProbe, type Probe, probeScript } from "../../cli/probe";
import { serverTarget, TargetError } from "../../cli/target";
import { exitStatus, renderDot, renderText, viewOf } from "../../cli/view";

const embeddedFile = path.resolve(__dirname, "../../stacks/Pulumi.embedded.yaml");
const raw = parseStackFile(embeddedFile, fs.readFileSync(embeddedFile, "utf8")).experiment as {
  server: { connection: Record<string, unknown> };
};
const HOST_KEY = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU";
raw.server.connection = {
  kind: "ssh",
  host: "198.18.0.10",
  user: "root",
  hostKey: HOST_KEY,
  privateKeySecret: "vrlab:serverKey",
};
const stackFile = (e: unknown) => parseStackFile("test", JSON.stringify({ config: { [EXPERIMENT_KEY]: e } }));
const plan = planLab(loadExperiment(stackFile(raw), { deploy: false }), "vrlab-x");
const SSH = "ssh root@198.18.0.10:22";

/** A converged remote lab: bridges, NICs and host ends in the server's own stack, guests in namespaces. */
function healthy(p: LabPlan): Probe {
  const root: NsFacts = { links: {}, qdiscs: {} };
  const namespaces: Record<string, NsFacts> = {};
  const cgroups: Probe["cgroups"] = {};
  for (const b of p.bridges) {
    root.links[b.kernel] = { up: true, kind: "bridge", addresses: b.address ? [b.address] : [] };
    if (b.nic) root.links[b.nic] = { up: true, master: b.kernel, addresses: [] };
  }
  for (const g of p.guests) {
    const facts: NsFacts = {
      links: {},
      qdiscs: {},
      routes: g.routes ? routeCount(g.routes.spec) : undefined,
    };
    for (const port of g.ports) {
      root.links[port.hostEnd] = { up: true, kind: "veth", master: port.bridge, addresses: [] };
      facts.links[port.ifname] = { up: true, kind: "veth", addresses: [port.address] };
    }
    namespaces[g.kernel] = facts;
    cgroups[g.kernel] = {
      cpuQuotaUs: g.vcpus * 100_000,
      cpuPeriodUs: 100_000,
      memoryBytes: g.memoryMiB * 2 ** 20,
    };
  }
  return { host: SSH, root, namespaces, cgroups };
}

describe("vrlab show on a remote server", () => {
  test("a converged lab is up, its timer and generator are machines of their own, and it exits 0", () => {
    const view = viewOf(plan, healthy(plan));
    expect(view.machines.map((m) => `${m.name} ${m.state}`)).toEqual([
      "server up",
      "vr1 up",
      "vr2 up",
      "vr3 up",
      "vr4 up",
      "timer unprobed",
      "gen unprobed",
    ]);
    expect(view.summary).toBe("5 machines up, 0 missing, 2 not probed; 10 links, 0 drifted");
    expect(view.note).toBe("timer, gen: machines of their own, not probed");
    expect(exitStatus(view)).toBe(0);
    expect(renderText(view)).toMatchSnapshot();
  });

  test("a guest deleted and a NIC taken out of its bridge are marked, and it exits 1", () => {
    const full = healthy(plan);
    // vr3's namespace deleted (its veth pairs die with it), and eth0 released from bridge gen.
    const vr3 = plan.guests[2];
    const gone = new Set([vr3.kernel, ...vr3.ports.map((p) => p.hostEnd)]);
    const without = <T>(o: Record<string, T>) =>
      Object.fromEntries(Object.entries(o).filter(([n]) => !gone.has(n)));
    const links = without(full.root?.links ?? {});
    links.eth0 = { ...links.eth0, master: undefined };
    const probe = { ...full, namespaces: without(full.namespaces), root: { links, qdiscs: {} } };
    const view = viewOf(plan, probe);
    expect(view.machines.find((m) => m.name === "vr3")?.state).toBe("missing");
    expect(
      view.links.filter((l) => l.state !== "up").map((l) => `${l.machine}:${l.ifname} ${l.state}`),
    ).toEqual(["server:eth0 detached", "vr3:eth0 missing", "vr3:eth1 missing"]);
    expect(renderText(view)).toMatch(
      new RegExp(`^${plan.bridges[0].kernel} +server eth0 +eth0 +detached`, "m"),
    );
    expect(renderDot(view)).toMatch(
      /"machine:server" -- "bridge:[^"]+-gen" \[style=bold, label="198\.18\.1\.1\/24", color=red/,
    );
    expect(view.summary).toBe("4 machines up, 1 missing, 2 not probed; 10 links, 3 drifted");
    expect(exitStatus(view)).toBe(1);
  });

  test("without a probe the lab is the plan, unprobed", () => {
    const view = viewOf(plan);
    expect(view.machines.every((m) => m.state === "unprobed")).toBe(true);
    expect(view.note).toBe("not probed: this is the plan, not the live state");
    expect(exitStatus(view)).toBe(0);
  });
});

describe("the probe", () => {
  test("asks for the server's own stack, each guest's namespace and cgroup, and routes where planned", () => {
    const { script, stdin } = probeScript(plan);
    expect(stdin.split("\n")).toEqual([
      "ns . 0",
      ...plan.guests.map((g) => `ns ${g.kernel} 1`),
      ...plan.guests.map((g) => `cg ${g.kernel}`),
      "",
    ]);
    expect(script).toContain("\nPROTO='198'\n");
    const local = planLab(
      loadExperiment(stackFile({ ...raw, server: { ...raw.server, connection: { kind: "local" } } }), {
        deploy: false,
      }),
      "vrlab-x",
    );
    expect(probeScript(local).stdin.split("\n")[0]).toBe(`ns ${local.serverNs} 0`);
  });

  test("parses the script's sections: the host's stack, namespaces, cgroup v2 and v1 limits", () => {
    const stdout = [
      "@@ns . -",
      '[{"ifname":"eth0","flags":["UP"],"master":"vx-gen","addr_info":[]}]',
      "@@tc",
      '[{"kind":"noqueue","dev":"eth0","root":true}]',
      "@@ns vx-vr1 1000",
      '[{"ifname":"eth0","flags":[],"addr_info":[{"family":"inet","local":"198.18.1.11","prefixlen":24}]}]',
      "@@tc",
      "",
      "@@cg vx-vr1",
      "max 100000",
      "268435456",
      "@@cg vx-vr2",
      "100000",
      "100000",
      "max",
      "",
    ].join("\n");
    expect(parseProbe(SSH, stdout)).toEqual({
      host: SSH,
      root: {
        links: { eth0: { up: true, master: "vx-gen", kind: undefined, addresses: [] } },
        qdiscs: { eth0: { kind: "noqueue", rateBits: undefined, overhead: undefined } },
        routes: undefined,
      },
      namespaces: {
        "vx-vr1": {
          links: { eth0: { up: false, master: undefined, kind: undefined, addresses: ["198.18.1.11/24"] } },
          qdiscs: {},
          routes: 1000,
        },
      },
      cgroups: {
        "vx-vr1": { cpuQuotaUs: -1, cpuPeriodUs: 100_000, memoryBytes: 268435456 },
        "vx-vr2": { cpuQuotaUs: 100_000, cpuPeriodUs: 100_000, memoryBytes: -1 },
      },
    });
  });
});

describe("the server's target", () => {
  const config = (values: Record<string, unknown>) => async (key: string) => values[key];

  test("is this machine for a lab planned here, without reading any config", async () => {
    const local = { ...plan, serverNs: "vx-server" };
    const none = async (): Promise<unknown> => {
      throw new Error("no config should be read");
    };
    expect(await serverTarget("s", local, none)).toEqual({ target: { kind: "local" }, creds: {} });
  });

  test("is the experiment's SSH connection, with its pinned host key and the stack's secret key", async () => {
    const got = await serverTarget("s", plan, config({ [EXPERIMENT_KEY]: raw, "vrlab:serverKey": "KEY" }));
    expect(got).toEqual({
      target: {
        kind: "ssh",
        host: "198.18.0.10",
        port: 22,
        user: "root",
        hostKey: HOST_KEY,
        dialTimeoutS: 15,
      },
      creds: { privateKey: "KEY", password: undefined },
    });
  });

  test("refuses, before dialling, a secret that is not set or a host key that is not pinned", async () => {
    await expect(serverTarget("s", plan, config({ [EXPERIMENT_KEY]: raw }))).rejects.toThrow(
      new TargetError(
        "vrlab:serverKey is not set: scripts/vrlab pulumi config set --secret vrlab:serverKey --stack s < <key file>",
      ),
    );
    const unpinned = {
      ...raw,
      server: { ...raw.server, connection: { ...raw.server.connection, hostKey: undefined } },
    };
    await expect(
      serverTarget("s", plan, config({ [EXPERIMENT_KEY]: unpinned, "vrlab:serverKey": "KEY" })),
    ).rejects.toThrow(/server\.connection\.hostKey is not set; nothing is dialled unverified/);
    await expect(serverTarget("s", plan, config({}))).rejects.toThrow(/its experiment cannot be read/);
  });
});
