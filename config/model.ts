// The experiment as code reads it: validated, with every default resolved.
// Raw* types mirror experiment.schema.json; the others are what components and benchmarks get.

export type Hypervisor = "native" | "xen" | "openvz" | "vmware" | "netns";
export type GuestKind = "vm" | "container";
export type BenchmarkKind = "superpi" | "masr" | "bonnie" | "zfg" | "iperf-udp" | "fairness" | "forwarding";

export type Connection =
  | { kind: "local" }
  | {
      kind: "ssh";
      host: string;
      port: number;
      user: string;
      hostKey?: string;
      privateKeySecret?: string;
      passwordSecret?: string;
      dialTimeoutS: number;
    };

export interface Nic {
  name: string;
  rateMbps: number;
  address?: string;
}

export interface LinkEnd {
  bridge: string;
  rateMbps: number;
  delayUs: number;
}

export interface Machine {
  name: string;
  model?: string;
  connection: Connection;
  nic: Nic;
  link: LinkEnd;
}

export interface Resources {
  vcpus?: number;
  memoryMiB?: number;
  diskGiB?: number;
}

export interface Server {
  name: string;
  model?: string;
  cpus: number;
  memoryMiB: number;
  nics: Nic[];
  connection: Connection;
  hypervisor: Hypervisor;
  guestDefaults?: Resources;
}

export interface Bridge {
  name: string;
  nic?: string;
  address?: string;
}

export interface GuestInterface {
  name: string;
  bridge: string;
  address: string;
}

export interface Guest {
  name: string;
  kind: GuestKind;
  role: "router" | "endpoint";
  vcpus: number;
  memoryMiB: number;
  diskGiB: number;
  routingTable?: string;
  interfaces: GuestInterface[];
}

/** Consecutive /prefixLength prefixes carved from a lab block (the paper's tables). */
export interface BlockGenerate {
  within: string;
  prefixLength: number;
}
/** A realistic table drawn from a seed; load fills in the default destinations. */
export interface SeedGenerate {
  seed: number;
  destinations?: { within: string; routes: number };
}

/** Exactly one of `generate` and `file`. */
export interface RoutingTable {
  name: string;
  /** For a file table, the file's number of routes (load fills it in when the YAML omits it). */
  routes: number;
  /** The YAML takes one address or a list; the model always has a list. */
  via: string[];
  generate?: BlockGenerate | SeedGenerate;
  /** A prefix list read and checked at load: path as written, sha256 of its bytes, digest of its table. */
  file?: { path: string; sha256: string; digest: string };
}

/** A routing table as written. */
export interface RawRoutingTable {
  name: string;
  routes?: number;
  via: string | string[];
  generate?: BlockGenerate | SeedGenerate;
  file?: string;
}

/** One benchmark, its kind's defaults resolved (the schema's union has a branch per kind). */
export interface Benchmark {
  kind: BenchmarkKind;
  guests?: string[];
  repetitions: number;
  durationS?: number;
  digitsLog2?: number;
  sizeMiB?: number;
  rounds?: number;
  direction?: "tx" | "rx";
  payloadBytes?: number;
  frameBytes?: number;
  offeredPps?: number;
  offeredMbps?: number;
  sweep?: number[];
  routingTables?: string[];
}

export interface Experiment {
  description?: string;
  server: Server;
  bridges: Bridge[];
  guests: Guest[];
  routingTables: RoutingTable[];
  timer: Machine;
  generator: Machine;
  benchmarks: Benchmark[];
}

/** The experiment as written: guests may leave sizing to the defaults. */
export type RawGuest = Omit<Guest, "kind" | "vcpus" | "memoryMiB" | "diskGiB"> &
  Resources & { kind?: GuestKind };
export interface RawExperiment extends Omit<Experiment, "guests" | "routingTables" | "benchmarks"> {
  defaults?: Resources;
  guests: RawGuest[];
  routingTables?: RawRoutingTable[];
  benchmarks?: Benchmark[];
}
