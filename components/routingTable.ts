import * as pulumi from "@pulumi/pulumi";
import { type RoutingTable as TableModel } from "../config/model";
import { type RouteSpec } from "../drivers/routes";
import { Scripted } from "../drivers/scripted";
import { type ServerHost } from "../drivers/types";

export interface RoutingTableArgs {
  /** The table as the experiment gives it (recorded for the stack's reader). */
  spec?: TableModel;
  /** Where and what to install; omitted when the hypervisor has no driver (preview only). */
  routes?: { host: ServerHost; ns: string; spec: RouteSpec };
}

/**
 * A guest's routing table of generated routes (the seed's 1k / 10k / 100k), installed with one
 * `ip -batch` run. State keeps the route count and a digest, never the routes.
 */
export class RoutingTable extends pulumi.ComponentResource {
  public readonly count?: pulumi.Output<string>;

  constructor(name: string, args: RoutingTableArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vrlab:lab:RoutingTable", name, {}, opts);
    if (args.routes) {
      const { host, ns, spec } = args.routes;
      const routes = new Scripted(
        "linux:Routes",
        `${name}-routes`,
        {
          target: host.target,
          auth: host.auth,
          params: { ns, spec: { ...spec } },
        },
        { parent: this },
      );
      this.count = routes.observed.apply((o) => o?.count);
    }
    this.registerOutputs({ spec: args.spec, count: this.count });
  }
}
