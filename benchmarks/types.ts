// A benchmark of the experiment, as PerfKit Benchmarker shapes them: a name, an options schema, and
// prepare → run (samples) → cleanup. A new benchmark is one module and one line in benchmarks/index.ts.
import { type BenchContext, type Sample, type SystemSpec } from "../harness/types";

/** A JSON Schema fragment (draft-07) for a benchmark's own options. */
export type OptionsSchema = {
  type: "object";
  properties: Record<string, Record<string, unknown>>;
  required?: string[];
};

export interface BenchmarkModule<O = Record<string, unknown>> {
  /** The `kind` in the experiment's benchmark list. */
  readonly kind: string;
  /** One line for the generated field reference. */
  readonly description: string;
  /** The benchmark's own options (besides kind, repetitions and guests), with their defaults. */
  readonly options: OptionsSchema;
  /** What the figure of this benchmark plots (the report groups by it). */
  readonly figure: { title: string; paper: string };
  /** Installs or checks what the run needs on the systems (files, servers); idempotent. */
  prepare(ctx: BenchContext, systems: SystemSpec[], opts: O): Promise<void>;
  /** One repetition: every sample it measured. Throws when anything fails; never returns a guess. */
  run(ctx: BenchContext, systems: SystemSpec[], opts: O, repetition: number): Promise<Sample[]>;
  /** Removes what prepare and run left, also after a failure. */
  cleanup(ctx: BenchContext, systems: SystemSpec[], opts: O): Promise<void>;
}
