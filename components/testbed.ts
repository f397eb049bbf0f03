import * as pulumi from "@pulumi/pulumi";
import { type Experiment } from "../config/model";
import { LabNode } from "./labNode";
import { Workspace } from "./workspace";

export interface TestbedArgs {
  /** The validated experiment (config/load.ts). */
  experiment: Experiment;
  /** Parent of the stack's run directory on the lab host. Default: /run/vrlab. */
  runRoot?: string;
}

/**
 * The seed paper's testbed: the server with its bridges, guests and routing tables, and the
 * time-measuring machine and traffic generator cabled to it. Children are named `${name}-<node>`.
 */
export class Testbed extends pulumi.ComponentResource {
  public readonly workspace: pulumi.Output<string>;
  public readonly nodes: pulumi.Output<string[]>;

  constructor(name: string, args: TestbedArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vrlab:lab:Testbed", name, {}, opts);
    const e = args.experiment;
    const workspace = new Workspace(`${name}-run`, { root: args.runRoot }, { parent: this });
    const server = new LabNode(
      "Server",
      `${name}-${e.server.name}`,
      { ...e.server, connection: e.server.connection.kind },
      { parent: this, dependsOn: [workspace] },
    );
    const bridges = e.bridges.map(
      (b) => new LabNode("Bridge", `${name}-br-${b.name}`, b, { parent: server }),
    );
    const tables = new Map(e.routingTables.map((t) => [t.name, t]));
    const guests = e.guests.map((g) => {
      const guest = new LabNode("Guest", `${name}-${g.name}`, g, { parent: server, dependsOn: bridges });
      const table = g.routingTable ? tables.get(g.routingTable) : undefined;
      if (table) new LabNode("RoutingTable", `${name}-${g.name}-${table.name}`, table, { parent: guest });
      return guest;
    });
    const machines = [
      { role: "Timer", m: e.timer },
      { role: "Generator", m: e.generator },
    ].map(
      ({ role, m }) =>
        new LabNode(
          role,
          `${name}-${m.name}`,
          { ...m, connection: m.connection.kind },
          { parent: this, dependsOn: bridges },
        ),
    );

    this.workspace = workspace.path;
    this.nodes = pulumi
      .output([server, ...bridges, ...guests, ...machines].map((n) => n.urn))
      .apply((urns) => urns.map((u) => u.split("::").pop() ?? u));
    this.registerOutputs({ workspace: this.workspace, nodes: this.nodes });
  }
}
