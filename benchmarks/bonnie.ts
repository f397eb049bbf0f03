// Disk: Bonnie++ (Debian's package), its whole run timed externally; its own block rates are kept
// beside the time, from its CSV.
import { arg } from "../remote/shell";
import { parseBonnieCsv } from "./parse/bonnie";
import { timeSamples } from "./timed";
import { type BenchmarkModule } from "./types";
import { type Sample } from "../harness/types";

export interface BonnieOptions {
  sizeMiB: number;
}

export const bonnie: BenchmarkModule<BonnieOptions> = {
  kind: "bonnie",
  description: "Disk: Bonnie++ block tests on a file of sizeMiB in the system's disk, externally timed.",
  options: {
    type: "object",
    properties: {
      sizeMiB: {
        type: "integer",
        minimum: 2,
        maximum: 1048576,
        default: 2048,
        description: "bonnie: MiB of the test file; bonnie++ is told the system has half that much RAM.",
      },
    },
  },
  figure: { title: "Bonnie++: mean execution time", paper: "Fig. 2(a)" },
  async prepare() {},
  async run(ctx, systems, o, repetition) {
    const out: Sample[] = [];
    for (const s of systems) {
      const dir = arg("path", `${s.scratchDir}/bonnie`);
      const cmd = `mkdir -p ${dir} && bonnie++ -d ${dir} -s ${arg("uint", o.sizeMiB)} -r ${arg("uint", Math.floor(o.sizeMiB / 2))} -n 0 -u root -q -x 1 -f; rc=$?; rm -rf ${dir}; exit $rc`;
      const [t] = await ctx.timed([s], cmd, { timeoutMs: Math.max(300_000, o.sizeMiB * 2_000) });
      const report = parseBonnieCsv(t.stdout);
      const meta = { sizeMiB: o.sizeMiB, bonnie: report.version };
      out.push(...timeSamples(t, s.name, repetition, meta));
      for (const [metric, value] of Object.entries(report.results)) {
        const unit = metric === "random seeks" ? "seeks/s" : "KiB/s";
        out.push({ metric, value, unit, system: s.name, repetition, timestamp: Date.now(), metadata: meta });
      }
    }
    return out;
  },
  async cleanup(ctx, systems) {
    for (const s of systems) {
      await ctx.run(s.exec, `rm -rf -- ${arg("path", `${s.scratchDir}/bonnie`)}`, { timeoutMs: 60_000 });
    }
  },
};
