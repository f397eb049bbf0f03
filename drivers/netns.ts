// The lab's OS-level virtualization: a guest is a network namespace whose processes run in a cgroup
// with its CPU and memory limits, and whose NICs are veth pairs into the server's bridges.
import { arg } from "../remote/shell";
import { Scripted } from "./scripted";
import { type GuestExec, type HypervisorDriver, type ServerHost } from "./types";

const unsupportedRemote = (ns: string): string =>
  `echo 'benchmarks in a namespace of a remote server are not supported yet:' ${arg("netns", ns).toString()} >&2; exit 1`;

/**
 * Where a netns guest's commands run: in its namespace, charged to its cgroup, with a scratch
 * directory on the host's disk. A remote server's namespaces would need the harness to re-enter them
 * over SSH, which it does not do yet: such a run fails, saying so.
 */
export function netnsGuestExec(host: ServerHost, kernel: string): GuestExec {
  const scratchDir = `/var/tmp/vrlab/${kernel}`;
  if (host.target.kind === "local")
    return { target: { kind: "local", netns: kernel, cgroup: kernel }, scratchDir };
  return {
    target: host.target,
    auth: host.auth,
    preamble: unsupportedRemote(kernel),
    scratchDir,
  };
}

export const netnsDriver: HypervisorDriver = {
  kind: "netns",
  guestKinds: ["container"],
  guest(host, g, { prefix, parent, dependsOn }) {
    const opts = { parent, dependsOn };
    const on = { target: host.target, auth: host.auth };
    const ns = new Scripted(
      "netns:Namespace",
      `${prefix}-ns`,
      {
        ...on,
        params: { ns: g.kernel, forwarding: g.role === "router", owner: host.owner },
      },
      opts,
    );
    const cgroup = new Scripted(
      "netns:Cgroup",
      `${prefix}-cgroup`,
      {
        ...on,
        params: { cgroup: g.kernel, vcpus: g.vcpus, memoryMiB: g.memoryMiB, owner: host.owner },
      },
      opts,
    );
    const ports = g.ports.map(
      (p) =>
        new Scripted(
          "linux:Port",
          `${prefix}-${p.ifname}`,
          {
            ...on,
            params: { srv: host.ns, ...p, owner: host.owner },
          },
          { parent, dependsOn: [...dependsOn, ns] },
        ),
    );
    return { ready: [ns, cgroup, ...ports], routesNs: g.kernel, exec: netnsGuestExec(host, g.kernel) };
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
