// The results document (the `results` stack output), as the suite writes it and the report reads it.
// harness/results.schema.json publishes it; test/engine/suite.test.ts validates real output against it.

export type Substrate = "namespaces" | "hardware" | "emulated";

export interface Provenance {
  hypervisor: string;
  /** What the lab was made of; results of different substrates are never compared. */
  substrate: Substrate;
  kernel: string;
  host?: string;
  tools: Record<string, string>;
  configDigest: string;
  startedAt: string;
  finishedAt: string;
}

/** One metric on one system (and one parameter point), over its repetitions. */
export interface Summary {
  metric: string;
  unit: string;
  system: string;
  params?: Record<string, number>;
  n: number;
  mean: number;
  /** Sample standard deviation; 0 when n = 1. */
  stddev: number;
  /** 95% confidence interval of the mean (Student's t); null when n = 1. */
  ci95: [number, number] | null;
  min: number;
  max: number;
}

export interface BenchmarkResult {
  index: number;
  kind: string;
  options: Record<string, unknown>;
  status: "ok" | "failed";
  error?: { reason: string; tail: string; repetition?: number };
  summaries: Summary[];
}

export interface Results {
  schemaVersion: 1;
  status: "complete" | "partial" | "failed";
  runId: string;
  provenance: Provenance;
  samplesFile: string;
  benchmarks: BenchmarkResult[];
}

/** The system that is the server itself: the paper's native reference, drawn first in the figures. */
export const NATIVE = "native";
