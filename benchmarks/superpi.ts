// CPU: Super Pi. Pi by the Gauss-Legendre algorithm to 2^n digits (benchmarks/native/superpi.c,
// MPFR), checked against MPFR's own pi; the paper runs 2^22 digits.
import { arg } from "../remote/shell";
import { parseKeyValues } from "../remote/script";
import { timedEach } from "./timed";
import { type BenchmarkModule } from "./types";

export interface SuperPiOptions {
  digitsLog2: number;
}

export const superpi: BenchmarkModule<SuperPiOptions> = {
  kind: "superpi",
  description: "CPU: Super Pi, pi by Gauss-Legendre to 2^digitsLog2 digits, checked, externally timed.",
  options: {
    type: "object",
    properties: {
      digitsLog2: {
        type: "integer",
        minimum: 4,
        maximum: 26,
        default: 22,
        description: "superpi: 2^n digits (the paper: 22).",
      },
    },
  },
  figure: { title: "Super Pi: mean execution time", paper: "Fig. 1(a)" },
  async prepare() {},
  run(ctx, systems, o, repetition) {
    const bin = arg("path", `${ctx.lab.toolsDir}/superpi`);
    const n = arg("uint", o.digitsLog2);
    return timedEach(
      ctx,
      systems,
      () => `${bin} ${n}`,
      // 2^22 digits take about 8 s here (half of it the check); a virtualized CPU may be far slower.
      Math.max(120_000, 2 ** (o.digitsLog2 - 22) * 3_600_000),
      (t) => {
        const kv = parseKeyValues(t.stdout);
        if (Number(kv.verified) < 2 ** o.digitsLog2) {
          throw new Error(`superpi verified ${kv.verified ?? "no"} digits of ${2 ** o.digitsLog2}`);
        }
        return { digits: Number(kv.digits), verified: Number(kv.verified) };
      },
      repetition,
    );
  },
  async cleanup() {},
};
