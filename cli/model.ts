// The view model of `vrlab show` (cli/view.ts builds it, cli/render.ts draws it; --json prints it):
// the lab's machines, bridges and links as planned, each with the state found on the server.

/** `unprobed`: the plan only (no probe, or a timer or generator that is a machine of its own). */
export type Presence = "up" | "missing" | "unprobed";

export interface AddressView {
  dev: string;
  planned: string;
  found: string[];
  ok: boolean;
}

export interface MachineView {
  name: string;
  kind: "server" | "guest" | "timer" | "generator";
  /** A guest's role (router, endpoint); the kind for the others. */
  role: string;
  ns?: string;
  state: Presence;
  addresses: AddressView[];
  limits?: { vcpus: number; memoryMiB: number; cgroup: "ok" | "missing" | "differs" | "unprobed" };
  routes?: { planned: number; found?: number };
  /** What differs from the plan while the namespace is up. */
  drift: string[];
}

export interface BridgeView {
  name: string;
  kernel: string;
  address?: string;
  state: Presence | "down";
}

export interface ShapedEnd {
  /** The machine's name, or "server" for the server's end of the cable. */
  at: string;
  ns: string;
  dev: string;
  /** `tbf 1Gbit +24B/frame`, `unshaped` (another root qdisc) or `missing` (no such device). */
  found: string;
  ok: boolean;
}

export interface LinkView {
  bridge: string;
  machine: string;
  ifname: string;
  address: string;
  hostEnd: string;
  state: "up" | "missing" | "detached" | "down" | "unprobed";
  shaping?: { planned: string; ends: ShapedEnd[] };
  ok: boolean;
}

export interface LabView {
  owner: string;
  tag: string;
  serverNs?: string;
  /** Where the lab was probed: `local`, or `ssh root@host:22` for a remote server. */
  host?: string;
  note?: string;
  machines: MachineView[];
  bridges: BridgeView[];
  links: LinkView[];
  summary: string;
  ok: boolean;
}
