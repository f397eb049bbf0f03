// The harness's contract with the benchmark modules and with the Suite resource that starts it.
// Everything here is plain data (JSON), so the Suite can hand a LabSpec to the harness process.
import { type Credentials, type Target } from "../remote/types";
import { type Substrate } from "./results";

/** How to run a shell script on one machine or inside one guest. */
export interface Exec {
  target: Target;
  credentials?: Credentials;
  /**
   * Trusted shell lines run before every script, rendered by the hypervisor driver (e.g. joining the
   * guest's cgroup, so a benchmark's processes are charged to the guest's CPU and memory limits).
   */
  preamble?: string;
}

/** A system under test: a guest, or the server itself for the native reference. */
export interface SystemSpec {
  name: string;
  exec: Exec;
  role: "router" | "endpoint" | "native";
  vcpus: number;
  memoryMiB: number;
  diskGiB: number;
  /** The system's address on each bridge it is cabled to, by bridge name (dotted quad, no prefix). */
  addresses: Record<string, string>;
  /** Interface name on each bridge, by bridge name. */
  ifnames: Record<string, string>;
  /** A directory on the system's disk (not tmpfs) that the harness may fill and remove. */
  scratchDir: string;
}

/** The time-measuring machine or the traffic generator. */
export interface MachineSpec {
  name: string;
  exec: Exec;
  /** Its address and interface on the bridge it is cabled to. */
  address: string;
  ifname: string;
  bridge: string;
  /** Scratch directory for captures and reports. */
  scratchDir: string;
}

/** What the harness needs to know about the lab: the Suite resource builds it from the plan. */
export interface LabSpec {
  owner: string;
  hypervisor: string;
  /** "namespaces" (this machine), "hardware" (a real lab), or "emulated" (QEMU without KVM). */
  substrate: Substrate;
  /** The server itself (for provenance: its kernel). */
  server: { name: string; exec: Exec };
  systems: SystemSpec[];
  timer: MachineSpec;
  generator: MachineSpec;
  /** Directory holding vrlab's compiled tools (vrmark, superpi, masr) on every machine. */
  toolsDir: string;
}

/** One measurement, as PerfKit Benchmarker records them. */
export interface Sample {
  metric: string;
  value: number;
  unit: string;
  /** The system it was measured on (a guest's name, or the server's for native). */
  system: string;
  /** Parameters that a figure plots against (e.g. `{vms: 3}`, `{routers: 2}`); part of the summary key. */
  params?: Record<string, number>;
  metadata: Record<string, string | number | boolean>;
  /** Unix milliseconds. */
  timestamp: number;
  repetition: number;
}

/** The outcome of one externally timed command. */
export interface TimedRun {
  /** Seconds between the start and end markers' arrival at the timer, by the timer's kernel clock. */
  externalS: number;
  /** Seconds the system under test measured itself (CLOCK_MONOTONIC inside it). */
  inGuestS: number;
  stdout: string;
  stderr: string;
  runId: string;
}

export interface RunOpts {
  /** Killed after this long. */
  timeoutMs: number;
  stdin?: string;
}

/** What a benchmark module is given. */
export interface BenchContext {
  lab: LabSpec;
  /** Runs a script on a machine or system; a non-zero exit throws a RemoteError with the output tail. */
  run(exec: Exec, script: string, opts: RunOpts): Promise<{ stdout: string; stderr: string }>;
  /**
   * Runs `argv` (already checked and quoted words) inside each system at once, each between two
   * ICMP markers that the timer timestamps. A lost or foreign marker, or a non-zero exit, throws.
   */
  timed(systems: SystemSpec[], command: string, opts: RunOpts): Promise<TimedRun[]>;
  /** One line of progress for the user (which benchmark, which repetition, time so far). */
  progress(message: string): void;
}
