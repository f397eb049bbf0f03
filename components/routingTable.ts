import * as pulumi from "@pulumi/pulumi";
import { type RoutingTable as TableModel } from "../config/model";
import { type RoutesParams } from "../drivers/routes";
import { Scripted } from "../drivers/scripted";
import { type ServerHost } from "../drivers/types";

export interface RoutingTableArgs {
  /** The table as the experiment gives it (recorded for the stack's reader). */
  spec?: TableModel;
  /** Where and what to install; omitted when the hypervisor has no driver (preview only). */
  routes?: { host: ServerHost } & Required<RoutesParams>;
}

/**
 * A guest's routing table, from 1 to 1,000,000 routes, installed and changed by difference in one
 * `ip -batch` run. State keeps the spec, the route count and a digest, never the routes.
 */
export class RoutingTable extends pulumi.ComponentResource {
  public readonly count?: pulumi.Output<string>;

  constructor(name: string, args: RoutingTableArgs, opts?: pulumi.ComponentResourceOptions) {
    super("vrlab:lab:RoutingTable", name, {}, opts);
    if (args.routes) {
      const { host, ns, spec, digest } = args.routes;
      const params: Required<RoutesParams> = { ns, spec: { ...spec }, digest };
      const routes = new Scripted(
        "linux:Routes",
        `${name}-routes`,
        { target: host.target, auth: host.auth, params: { ...params } },
        { parent: this },
      );
      this.count = routes.observed.apply((o) => o?.count);
    }
    this.registerOutputs({ spec: args.spec, count: this.count });
  }
}
