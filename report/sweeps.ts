// Figs. 4(a) and 4(b): a sweep over the number of VMs or routers, as grouped bars of each system and
// the aggregate at every point, with Jain's index and the offered rate drawn against them. A
// forwarding benchmark that compares routing tables is drawn against table size (forwardingTables.ts).
import {
  CONFIG,
  HEIGHT,
  SCHEMA,
  WIDTH,
  colours,
  failedFigure,
  failures,
  layeredFigure,
  offeredLine,
  find,
  gbeLimit,
  payloadOf,
  referenceRule,
  row,
  statusOf,
  title,
  type Figure,
  type Found,
  type Row,
} from "./spec";
import { forwardingTablesFigure } from "./forwardingTables";
import { type StackResults } from "./types";

// One x scale for a sweep's bars and lines (Jain's index, the offered rate), so their points line up,
// and y axes of one width, so stacked panels start at the same x.
const SWEEP_SCALE = { type: "band" as const, paddingInner: 0.15, paddingOuter: 0.1 };
const Y_AXIS = { minExtent: 48, maxExtent: 48 };
const sweepX = (title: string) => ({
  field: "x",
  type: "ordinal" as const,
  title,
  axis: { labelAngle: 0 },
  scale: SWEEP_SCALE,
});

/** Bars of each series side by side at every point of a sweep; errors as 95% CI bars. */
function grouped(rows: Row[], xTitle: string, yTitle: string, yMax?: number) {
  const { domain, range } = colours(rows);
  // Within a group the aggregate comes last, after the systems it sums.
  const isAggregate = (g: string): boolean => rows.some((r) => r.group === g && r.role === "aggregate");
  const order = [...domain.filter((g) => !isAggregate(g)), ...domain.filter(isAggregate)];
  const x = sweepX(xTitle);
  const colour = (g: string): string => range[domain.indexOf(g)];
  const xOffset = { field: "group", sort: order, scale: { paddingInner: 0.1 } };
  const y = {
    field: "mean",
    type: "quantitative" as const,
    title: yTitle,
    axis: Y_AXIS,
    ...(yMax ? { scale: { domainMax: yMax } } : {}),
  };
  return [
    {
      data: { values: rows },
      layer: [
        {
          mark: { type: "bar" as const },
          encoding: {
            x,
            xOffset,
            y,
            color: { field: "group", scale: { domain: order, range: order.map(colour) }, title: null },
          },
        },
        {
          transform: [{ filter: "isValid(datum.lo)" }],
          mark: { type: "errorbar" as const, ticks: { width: 4 }, color: "#000" },
          encoding: {
            x,
            xOffset,
            y: { field: "lo", type: "quantitative" as const, title: yTitle },
            y2: { field: "hi" },
          },
        },
      ],
    },
  ];
}

/** " 130 kp/s of 64-byte frames", as the first result's options say; "" when they do not. */
function offeredText(found: Found[]): string {
  const o = found[0].b.options;
  return typeof o.offeredPps === "number" && typeof o.frameBytes === "number"
    ? ` ${o.offeredPps / 1000} kp/s of ${o.frameBytes}-byte frames`
    : "";
}

/** Summaries of `metric` at each point of the swept parameter. */
function sweep(found: Found[], multi: boolean, metric: string, param: string): Row[] {
  return found.flatMap((f) =>
    f.b.summaries
      .filter((s) => s.metric === metric && typeof s.params?.[param] === "number")
      .map((s) => row(f, multi, s, s.params?.[param] as number)),
  );
}

export function fairnessFigure(inputs: StackResults[]): Figure | undefined {
  const found = find(inputs, (b) => b.kind === "fairness");
  if (found.length === 0) return undefined;
  const multi = inputs.length > 1;
  const rows = sweep(found, multi, "throughput", "vms");
  const jain = sweep(found, multi, "jain index", "vms").map((r) => ({
    ...r,
    group: multi ? r.series : "Jain",
  }));
  const fails = failures(found);
  const limit = gbeLimit(payloadOf(found));
  const notes = [
    "Each VM sends maximum-size UDP frames to the external machine; error bars: 95% CI.",
    limit.caption,
  ];
  const head = (lines: string[]) =>
    title(inputs, "Fig. 4(a) Fairness: UDP throughput of VMs sharing one NIC", lines);
  if (rows.length === 0) return failedFigure("fig4a", head(notes), found);
  const x = sweepX("number of VMs");
  const y = {
    field: "mean",
    type: "quantitative" as const,
    title: "Jain's index",
    axis: Y_AXIS,
    scale: { domain: [0, 1] },
  };
  const color = { field: "group", scale: colours(jain), legend: multi ? {} : null, title: null };
  const index = {
    width: WIDTH,
    height: 70,
    data: { values: jain },
    layer: [
      { mark: { type: "line" as const, point: true }, encoding: { x, y, color } },
      // Values over the points only for one line: several would print over each other.
      ...(multi
        ? []
        : [
            {
              mark: { type: "text" as const, dy: -9, fontSize: 10 },
              encoding: { x, y, text: { field: "mean", format: ".3f" } },
            },
          ]),
    ],
  };
  return {
    id: "fig4a",
    status: statusOf(fails),
    failures: fails,
    spec: {
      $schema: SCHEMA,
      title: head([...notes, ...fails]),
      config: CONFIG,
      vconcat: [
        {
          width: WIDTH,
          height: HEIGHT,
          layer: [
            ...grouped(rows, "number of VMs", "throughput (Mb/s)"),
            ...referenceRule(limit.mbps, limit.label),
          ],
        },
        ...(jain.length ? [index] : []),
      ],
      resolve: { scale: { color: "independent", y: "independent" } },
    },
  };
}

/**
 * Fig. 4(b): forwarding against the number of routers, or, when a forwarding benchmark compared
 * routing tables (one result per table, options.routingTable), against the tables' sizes.
 */
export function forwardingFigure(inputs: StackResults[]): Figure | undefined {
  const all = find(inputs, (b) => b.kind === "forwarding");
  if (all.length === 0) return undefined;
  const compared = all.filter((f) => typeof f.b.options.routingTable === "string");
  if (compared.length > 0) {
    return forwardingTablesFigure(inputs, compared, all.length - compared.length, offeredText(compared));
  }
  const found = all;
  const multi = inputs.length > 1;
  const rows = sweep(found, multi, "forwarded rate", "routers");
  const offered = sweep(found, multi, "offered rate", "routers").map((r) => ({
    ...r,
    series: `offered (${r.series})`,
  }));
  const fails = failures(found);
  const notes = [
    `The generator offers${offeredText(found)} (dashed); the external machine counts what is forwarded. Error bars: 95% CI.`,
  ];
  const head = (lines: string[]) =>
    title(inputs, "Fig. 4(b) Forwarding: packet rate through virtual routers", lines);
  if (rows.length === 0) return failedFigure("fig4b", head(notes), found);
  const last = Math.max(...offered.map((r) => r.x));
  // Headroom above the offered line, which is the highest thing drawn, for its label.
  const yMax = 1.12 * Math.max(...[...rows, ...offered].map((r) => r.hi ?? r.mean));
  const x = sweepX("number of virtual routers");
  const y = { field: "mean", type: "quantitative" as const };
  const reference = {
    data: { values: offered },
    layer: [
      offeredLine(x, y),
      {
        transform: [
          { filter: `datum.x === ${last}` },
          { calculate: "datum.series + ': ' + format(datum.mean, '.1f') + ' kp/s'", as: "label" },
        ],
        mark: { type: "text" as const, align: "right" as const, dy: -9, fontSize: 11 },
        encoding: { x, y, text: { field: "label" } },
      },
    ],
  };
  return layeredFigure("fig4b", fails, head([...notes, ...fails]), [
    ...grouped(rows, "number of virtual routers", "packet rate (kp/s)", yMax),
    ...(offered.length ? [reference] : []),
  ]);
}
