// Writes docs/experiment-fields.md from config/experiment.schema.json. Run: npm run docs
import * as fs from "node:fs";
import * as path from "node:path";
import { renderFieldTable } from "../config/docs";
import { schema } from "../config/schema";

export const DOC_FILE = path.resolve(__dirname, "../docs/experiment-fields.md");

const HEADER = `# Experiment fields

<!-- Generated from config/experiment.schema.json by scripts/gen-docs.ts: do not edit. Regenerate with \`npm run docs\`. -->

Every field of a stack file, \`stacks/Pulumi.<stack>.yaml\`. Paths use \`[]\` for "each entry of the
list" and \`(kind: ssh)\` for fields that only that kind of connection has. A default shown as
"\`1\` (inherits \`F\`)" is the value of field \`F\` when that is set, else \`1\`: a guest's sizing
inherits \`server.guestDefaults\`, which inherits \`defaults\`.
`;

/** The whole file: header and tables. */
export function renderDoc(): string {
  return `${HEADER}\n${renderFieldTable(schema)}`;
}

if (require.main === module) {
  fs.mkdirSync(path.dirname(DOC_FILE), { recursive: true });
  fs.writeFileSync(DOC_FILE, renderDoc());
  console.log(`wrote ${path.relative(process.cwd(), DOC_FILE)}`);
}
