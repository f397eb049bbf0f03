// A 1M-route table through the whole engine (issue 11's state and preview targets):
//
//   scripts/vrlab perf table-stack [--routes N] [--timeout S] [--quick]      (root)
//
// A throwaway stack of the embedded lab with one router, vr1, carrying a generated table of N routes
// (default 1,000,000; --quick 100,000, nothing written), on its own file backend. Times `up` from
// nothing; measures the table resource's size in the checkpoint; changes the table by 1% (N → 0.99 N
// in the stack file) and times `pulumi preview --diff` of that change, keeping the diff's lines for
// the table; times the `up` that applies it and checks the router then holds 0.99 N routes; times
// `destroy`, after which nothing of the stack may be left. Writes perf/results/table-stack.json.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { kernelName } from "../config/names";
import { ROUTE_PROTO } from "../drivers/routes";
import { embeddedStackText } from "../test/support/stack";
import { codeMeasured, intFlags, machineInfo, round, writeResult } from "./common";
import { forwardInterrupts, ok, run } from "./common-run";
import { BenchStack } from "./common-stacks";

const resultsFile = path.join(__dirname, "results", "table-stack.json");
const usage = "table-stack.ts [--routes N] [--timeout S] [--quick]";
const log = (line: string): void => console.error(`table-stack: ${line}`);

/** The embedded lab with vr1 alone, routing with a generated table of `routes` routes. */
function stackText(routes: number): string {
  const doc = parseDocument(embeddedStackText([]));
  const at = ["config", "vrlab:experiment"];
  const guests = doc.getIn([...at, "guests"]) as { items: unknown[] };
  guests.items.splice(1); // vr1 only
  doc.setIn(
    [...at, "routingTables"],
    doc.createNode([{ name: "rt1k", routes, generate: { seed: 1 }, via: "198.18.2.2" }]),
  );
  return doc.toString();
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const quick = argv.includes("--quick");
  const { routes, timeoutS } = intFlags(
    argv.filter((a) => a !== "--quick"),
    {
      routes: { flag: "--routes", value: quick ? 100_000 : 1_000_000, max: 1_000_000 },
      timeoutS: { flag: "--timeout", value: 1200 },
    },
    usage,
  );
  if (process.getuid?.() !== 0) throw new Error("table-stack: run as root (namespaces need it)");
  forwardInterrupts();
  const loadStart = os.loadavg()[0];
  const changed = Math.round(routes * 0.99);
  const st = new BenchStack(`bench-table-${process.pid}`, stackText(routes), timeoutS);
  const ns = kernelName(st.owner, "vr1");
  const count = async (): Promise<number> => {
    const r = ok(
      "ip route",
      await run("ip", ["-n", ns, "route", "show", "proto", String(ROUTE_PROTO)], {
        env: process.env,
        timeoutS: 120,
      }),
    );
    return r.stdout.split("\n").filter(Boolean).length;
  };
  let problems: string[] = [];
  let result: Record<string, unknown> | undefined;
  try {
    await st.init();
    const up = await st.up(`up with ${routes} routes`);
    if ((await count()) !== routes) throw new Error(`after up, vr1 does not hold ${routes} routes`);
    log(`up ${up.seconds.toFixed(2)} s`);
    const state = JSON.parse(ok("export", await st.pulumi(["stack", "export"])).stdout) as {
      deployment: { resources: { type: string; urn: string }[] };
    };
    const table = state.deployment.resources.find((r) => r.type.endsWith("linux:Routes"));
    if (!table) throw new Error("no linux:Routes resource in the state");
    const tableBytes = JSON.stringify(table).length;
    const stateBytes = st.stateSize().state;

    fs.writeFileSync(st.file, stackText(changed));
    const preview = ok("preview", await st.pulumi(["preview", "--diff"]));
    const diff = preview.stdout.split("\n").filter((l) => /^\s*[-+~]\s*(digest|routes)\s*:/.test(l));
    log(`preview --diff ${preview.seconds.toFixed(2)} s:\n${diff.join("\n")}`);
    const change = await st.up(`up to ${changed} routes`);
    if ((await count()) !== changed) throw new Error(`after the change, vr1 does not hold ${changed} routes`);
    log(`up of the 1% change ${change.seconds.toFixed(2)} s`);
    const down = await st.destroy();
    log(`destroy ${down.seconds.toFixed(2)} s`);
    result = {
      benchmark: "table-stack",
      date: new Date().toISOString(),
      machine: machineInfo(loadStart),
      code: codeMeasured(),
      routes,
      changedTo: changed,
      seconds: {
        up: round(up.seconds),
        previewOfChange: round(preview.seconds),
        upOfChange: round(change.seconds),
        destroy: round(down.seconds),
      },
      tableResourceBytes: tableBytes,
      stateBytes,
      previewDiffLines: diff.map((l) => l.trim()),
      targets: [
        { what: "table resource in state, bytes", value: tableBytes, max: 4096, met: tableBytes <= 4096 },
        { what: "preview of a change, s", value: round(preview.seconds), max: 10, met: preview.seconds < 10 },
      ],
    };
  } finally {
    problems = await st.dispose();
  }
  if (problems.length > 0)
    throw new Error(`table-stack: not clean after the run:\n  ${problems.join("\n  ")}`);
  console.log(JSON.stringify(result, null, 2));
  if (!quick && result) await writeResult(resultsFile, result);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
