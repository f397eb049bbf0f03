// The experiment the SSH engine tests stand up on test/support/sshd.ts's server: its namespace is
// the server, bridge gen takes its NIC eth0, two guests, one with a generated routing table.
import { type Sshd } from "./sshd";

export interface SshLabOptions {
  description: string;
  /** The server's pinned host key, as written in the stack. */
  hostKey: string;
  /** Routes in vr1's table. */
  routes: number;
  dialTimeoutS: number;
}

/** A connection to the fixture's server as root, with the key in the stack secret `vrlab:serverKey`. */
export function sshConnection(sshd: Sshd, hostKey: string, dialTimeoutS?: number): Record<string, unknown> {
  return {
    ...{ kind: "ssh", host: sshd.host, port: sshd.port, user: "root", hostKey },
    ...{ privateKeySecret: "vrlab:serverKey", ...(dialTimeoutS === undefined ? {} : { dialTimeoutS }) },
  };
}

/** The fixture's server: its namespace, 2 CPUs, 1 GiB, NIC eth0, netns guests. */
export function sshServer(connection: Record<string, unknown>): Record<string, unknown> {
  return {
    name: "server",
    cpus: 2,
    memoryMiB: 1024,
    nics: [{ name: "eth0" }],
    connection,
    hypervisor: "netns",
  };
}

export function sshLabExperiment(sshd: Sshd, o: SshLabOptions): unknown {
  const connection = sshConnection(sshd, o.hostKey, o.dialTimeoutS);
  const guest = (name: string, n: number) => ({
    name,
    role: "router",
    ...(n === 11 ? { routingTable: "rt" } : {}),
    interfaces: [
      { name: "eth0", bridge: "gen", address: `198.18.1.${n}/24` },
      { name: "eth1", bridge: "time", address: `198.18.2.${n}/24` },
    ],
  });
  const machine = (name: string, bridge: string, address: string) => ({
    ...{ name, connection, nic: { name: "eth0", address } },
    link: { bridge },
  });
  return {
    description: o.description,
    defaults: { vcpus: 1, memoryMiB: 128, diskGiB: 1 },
    server: sshServer(connection),
    bridges: [
      { name: "gen", nic: "eth0", address: "198.18.1.1/24" },
      { name: "time", address: "198.18.2.1/24" },
    ],
    guests: [guest("vr1", 11), guest("vr2", 12)],
    routingTables: [
      {
        name: "rt",
        routes: o.routes,
        generate: { within: "198.19.0.0/16", prefixLength: 32 },
        via: "198.18.2.2",
      },
    ],
    timer: machine("timer", "time", "198.18.2.2/24"),
    generator: machine("gen", "gen", "198.18.1.2/24"),
  };
}
