// The results of perf/program.ts: what it measured, as the results file's JSON and a table, with
// ratios to the engine's floor and issue 10's targets.
import { machineInfo, median, round } from "./common";
import { type Run } from "./common-run";
import { type BenchStack } from "./common-stacks";

export interface Series {
  floorPreview: Run[];
  floorUp: Run[];
  fullUp: Run[];
  noChangeUp: Run[];
  noChangeUpNoRefresh: Run[];
  destroy: Run[];
  state: ReturnType<BenchStack["stateSize"]>;
  afterSeries: ReturnType<BenchStack["stateSize"]>["backups"];
  pulumi: string;
}

export interface Size {
  guests: number;
  up_s: number[];
  destroy_s: number[];
  state_KiB: number;
  programPeak_MiB: number;
}

export const rounded = (xs: number[], digits = 3): number[] => xs.map((x) => round(x, digits));
export const peak = (r: Run, role: string): number => {
  const mib = r.peakMiB[role];
  if (mib === undefined) throw new Error(`no ${role} process was seen during the run, so no peak memory`);
  return mib;
};

export type Mininet = { up_s: number[]; down_s: number[] } & Record<string, unknown>;

export function results(o: {
  reps: number;
  scaleReps: number;
  quick: boolean;
  started: Date;
  loadStart: number;
  series: Series;
  mn: Mininet;
  sized: Size[];
  code: string;
}): { result: Record<string, unknown>; table: string[] } {
  const { series: x, mn, sized } = o;
  const med = (rs: Run[]): number => median(rs.map((r) => r.seconds));
  const floor = med(x.floorUp);
  const m = {
    floorPreview: med(x.floorPreview),
    floorUp: floor,
    fullUp: med(x.fullUp),
    noChangeUp: med(x.noChangeUp),
    noChangeUpNoRefresh: med(x.noChangeUpNoRefresh),
    destroy: med(x.destroy),
  };
  const mnUp = median(mn.up_s);
  const mnDown = median(mn.down_s);
  const slope = (key: "up_s" | "destroy_s"): Record<string, number> =>
    Object.fromEntries(
      sized.slice(1).map((z, i) => {
        const a = sized[i];
        return [`${a.guests}-${z.guests}`, round((median(z[key]) - median(a[key])) / (z.guests - a.guests))];
      }),
    );
  const slopes = { up: slope("up_s"), destroy: slope("destroy_s") };
  const programPeak = median(x.fullUp.map((r) => peak(r, "program")));
  const stateKiB = x.state.state / 1024;
  const ratio = {
    noChangeUp: round(m.noChangeUp / floor, 2),
    noChangeUpNoRefresh: round(m.noChangeUpNoRefresh / floor, 2),
    fullUp: round(m.fullUp / floor, 2),
    destroy: round(m.destroy / floor, 2),
    mininetUp: round(m.fullUp / mnUp, 2),
    mininetDown: round(m.destroy / mnDown, 2),
  };
  const target = (what: string, value: number, max: number): Record<string, unknown> => ({
    what,
    value: round(value, 3),
    max,
    met: value <= max,
  });
  const targets = [
    target("no-change up --refresh / floor", ratio.noChangeUp, 1.3),
    target("full up / floor", ratio.fullUp, 2),
    target("destroy / floor", ratio.destroy, 1.5),
    target("state after up, KiB", stateKiB, 100),
    target("program peak RSS during up, MiB", programPeak, 200),
    ...Object.entries(slopes).flatMap(([verb, bySpan]) =>
      Object.entries(bySpan).map(([span, v]) => target(`${verb} s per added guest, ${span} guests`, v, 0.2)),
    ),
  ];
  const raw = (rs: Run[]): number[] => rounded(rs.map((r) => r.seconds));
  const result = {
    benchmark: "program",
    date: o.started.toISOString(),
    machine: machineInfo(o.loadStart, { pulumi: x.pulumi }),
    code: o.code,
    reps: o.reps,
    ...(o.quick ? { quick: true } : {}),
    floor: {
      what: "an empty JavaScript program (typescript: false): `pulumi preview`, and `pulumi up --yes --skip-preview` with nothing to change; the floor is the up",
      preview_s: raw(x.floorPreview),
      up_s: raw(x.floorUp),
      median_s: { preview: round(m.floorPreview), up: round(floor) },
      programPeak_MiB: round(median(x.floorUp.map((r) => peak(r, "program"))), 1),
    },
    vrlab: {
      what: "the embedded stack without benchmarks: `pulumi up --yes --skip-preview` from nothing, again with --refresh and without (--expect-no-changes), `pulumi destroy --yes --skip-preview`",
      fullUp_s: raw(x.fullUp),
      noChangeUp_s: raw(x.noChangeUp),
      noChangeUpNoRefresh_s: raw(x.noChangeUpNoRefresh),
      destroy_s: raw(x.destroy),
      median_s: Object.fromEntries(Object.entries(m).map(([k, v]) => [k, round(v)])),
      fullUpBreakdown_s: {
        engineFloor: round(floor),
        programBeyondFloor: round(m.noChangeUpNoRefresh - floor),
        changes: round(m.fullUp - m.noChangeUpNoRefresh),
      },
      state_KiB: round(stateKiB, 1),
      backupsAfterUp: { KiB: round(x.state.backups.bytes / 1024, 1), files: x.state.backups.files },
      backupsAfterSeries: { KiB: round(x.afterSeries.bytes / 1024, 1), files: x.afterSeries.files },
      programPeak_MiB: rounded(
        x.fullUp.map((r) => peak(r, "program")),
        1,
      ),
      noChangeUpProgramPeak_MiB: rounded(
        x.noChangeUp.map((r) => peak(r, "program")),
        1,
      ),
      providerPeak_MiB: rounded(
        x.fullUp.map((r) => r.peakMiB.provider ?? 0),
        1,
      ),
    },
    mininet: {
      what: "in-process Mininet build+start+forwarding+routes, and net.stop() (perf/mininet_topo.py)",
      ...mn,
      up_s: rounded(mn.up_s),
      down_s: rounded(mn.down_s),
      median_s: { up: round(mnUp), down: round(mnDown) },
    },
    scaling: {
      what: "the embedded layout with N routers (1,000 routes each), up from nothing and destroy",
      reps: o.scaleReps,
      sizes: sized.map((z) => ({
        ...z,
        up_s: rounded(z.up_s),
        destroy_s: rounded(z.destroy_s),
        state_KiB: round(z.state_KiB, 1),
        programPeak_MiB: round(z.programPeak_MiB, 1),
      })),
      slope_s_per_guest: slopes,
    },
    ratio,
    targets,
  };

  const f = (v: number, d = 2): string => v.toFixed(d);
  const row = (a: string, b: string, c = "", d = ""): string =>
    `${a.padEnd(34)}${b.padStart(9)}${c.padStart(10)}   ${d}`.trimEnd();
  const goal = (max: number, v: number): string => `<= ${max} ${v <= max ? "ok" : "MISSED"}`;
  const table = [
    `program: ${o.reps} repetition(s), medians; floor = no-change \`up\` of an empty JS program`,
    row("", "seconds", "x floor", "target"),
    row("floor: empty program, preview", f(m.floorPreview), f(m.floorPreview / floor)),
    row("floor: empty program, up", f(floor), "1.00"),
    row("vrlab no-change up --refresh", f(m.noChangeUp), f(ratio.noChangeUp), goal(1.3, ratio.noChangeUp)),
    row("vrlab no-change up, no refresh", f(m.noChangeUpNoRefresh), f(ratio.noChangeUpNoRefresh)),
    row("vrlab up from nothing", f(m.fullUp), f(ratio.fullUp), goal(2, ratio.fullUp)),
    row("vrlab destroy", f(m.destroy), f(ratio.destroy), goal(1.5, ratio.destroy)),
    `  up from nothing = floor ${f(floor)} + program ${f(m.noChangeUpNoRefresh - floor)} + changes ${f(m.fullUp - m.noChangeUpNoRefresh)} s`,
    row("mininet up (vrlab up / it)", f(mnUp), `${f(ratio.mininetUp, 1)}x`),
    row("mininet down (vrlab destroy / it)", f(mnDown), `${f(ratio.mininetDown, 1)}x`),
    row("state after up, KiB", f(stateKiB, 1), "", goal(100, round(stateKiB, 1))),
    row("backups after one up, KiB", f(x.state.backups.bytes / 1024, 0)),
    row("program peak RSS in up, MiB", f(programPeak, 1), "", goal(200, round(programPeak, 1))),
    row("  the empty program's, MiB", f(result.floor.programPeak_MiB, 0)),
    row("  the dynamic provider's, MiB", f(median(result.vrlab.providerPeak_MiB), 0)),
    row("scaling: guests", "up s", "destroy s", "state KiB"),
    ...sized.map((z) => row(`  ${z.guests}`, f(median(z.up_s)), f(median(z.destroy_s)), f(z.state_KiB, 0))),
    ...Object.keys(slopes.up).map((span) =>
      row(
        `  s per added guest, ${span}`,
        f(slopes.up[span], 3),
        f(slopes.destroy[span], 3),
        goal(0.2, Math.max(slopes.up[span], slopes.destroy[span])),
      ),
    ),
  ];
  return { result, table };
}
