import * as pulumi from "@pulumi/pulumi";
import { type Machine as MachineModel } from "../config/model";
import { Scripted } from "../drivers/scripted";
import { type ServerHost } from "../drivers/types";
import { type MachinePlan } from "./plan";

export interface MachineArgs {
  role: MachinePlan["role"];
  /** The machine as the experiment gives it. */
  model: MachineModel;
  plan: MachinePlan;
  /** The server the machine is cabled to. */
  server: ServerHost;
}

/**
 * The time-measuring machine or the traffic generator. On one machine it is a namespace cabled to the
 * server's bridge by a veth pair shaped like Ethernet at the link's rate, in both directions. A
 * remote machine is only recorded here; its cable is real.
 */
export class Machine extends pulumi.ComponentResource {
  constructor(name: string, args: MachineArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`vrlab:lab:${args.role === "timer" ? "Timer" : "Generator"}`, name, {}, opts);
    const { model, server } = args;
    const spec = { ...model, connection: model.connection.kind };
    const local = args.plan.local;
    if (local) {
      const on = { target: server.target, auth: server.auth };
      const parent = { parent: this };
      const ns = new Scripted(
        "netns:Namespace",
        `${name}-ns`,
        {
          ...on,
          params: { ns: local.ns, forwarding: false, owner: server.owner },
        },
        parent,
      );
      const port = new Scripted(
        "linux:Port",
        `${name}-${local.port.ifname}`,
        {
          ...on,
          params: { srv: server.ns, ...local.port, owner: server.owner },
        },
        { parent: this, dependsOn: [ns] },
      );
      // Both directions of the cable: the machine's NIC, and the server's NIC that faces it.
      const ends = [
        { at: "machine", ns: local.ns, dev: local.port.ifname },
        { at: "server", ns: server.ns, dev: local.port.hostEnd },
      ];
      for (const end of ends) {
        new Scripted(
          "linux:Shaping",
          `${name}-shape-${end.at}`,
          {
            ...on,
            params: { ns: end.ns, dev: end.dev, rateMbps: local.rateMbps },
          },
          { parent: this, dependsOn: [port] },
        );
      }
    }
    this.registerOutputs({ spec });
  }
}
