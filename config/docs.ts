// The schema as Markdown tables, one row per field, so the field reference is generated from the very
// schema that validates stacks and cannot drift from it. Pure: scripts/gen-docs.ts writes the file.

const LIMITS = {
  minimum: "min #",
  maximum: "max #",
  minLength: "min # chars",
  maxLength: "max # chars",
  minItems: "min # items",
  maxItems: "max # items",
};
type Text = "$ref" | "title" | "description" | "type" | "pattern" | "format";

/** The part of JSON Schema draft-07 that experiment.schema.json uses. */
export interface Schema extends Partial<Record<Text, string> & Record<keyof typeof LIMITS, number>> {
  default?: unknown;
  const?: unknown;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  patternProperties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  discriminator?: { propertyName: string };
  /** Draft-07 dependencies; the array form (`a` needs `b`) shows in the Required column. */
  dependencies?: Record<string, string[] | Schema>;
  /** A value of either of two types: `then` when it is what `if` says, `else` otherwise. */
  if?: Schema;
  then?: Schema;
  else?: Schema;
  definitions?: Record<string, Schema>;
}

export type FieldRow = Record<"path" | "type" | "required" | "default" | "meaning", string>;
const row = (path: string, type: string, required: string, dflt: string, meaning = ""): FieldRow => ({
  path,
  type,
  required,
  default: dflt,
  meaning,
});

/** One table; in the Formats section a row's path names a definition and required/default are empty. */
export type Section = { title: string; intro: string; rows: FieldRow[]; formats?: boolean };

// Mirrors resolve() in load.ts: a guest's unset sizing takes the host's, the host's takes the global one.
const INHERITS: Record<string, string> = {
  "guests[]": "server.guestDefaults",
  "server.guestDefaults": "defaults",
};

const DEFS = "#/definitions/";
const code = (v: unknown): string => `\`${typeof v === "string" ? v : JSON.stringify(v)}\``;
const join = (path: string, name: string): string => (path ? `${path}.${name}` : name);

/** The definition a schema refers to, directly or through allOf. */
function refName(s: Schema): string | undefined {
  const ref = s.$ref ?? s.allOf?.find((p) => p.$ref)?.$ref;
  if (ref !== undefined && !ref.startsWith(DEFS)) throw new Error(`unsupported $ref ${ref}`);
  return ref?.slice(DEFS.length);
}

/** Sections in schema order: the root, each titled definition it refers to, then the value formats. */
export function fieldSections(schema: object): Section[] {
  const root = schema as Schema; // Imported JSON has no single static type; this is its shape.
  const def = (name: string): Schema => {
    const d = root.definitions?.[name];
    if (!d) throw new Error(`no definition ${name}`);
    return d;
  };
  // Own keywords win over the referenced definition's; ajv applies both.
  const flat = (s: Schema): Schema =>
    [...(s.allOf ?? []), s].reduce<Schema>((acc, part) => {
      const name = part.$ref !== undefined ? refName(part) : undefined;
      return { ...acc, ...(name ? flat(def(name)) : {}), ...part };
    }, {});
  // A named plain value (a string or number definition) is listed once, under Formats.
  const isFormat = (d: Schema): boolean =>
    !d.properties && !d.oneOf && !["object", "array"].includes(d.type ?? "");
  const formats = new Set<string>();
  const defaults = new Map<string, string>();
  const pending: Schema[] = [root];

  function typeOf(s: Schema): string {
    const f = flat(s);
    if (f.then && f.else) return `${typeOf(f.then)} or ${typeOf(f.else)}`;
    const name = refName(s);
    const named = name !== undefined && isFormat(def(name));
    if (named) formats.add(name);
    const items = f.items ? typeOf(f.items) : "any";
    let t = f.const !== undefined ? code(f.const) : f.enum ? `one of ${f.enum.map(code).join(", ")}` : "";
    if (!t && f.type === "array") t = `array of ${items.includes(",") ? `(${items})` : items}`;
    t ||= f.type ?? (f.properties || f.oneOf ? "object" : "any");
    if (named) t += ` (${code(name)})`;
    if (name !== undefined && def(name).title !== undefined) t += ` (see ${code(def(name).title)})`;
    const facts = Object.entries(LIMITS).flatMap(([k, say]) => {
      const v = f[k as keyof typeof LIMITS];
      return v === undefined ? [] : [say.replace("#", String(v))];
    });
    if (!named && f.pattern !== undefined) facts.unshift(`pattern ${code(f.pattern)}`);
    if (f.format !== undefined) facts.unshift(`format ${f.format}`);
    return [t, ...facts].join(", ");
  }

  function defaultOf(path: string, f: Schema): string {
    const dot = path.lastIndexOf(".");
    const from = INHERITS[path.slice(0, Math.max(dot, 0))];
    const inherited = from && join(from, path.slice(dot + 1));
    const source = inherited && defaults.has(inherited) ? inherited : undefined;
    const base = f.default !== undefined ? code(f.default) : (defaults.get(source ?? "") ?? "");
    defaults.set(path, base);
    return source ? `${base} (inherits ${code(source)})`.trim() : base;
  }

  function field(rows: FieldRow[], path: string, s: Schema, required: string, key = ""): void {
    const f = flat(s);
    rows.push(row(path, typeOf(s) + key, required, defaultOf(path, f), s.description));
    const name = refName(s);
    if (name !== undefined && def(name).title !== undefined) {
      if (!pending.includes(def(name))) pending.push(def(name)); // Its own section, not inlined.
      return;
    }
    const items = f.type === "array" && f.items ? flat(f.items) : undefined;
    if (items?.properties || items?.oneOf) object(rows, `${path}[]`, items);
    else if (f.properties || f.oneOf || f.patternProperties) object(rows, path, f);
  }

  function object(rows: FieldRow[], path: string, s: Schema): void {
    const required = new Set(s.required ?? []);
    const variants = s.oneOf ?? s.anyOf ?? [];
    // Variants that only require fields are alternative forms: "exactly one of file, url".
    const forms = variants.every((v) => !v.properties) ? variants.flatMap((v) => v.required ?? []) : [];
    const formNote = `${s.oneOf ? "exactly" : "at least"} one of ${forms.map(code).join(", ")}`;
    // A field another field needs is required with it: "with `generate`".
    const needers = (name: string): string[] =>
      Object.entries(s.dependencies ?? {}).flatMap(([k, v]) =>
        Array.isArray(v) && v.includes(name) ? [k] : [],
      );
    const requiredOf = (name: string): string =>
      required.has(name)
        ? "yes"
        : forms.includes(name)
          ? formNote
          : needers(name).length > 0
            ? `with ${needers(name).map(code).join(", ")}`
            : "no";
    for (const [name, p] of Object.entries(s.properties ?? {}))
      field(rows, join(path, name), p, requiredOf(name));
    for (const [pattern, p] of Object.entries(s.patternProperties ?? {}))
      field(rows, join(path, "<key>"), p, "no", `, key matching ${code(pattern)}`);
    if (forms.length > 0 || variants.length === 0) return;
    // Discriminated variants: one row for the tag, then each variant's own fields under its label.
    const by =
      s.discriminator?.propertyName ??
      Object.keys(variants[0].properties ?? {}).find((k) => variants.every((v) => v.properties?.[k]?.const));
    const tag = (v: Schema): Schema => v.properties?.[by ?? ""] ?? {};
    if (by !== undefined)
      rows.push(
        row(
          join(path, by),
          `one of ${variants.map((v) => code(tag(v).const)).join(", ")}`,
          required.has(by) || variants.every((v) => v.required?.includes(by)) ? "yes" : "no",
          "",
          variants.every((v) => tag(v).description) ? variants.map((v) => tag(v).description).join(" ") : "",
        ),
      );
    variants.forEach((v, i) => {
      const label =
        by !== undefined ? `${path} (${by}: ${String(tag(v).const)})` : `${path} (variant ${i + 1})`;
      const own = Object.entries(v.properties ?? {}).filter(([k]) => k !== by);
      object(rows, label, { ...v, properties: Object.fromEntries(own) });
    });
  }

  const sections: Section[] = [];
  for (let i = 0; i < pending.length; i++) {
    const rows: FieldRow[] = [];
    object(rows, "", flat(pending[i]));
    sections.push({ title: pending[i].title ?? "Fields", intro: pending[i].description ?? "", rows });
  }
  const rows = Object.keys(root.definitions ?? {})
    .filter((name) => formats.has(name))
    .map((name) => row(name, typeOf(def(name)), "", "", def(name).description));
  const intro = "Value formats the fields above refer to.";
  if (rows.length > 0) sections.push({ title: "Formats", intro, rows, formats: true });
  return sections;
}

/** Plain text escaped as prettier escapes it (`*`, `<`, `>`, `_` at a word's edge), so it shows as typed. */
const text = (t: string): string =>
  t
    .replace(/[*<>]/g, "\\$&")
    .replace(/_+/g, (m: string, at: number, all: string) =>
      /\w/.test(all[at - 1] ?? "") && /\w/.test(all[at + m.length] ?? "") ? m : m.replace(/_/g, "\\_"),
    );

/** A Markdown table padded as prettier pads it, so the generated file passes `prettier --check`. */
function table(head: string[], rows: string[][]): string {
  const cells = [head, ...rows].map((r) => r.map((c) => c.replace(/\|/g, "\\|").replace(/\s+/g, " ")));
  const width = (c: string): number => [...c].length;
  const widths = head.map((_, i) => Math.max(3, ...cells.map((r) => width(r[i]))));
  const line = (r: string[]): string =>
    `| ${r.map((c, i) => c + " ".repeat(widths[i] - width(c))).join(" | ")} |`;
  return [line(cells[0]), line(widths.map((w) => "-".repeat(w))), ...cells.slice(1).map(line)].join("\n");
}

/** Markdown for every field reachable from the schema's root: one heading and table per section. */
export function renderFieldTable(schema: object): string {
  const sections = fieldSections(schema).map(({ title, intro, rows, formats }) => {
    const head = formats
      ? ["Format", "Type", "Meaning"]
      : ["Field", "Type", "Required", "Default", "Meaning"];
    const body = rows.map((r) =>
      formats
        ? [code(r.path), r.type, text(r.meaning)]
        : [code(r.path), r.type, r.required, r.default, text(r.meaning)],
    );
    return [`## ${text(title)}`, ...(intro ? [text(intro)] : []), table(head, body)].join("\n\n");
  });
  return `${sections.join("\n\n")}\n`;
}
