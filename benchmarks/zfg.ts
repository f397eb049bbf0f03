// Disk: ZFG (Zero File Generator), the paper's own tool: write an N-byte zero-filled file ten times,
// with a little dump information written between rounds. Each round is timed externally on its own,
// until its data is on disk (`conv=fsync`), not in a buffer.
import { arg } from "../remote/shell";
import { timeSamples } from "./timed";
import { type BenchmarkModule } from "./types";
import { type Sample } from "../harness/types";

export interface ZfgOptions {
  sizeMiB: number;
  rounds: number;
}

export const zfg: BenchmarkModule<ZfgOptions> = {
  kind: "zfg",
  description:
    "Disk: ZFG, write a sizeMiB zero file `rounds` times, each round fsynced and timed externally.",
  options: {
    type: "object",
    properties: {
      sizeMiB: {
        type: "integer",
        minimum: 1,
        maximum: 1048576,
        default: 2048,
        description: "zfg: MiB written per round (the paper: 2048). Must fit the guest's disk.",
      },
      rounds: {
        type: "integer",
        minimum: 1,
        maximum: 100,
        default: 10,
        description: "zfg: writes of the file (the paper: 10).",
      },
    },
  },
  figure: { title: "ZFG: mean execution time", paper: "Fig. 2(b)" },
  async prepare() {},
  async run(ctx, systems, o, repetition) {
    const out: Sample[] = [];
    for (const s of systems) {
      const dir = arg("path", `${s.scratchDir}/zfg`);
      let total = 0;
      for (let round = 1; round <= o.rounds; round++) {
        const cmd = [
          `mkdir -p ${dir}`,
          `dd if=/dev/zero of=${dir}/zero bs=1M count=${arg("uint", o.sizeMiB)} conv=fsync status=none`,
          // The dump between rounds: a line about what was written, itself on disk.
          `echo "round ${arg("uint", round)} $(stat -c %s ${dir}/zero) bytes" >> ${dir}/dump`,
          `sync ${dir}/dump`,
        ].join(" && ");
        const [t] = await ctx.timed([s], cmd, { timeoutMs: Math.max(120_000, o.sizeMiB * 1_000) });
        total += t.externalS;
        out.push(
          ...timeSamples(
            t,
            s.name,
            repetition,
            { sizeMiB: o.sizeMiB },
            { metric: "round time", params: { round } },
          ),
        );
      }
      const metadata = { sizeMiB: o.sizeMiB, rounds: o.rounds, derived: "sum of the rounds' external times" };
      out.push({
        metric: "time",
        value: total,
        unit: "s",
        system: s.name,
        repetition,
        timestamp: Date.now(),
        metadata,
      });
      await ctx.run(s.exec, `rm -rf -- ${dir}`, { timeoutMs: 60_000 });
    }
    return out;
  },
  async cleanup(ctx, systems) {
    for (const s of systems) {
      await ctx.run(s.exec, `rm -rf -- ${arg("path", `${s.scratchDir}/zfg`)}`, { timeoutMs: 60_000 });
    }
  },
};
