// Fig. 4(b) when a forwarding benchmark compares routing tables: the forwarded rate against the
// table's size (1k to 1M routes), one point per table and a line per number of routers, the offered
// rate dashed. The size is what the benchmark counted in the routers (params.routes), not the config.
import {
  colours,
  failedFigure,
  failures,
  layeredFigure,
  offeredLine,
  row,
  title,
  type Figure,
  type Found,
  type Row,
} from "./spec";
import { type StackResults } from "./types";

/** A point of the figure: a summary at one table size, with the table's name. */
type Point = Row & { table: string };

const routersText = (n: number): string => `${n} router${n === 1 ? "" : "s"}`;

/** The summaries of `metric` that know their table size, one point each. */
function points(found: Found[], multi: boolean, metric: string, system?: string): Point[] {
  return found.flatMap((f) =>
    f.b.summaries
      .filter((s) => s.metric === metric && (!system || s.system === system))
      .filter((s) => typeof s.params?.routes === "number" && typeof s.params?.routers === "number")
      .map((s) => {
        const r = row(f, multi, s, s.params?.routes);
        const label = `${multi ? `${f.stack}: ` : ""}${routersText(s.params?.routers ?? 0)}`;
        return { ...r, series: label, group: label, table: String(f.b.options.routingTable ?? "") };
      }),
  );
}

/** `found`: forwarding results with options.routingTable; `others`: forwarding results without. */
export function forwardingTablesFigure(
  inputs: StackResults[],
  found: Found[],
  others: number,
  offeredText: string,
): Figure {
  const multi = inputs.length > 1;
  const rows = points(found, multi, "forwarded rate", "aggregate");
  const offered = points(found, multi, "offered rate").map((r) => ({
    ...r,
    series: `offered (${r.series})`,
  }));
  const fails = failures(found);
  const tables = [
    ...new Map(rows.map((r) => [r.table, `${r.table} (${r.x.toLocaleString("en-US")} routes)`])).values(),
  ];
  const notes = [
    `The generator offers${offeredText} (dashed) to destinations spread over each router's table; the external machine counts what is forwarded.`,
    `Tables: ${tables.join(", ") || "none measured"}. Error bars: 95% CI.`,
    ...(others > 0
      ? [`${others} forwarding benchmark(s) without routingTables are not drawn here (see results.csv).`]
      : []),
  ];
  const head = (lines: string[]) =>
    title(inputs, "Fig. 4(b) Forwarding across the routing table: packet rate against table size", lines);
  if (rows.length === 0) return failedFigure("fig4b", head(notes), found);
  const sizes = [...new Set(rows.map((r) => r.x))].sort((a, b) => a - b);
  const yMax = 1.12 * Math.max(...[...rows, ...offered].map((r) => r.hi ?? r.mean));
  // Log scale: the tables grow tenfold; the ticks are the sizes measured, as 1k … 1M.
  const x = {
    field: "x",
    type: "quantitative" as const,
    title: "routes in each router's table",
    scale: { type: "log" as const, domain: [sizes[0] / 2, sizes[sizes.length - 1] * 2] },
    axis: { values: sizes, format: "~s", labelFlush: false, grid: false },
  };
  const yTitle = "packet rate (kp/s)";
  const y = { field: "mean", type: "quantitative" as const, title: yTitle, scale: { domain: [0, yMax] } };
  const single = new Set(rows.map((r) => r.series)).size === 1;
  const { domain, range } = colours(rows);
  const color = { field: "group", scale: { domain, range }, title: null };
  return layeredFigure("fig4b", fails, head([...notes, ...fails]), [
    {
      data: { values: rows },
      layer: [
        { mark: { type: "line", point: true }, encoding: { x, y, color } },
        {
          transform: [{ filter: "isValid(datum.lo)" }],
          mark: { type: "errorbar", ticks: { width: 6 }, color: "#000" },
          encoding: { x, y: { field: "lo", type: "quantitative", title: yTitle }, y2: { field: "hi" } },
        },
        // Values under the points only for one line: several would print over each other.
        ...(single
          ? [
              {
                mark: { type: "text" as const, dy: 16, fontSize: 10, color: "#222" },
                encoding: { x, y, text: { field: "mean", format: ".1f" } },
              },
            ]
          : []),
      ],
    },
    ...(offered.length ? [{ data: { values: offered }, ...offeredLine(x, y) }] : []),
  ]);
}
