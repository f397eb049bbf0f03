// Writes the benchmark union of config/experiment.schema.json from the benchmark modules' own option
// schemas, so a new benchmark is a module and a registry line. Run: npm run docs (it runs this first).
// test/unit/bench-schema.test.ts fails when the file is stale.
import * as fs from "node:fs";
import * as path from "node:path";
import * as prettier from "prettier";
import { benchmarks } from "../benchmarks";
import { type BenchmarkModule } from "../benchmarks/types";

export const SCHEMA_FILE = path.resolve(__dirname, "../config/experiment.schema.json");

// Fields every benchmark takes, besides its own options.
const COMMON = {
  guests: {
    type: "array",
    items: { $ref: "#/definitions/name" },
    description:
      "Systems it runs on: guest names, and `native` for the server itself. Default: every guest (routers for forwarding), and `native` on the netns and native hypervisors.",
  },
  repetitions: {
    type: "integer",
    minimum: 1,
    maximum: 1000,
    default: 10,
    description: "Times the benchmark is run; each run is timed separately.",
  },
};

function branch(m: BenchmarkModule): Record<string, unknown> {
  return {
    description: m.description,
    properties: {
      kind: { const: m.kind, description: `${m.kind}: ${m.figure.title} (the paper's ${m.figure.paper}).` },
      ...COMMON,
      ...m.options.properties,
    },
    required: ["kind", ...(m.options.required ?? [])],
    additionalProperties: false,
  };
}

export function benchmarkUnion(): Record<string, unknown> {
  return {
    type: "object",
    description: "One benchmark of the plan: `kind` says which, and each kind takes its own fields.",
    discriminator: { propertyName: "kind" },
    required: ["kind"],
    oneOf: benchmarks.all().map(branch),
  };
}

export async function renderSchema(): Promise<string> {
  const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8")) as { definitions: Record<string, unknown> };
  schema.definitions.benchmark = benchmarkUnion();
  const options = (await prettier.resolveConfig(SCHEMA_FILE)) ?? {};
  return prettier.format(JSON.stringify(schema), { ...options, parser: "json" });
}

if (require.main === module) {
  void renderSchema().then((text) => {
    fs.writeFileSync(SCHEMA_FILE, text);
    console.log(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}`);
  });
}
