// Memory: MASR (Memory Allocation, Set and Read), the paper's own tool: allocate N bytes, set every
// position sequentially to a fixed value, then read each back (benchmarks/native/masr.c).
import { arg, check } from "../remote/shell";
import { parseKeyValues } from "../remote/script";
import { timedEach } from "./timed";
import { type BenchmarkModule } from "./types";

export interface MasrOptions {
  sizeMiB: number;
}

export const masr: BenchmarkModule<MasrOptions> = {
  kind: "masr",
  description: "Memory: MASR, allocate sizeMiB, set every byte in order, read each back; externally timed.",
  options: {
    type: "object",
    properties: {
      sizeMiB: {
        type: "integer",
        minimum: 1,
        maximum: 1048576,
        default: 2048,
        description: "masr: MiB allocated, set and read (the paper: 2048). Must fit the guest's memory.",
      },
    },
  },
  figure: { title: "MASR: mean execution time", paper: "Fig. 1(b)" },
  async prepare() {},
  run(ctx, systems, o, repetition) {
    const bin = arg("path", `${ctx.lab.toolsDir}/masr`);
    const bytes = o.sizeMiB * 2 ** 20;
    return timedEach(
      ctx,
      systems,
      // Bytes exceed the uint allow-list's 10 digits; the checked MiB (digits only) times 2^20 do not.
      () => `${bin} $((${check("uint", o.sizeMiB)} * 1048576))`,
      Math.max(120_000, o.sizeMiB * 1_000),
      (t) => {
        const kv = parseKeyValues(t.stdout);
        if (Number(kv.bytes) !== bytes)
          throw new Error(`masr reported ${kv.bytes ?? "no"} bytes, not ${bytes}`);
        return { bytes, operations: Number(kv.operations) };
      },
      repetition,
    );
  },
  async cleanup() {},
};
