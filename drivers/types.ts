// What a hypervisor driver is given and what it declares. Kept small on purpose: a driver makes
// guests; bridges, links and routing tables are plain Linux on the server (drivers/linux.ts).
import type * as pulumi from "@pulumi/pulumi";
import { type Target } from "../remote/types";

/**
 * Where a machine's SSH credentials are: the names of stack secrets (`vrlab:serverKey`), never their
 * values. Providers read the values from the stack's config when they run a script, so state holds
 * no copy and a rotated key is used at once (drivers/secrets.ts).
 */
export interface CredentialRefs {
  privateKey?: string;
  password?: string;
}

/** The server as the drivers reach it. */
export interface ServerHost {
  target: Target;
  auth?: CredentialRefs;
  /** The stack that owns what drivers make there, `<project>-<stack>` (drivers/owner.ts). */
  owner: string;
  /** The server's own namespace when the server is a namespace of this machine. */
  ns?: string;
}

export interface GuestSpec {
  name: string;
  kernel: string;
  role: "router" | "endpoint";
  vcpus: number;
  memoryMiB: number;
  ports: { hostEnd: string; bridge: string; ns: string; ifname: string; address: string }[];
}

/** How to run a command inside a guest: the harness runs its benchmarks there. */
export interface GuestExec {
  target: Target;
  auth?: CredentialRefs;
  /** Trusted shell lines run first (e.g. joining the guest's cgroup). */
  preamble?: string;
  /** A directory on the guest's own disk (never tmpfs) that the harness may fill and remove. */
  scratchDir: string;
}

export interface DeclaredGuest {
  /** Resources that must exist before anything runs in the guest. */
  ready: pulumi.Resource[];
  /** The namespace in which the guest's routing table lives. */
  routesNs: string;
  /** Where the guest's commands run. */
  exec: GuestExec;
}

export interface GuestOptions {
  parent: pulumi.Resource;
  /** What must exist first (the server's bridges). */
  dependsOn: pulumi.Resource[];
  /** Prefix of the Pulumi names of what the driver declares. */
  prefix: string;
}

export interface HypervisorDriver {
  readonly kind: string;
  /** Guest kinds it runs (the config's semantic check has the same table). */
  readonly guestKinds: readonly string[];
  guest(host: ServerHost, spec: GuestSpec, opts: GuestOptions): DeclaredGuest;
}
