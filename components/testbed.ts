import * as pulumi from "@pulumi/pulumi";
import { type Connection, type Experiment } from "../config/model";
import { drivers } from "../drivers";
import { Scripted } from "../drivers/scripted";
import { fullKey } from "../drivers/secrets";
import { type GuestExec, type ServerHost } from "../drivers/types";
import { labSpecOf } from "./labSpec";
import { Suite, toolsDir } from "./suite";
import { LabNode } from "./labNode";
import { Machine } from "./machine";
import { planLab, type LabPlan } from "./plan";
import { RoutingTable } from "./routingTable";

export interface TestbedArgs {
  /** The validated experiment (config/load.ts). */
  experiment: Experiment;
  /** Parent of the stack's run directory on the lab host. Default: /run/vrlab. */
  runRoot?: string;
  /** Owner of every kernel object, `<project>-<stack>`. Default: the current project and stack. */
  owner?: string;
  /** Bump to re-run the benchmark suite with nothing else changed (config `vrlab:suiteRun`). */
  suiteRun?: string;
}

/**
 * How the drivers reach a machine. SSH keys and passwords stay in the stack's config as secrets: the
 * resources name them, and the providers read them when they run (drivers/secrets.ts).
 */
export function hostOf(c: Connection, owner: string, ns?: string): ServerHost {
  if (c.kind === "local") return { target: { kind: "local" }, owner, ns };
  const ref = (name: string | undefined): string | undefined => {
    if (!name) return undefined;
    const key = fullKey(name);
    const [namespace, field] = key.split(":", 2);
    // Preview needs no keys (the shipped real-lab stacks have none yet); up does.
    if (new pulumi.Config(namespace).getSecret(field) === undefined && !pulumi.runtime.isDryRun()) {
      throw new Error(
        `${key} is not set: scripts/vrlab pulumi config set --secret ${key} --stack STACK < <key file>`,
      );
    }
    return key;
  };
  const { host, port, user, hostKey, dialTimeoutS } = c;
  return {
    target: { kind: "ssh", host, port, user, hostKey: hostKey ?? "", dialTimeoutS },
    auth: { privateKey: ref(c.privateKeySecret), password: ref(c.passwordSecret) },
    owner,
  };
}

/**
 * The seed paper's testbed: the server with its bridges, guests and routing tables, and the
 * time-measuring machine and traffic generator cabled to it. Children are named `${name}-<node>`.
 */
export class Testbed extends pulumi.ComponentResource {
  public readonly workspace: pulumi.Output<string>;
  public readonly nodes: pulumi.Output<string[]>;
  /** The topology as kernel objects (namespaces, bridges, veth ends), for `vrlab show`. */
  public readonly lab: pulumi.Output<LabPlan>;
  /** What the benchmark suite measured (harness/results.schema.json); undefined without benchmarks. */
  public readonly results?: pulumi.Output<Record<string, unknown>>;

  constructor(name: string, args: TestbedArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vrlab:lab:Testbed", name, {}, opts);
    const e = args.experiment;
    const owner = args.owner ?? `${pulumi.getProject()}-${pulumi.getStack()}`;
    const plan = planLab(e, owner);
    const kind = e.server.hypervisor;
    // A hypervisor without a driver yet still previews its tree; only `up` needs the driver.
    const driver = drivers.has(kind) ? drivers.get(kind) : undefined;
    if (!driver) {
      const why = `no driver for hypervisor "${kind}" yet (this build supports: ${drivers.kinds().join(", ")})`;
      if (!pulumi.runtime.isDryRun()) throw new Error(`${why}; preview shows the experiment's tree only`);
      void pulumi.log.warn(`${why}: showing the experiment's tree without its substrate`, this);
    }
    const host = hostOf(e.server.connection, owner, plan.serverNs);
    const on = { target: host.target, auth: host.auth };

    // A server's own network stack is shared with whatever else runs there (other stacks, the
    // host): before anything changes, check that no one else holds our bridges' names, subnets or NICs.
    // On this machine the server is the stack's own namespace, which no one else can hold.
    const claims =
      driver && !plan.serverNs
        ? [
            new Scripted(
              "lab:Claims",
              `${name}-claims`,
              {
                ...on,
                params: {
                  owner,
                  claims: plan.bridges.map((b) => ({ bridge: b.kernel, address: b.address, nic: b.nic })),
                },
              },
              { parent: this },
            ),
          ]
        : [];
    // On the server's host: local, or the remote server itself.
    const dir = `${args.runRoot ?? "/run/vrlab"}/${owner}`;
    const workspace = new Scripted(
      "lab:Workspace",
      `${name}-run`,
      { ...on, params: { dir, owner } },
      { parent: this, dependsOn: claims },
    );
    const server = new LabNode(
      "Server",
      `${name}-${e.server.name}`,
      { ...e.server, connection: e.server.connection.kind },
      { parent: this, dependsOn: [workspace] },
    );
    const serverNs =
      driver && plan.serverNs
        ? [
            new Scripted(
              "netns:Namespace",
              `${name}-${e.server.name}-ns`,
              {
                ...on,
                params: { ns: plan.serverNs, forwarding: true, owner },
              },
              { parent: server },
            ),
          ]
        : [];
    const bridgeNodes = plan.bridges.map(
      (b, i) => new LabNode("Bridge", `${name}-br-${b.name}`, e.bridges[i], { parent: server }),
    );
    // What guests and machines wait for: the bridge devices, or just the tree when there is no driver.
    const bridges: pulumi.Resource[] = plan.bridges.map((b, i) => {
      const node = bridgeNodes[i];
      if (!driver) return node;
      const dev = new Scripted(
        "linux:Bridge",
        `${name}-br-${b.name}-dev`,
        {
          ...on,
          params: { srv: plan.serverNs, bridge: b.kernel, address: b.address, owner },
        },
        { parent: node, dependsOn: [...serverNs, ...claims] },
      );
      // On one machine the cable's veth end is the NIC (components/machine.ts); a real server has one.
      if (!b.nic || plan.serverNs) return dev;
      return new Scripted(
        "linux:NicPort",
        `${name}-br-${b.name}-${b.nic}`,
        { ...on, params: { bridge: b.kernel, nic: b.nic } },
        { parent: node, dependsOn: [dev] },
      );
    });

    const execs = new Map<string, GuestExec>();
    const ready: pulumi.Resource[] = [...bridges];
    const guests = plan.guests.map((g, i) => {
      const node = new LabNode("Guest", `${name}-${g.name}`, e.guests[i], {
        parent: server,
        dependsOn: bridges,
      });
      const made = driver?.guest(host, g, { parent: node, dependsOn: bridges, prefix: `${name}-${g.name}` });
      if (made) {
        execs.set(g.name, made.exec);
        ready.push(...made.ready);
      }
      if (g.routes) {
        const table = e.routingTables.find((t) => t.name === g.routes?.table);
        const routes = new RoutingTable(
          `${name}-${g.name}-${g.routes.table}`,
          {
            spec: table,
            routes: made
              ? { host, ns: made.routesNs, spec: g.routes.spec, digest: g.routes.digest }
              : undefined,
          },
          { parent: node, dependsOn: made?.ready ?? [] },
        );
        ready.push(routes);
      }
      return node;
    });

    const machines = plan.machines.map((m) => {
      const model = m.role === "timer" ? e.timer : e.generator;
      return new Machine(
        `${name}-${m.name}`,
        {
          role: m.role,
          model,
          plan: driver ? m : { ...m, local: undefined },
          server: host,
        },
        { parent: this, dependsOn: bridges },
      );
    });

    ready.push(...machines);

    // The post-deploy stage: the benchmarks, once everything above exists.
    const tools = toolsDir();
    if (driver && e.benchmarks.length > 0 && !tools && !pulumi.runtime.isDryRun()) {
      throw new Error(
        "VRLAB_TOOLS_DIR is not set or missing: run scripts/setup.sh (it builds vrlab's benchmark tools)",
      );
    }
    const suite =
      driver && e.benchmarks.length > 0
        ? new Suite(
            `${name}-suite`,
            {
              experiment: e,
              lab: labSpecOf(e, plan, execs, host.target, tools ?? "/nonexistent"),
              auth: {
                server: host.auth,
                timer: e.timer.connection.kind === "ssh" ? hostOf(e.timer.connection, owner).auth : undefined,
                generator:
                  e.generator.connection.kind === "ssh"
                    ? hostOf(e.generator.connection, owner).auth
                    : undefined,
              },
              runTrigger: args.suiteRun,
            },
            { parent: this, dependsOn: [workspace, ...ready] },
          )
        : undefined;
    this.results = suite?.results;

    this.workspace = workspace.params.apply((p) => String(p.dir));
    this.lab = pulumi.output(plan);
    this.nodes = pulumi
      .output([server, ...bridgeNodes, ...guests, ...machines].map((n) => n.urn))
      .apply((urns) => urns.map((u) => u.split("::").pop() ?? u));
    this.registerOutputs({
      workspace: this.workspace,
      nodes: this.nodes,
      lab: this.lab,
      results: this.results,
    });
  }
}
