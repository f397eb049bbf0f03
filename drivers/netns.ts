// The lab's OS-level virtualization: a guest is a network namespace whose processes run in a cgroup
// with its CPU and memory limits, and whose NICs are veth pairs into the server's bridges.
import { cgroupScripts } from "./cgroup";
import { namespaceScripts, portScripts } from "./linux";
import { Scripted } from "./scripted";
import { type HypervisorDriver } from "./types";

export const netnsDriver: HypervisorDriver = {
  kind: "netns",
  guestKinds: ["container"],
  guest(host, g, { prefix, parent, dependsOn }) {
    const opts = { parent, dependsOn };
    const on = { target: host.target, credentials: host.credentials };
    const ns = new Scripted(
      "netns:Namespace",
      `${prefix}-ns`,
      {
        ...on,
        identity: { ns: g.kernel },
        ...namespaceScripts({ ns: g.kernel, forwarding: g.role === "router" }),
      },
      opts,
    );
    const cgroup = new Scripted(
      "netns:Cgroup",
      `${prefix}-cgroup`,
      { ...on, identity: { cgroup: g.kernel }, ...cgroupScripts({ cgroup: g.kernel, ...g }) },
      opts,
    );
    const ports = g.ports.map(
      (p) =>
        new Scripted(
          "linux:Port",
          `${prefix}-${p.ifname}`,
          {
            ...on,
            identity: { hostEnd: p.hostEnd, ifname: p.ifname },
            ...portScripts({ srv: host.ns, ...p }),
          },
          { parent, dependsOn: [...dependsOn, ns] },
        ),
    );
    return { ready: [ns, cgroup, ...ports], routesNs: g.kernel };
  },
};

/** The paper's native reference: the server routes itself, so there are no guests to make. */
export const nativeDriver: HypervisorDriver = {
  kind: "native",
  guestKinds: [],
  guest(_host, g) {
    throw new Error(`guest "${g.name}": the native reference has no guests; the server itself routes`);
  },
};
