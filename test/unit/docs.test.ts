// The field reference is generated from the schema: it must be current, complete and exact.
import * as fs from "node:fs";
import { fieldSections, renderFieldTable, type FieldRow } from "../../config/docs";
import { schema } from "../../config/schema";
import { DOC_FILE, renderDoc } from "../../scripts/gen-docs";

const rows = (): FieldRow[] => fieldSections(schema).flatMap((s) => s.rows);
const rowAt = (path: string): FieldRow | undefined => rows().find((r) => r.path === path);

/** Every property the schema declares anywhere, by where it sits in the JSON, lacking a description. */
function undescribed(node: unknown, at: string, out: string[] = []): string[] {
  if (typeof node !== "object" || node === null) return out;
  for (const [key, value] of Object.entries(node)) {
    if ((key === "properties" || key === "patternProperties") && typeof value === "object" && value) {
      for (const [name, prop] of Object.entries(value as Record<string, { description?: string }>))
        if (!prop.description?.trim()) out.push(`${at}/${key}/${name}`);
    }
    undescribed(value, `${at}/${key}`, out);
  }
  return out;
}

describe("docs/experiment-fields.md", () => {
  test("is what the generator renders from the schema now", () => {
    const current = fs.existsSync(DOC_FILE) ? fs.readFileSync(DOC_FILE, "utf8") : "";
    if (current !== renderDoc())
      throw new Error("docs/experiment-fields.md is out of date with the schema: run `npm run docs`");
  });

  test("every field has a description", () => {
    expect({
      undocumentedFields: rows()
        .filter((r) => !r.meaning.trim())
        .map((r) => r.path),
    }).toEqual({
      undocumentedFields: [],
    });
    expect({ undocumentedProperties: undescribed(schema, "#") }).toEqual({ undocumentedProperties: [] });
  });

  test("rows show type, limits, required and defaults, inherited ones too", () => {
    expect(rowAt("guests[].vcpus")).toEqual({
      path: "guests[].vcpus",
      type: "integer, min 1, max 256",
      required: "no",
      default: "`1` (inherits `server.guestDefaults.vcpus`)",
      meaning: "Virtual CPUs; unset, it is inherited.",
    });
    expect(rowAt("server.guestDefaults.memoryMiB")?.default).toBe("`512` (inherits `defaults.memoryMiB`)");
    expect(rowAt("server.connection (kind: ssh).port")).toMatchObject({
      type: "integer, min 1, max 65535",
      default: "`22`",
    });
    expect(rowAt("server.connection.kind")?.type).toBe("one of `local`, `ssh`");
    expect(rowAt("server.nics[].rateMbps")).toMatchObject({
      type: "integer (`rateMbps`), min 1, max 400000",
      required: "no",
      default: "`1000`",
    });
    expect(rowAt("guests[].interfaces[].bridge")).toMatchObject({ type: "string (`name`)", required: "yes" });
    expect(rowAt("routingTables[].generate")?.required).toBe("exactly one of `generate`, `file`");
    expect(rowAt("routingTables[].routes")?.required).toBe("with `generate`");
    expect(rowAt("routingTables[].via")?.type).toBe(
      "string (`ipv4`) or array of string (`ipv4`), min 1 items",
    );
    expect(rowAt("config.vrlab:experiment")?.type).toBe("object (see `vrlab:experiment`)");
    expect(renderDoc()).toMatch(
      /^\| `guests\[\]\.vcpus` +\| integer, min 1, max 256 +\| no +\| `1` \(inherits/m,
    );
  });

  test("says the true name limits and kernel naming, and offers nothing the plan cannot do", () => {
    const doc = renderDoc();
    const formats = fieldSections(schema).find((s) => s.title === "Formats")?.rows ?? [];
    const format = (name: string): string | undefined => formats.find((r) => r.path === name)?.meaning;
    expect(format("name")).toMatch(/at most 31 characters/);
    expect(format("ifname")).toMatch(/at most 15 characters \(the kernel's limit\)/);
    expect(doc).not.toMatch(/checked with the stack's prefix/);
    const intro = fieldSections(schema).find((s) => s.title === "vrlab:experiment")?.intro ?? "";
    expect(intro).toMatch(/`v<tag>-<name>`.*8 base32 characters.*15 bytes.*hash/);
    expect(rowAt("bridges[].name")?.meaning).toMatch(/`v<tag>-<name>` up to 5 characters/);
    expect(rowAt("routingTables[].file")?.meaning).toMatch(/Relative to the project directory/);
    expect(rowAt("server.connection (kind: ssh).hostKey")?.meaning).toMatch(
      /as ssh-keyscan prints it \(`host ssh-ed25519 AAAA...`\)/,
    );
    expect(rowAt("config.vrlab:suiteRun")?.meaning).toMatch(/re-runs the benchmark suite/);
  });

  test("a small schema renders to exactly this Markdown", () => {
    const port = { $ref: "#/definitions/port" };
    const synthetic = {
      title: "Demo <stack>",
      description: "A tiny stack_file schema.",
      properties: {
        salt: { type: "string", description: "Written by the *tool*." },
        run: { $ref: "#/definitions/run", description: "The run." },
      },
      definitions: {
        port: { type: "integer", minimum: 1, maximum: 65535, description: "A TCP port." },
        run: {
          title: "run",
          type: "object",
          required: ["name", "via"],
          properties: {
            name: { type: "string", pattern: "^(a|b)$", default: "a", description: "Name, a or b." },
            ports: { type: "array", minItems: 1, items: port, description: "Ports to open." },
            hosts: {
              type: "array",
              items: {
                type: "object",
                properties: { addr: { type: "string", maxLength: 15, description: "Address." } },
              },
              description: "Hosts.",
            },
            via: {
              type: "object",
              description: "How to get there.",
              discriminator: { propertyName: "kind" },
              oneOf: [
                {
                  properties: { kind: { const: "direct", description: "direct: no hop." } },
                  required: ["kind"],
                },
                {
                  properties: {
                    kind: { const: "proxy", description: "proxy: through a proxy." },
                    port: { ...port, default: 3128, description: "Proxy port." },
                  },
                  required: ["kind", "port"],
                },
              ],
            },
            source: {
              type: "object",
              description: "Where names come from.",
              properties: {
                file: { type: "string", description: "A file." },
                url: { type: "string", format: "uri", description: "A URL." },
              },
              oneOf: [{ required: ["file"] }, { required: ["url"] }],
            },
          },
        },
      },
    };
    expect(renderFieldTable(synthetic)).toBe(
      [
        "## Demo \\<stack\\>",
        "",
        "A tiny stack_file schema.",
        "",
        "| Field  | Type               | Required | Default | Meaning                  |",
        "| ------ | ------------------ | -------- | ------- | ------------------------ |",
        "| `salt` | string             | no       |         | Written by the \\*tool\\*. |",
        "| `run`  | object (see `run`) | no       |         | The run.                 |",
        "",
        "## run",
        "",
        "| Field                    | Type                                                       | Required                     | Default | Meaning                                 |",
        "| ------------------------ | ---------------------------------------------------------- | ---------------------------- | ------- | --------------------------------------- |",
        "| `name`                   | string, pattern `^(a\\|b)$`                                 | yes                          | `a`     | Name, a or b.                           |",
        "| `ports`                  | array of (integer (`port`), min 1, max 65535), min 1 items | no                           |         | Ports to open.                          |",
        "| `hosts`                  | array of object                                            | no                           |         | Hosts.                                  |",
        "| `hosts[].addr`           | string, max 15 chars                                       | no                           |         | Address.                                |",
        "| `via`                    | object                                                     | yes                          |         | How to get there.                       |",
        "| `via.kind`               | one of `direct`, `proxy`                                   | yes                          |         | direct: no hop. proxy: through a proxy. |",
        "| `via (kind: proxy).port` | integer (`port`), min 1, max 65535                         | yes                          | `3128`  | Proxy port.                             |",
        "| `source`                 | object                                                     | no                           |         | Where names come from.                  |",
        "| `source.file`            | string                                                     | exactly one of `file`, `url` |         | A file.                                 |",
        "| `source.url`             | string, format uri                                         | exactly one of `file`, `url` |         | A URL.                                  |",
        "",
        "## Formats",
        "",
        "Value formats the fields above refer to.",
        "",
        "| Format | Type                      | Meaning     |",
        "| ------ | ------------------------- | ----------- |",
        "| `port` | integer, min 1, max 65535 | A TCP port. |",
        "",
      ].join("\n"),
    );
  });
});
