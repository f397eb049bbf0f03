// The one schema file, compiled with ajv; its errors become ConfigProblems with plain sentences.
import { type ErrorObject } from "ajv";
import schemaJson from "./experiment.schema.json";
import { bare, quoted, type ConfigProblem } from "./errors";
import { cachedValidator } from "./validator";

export const schema = schemaJson;

const validateExperiment = cachedValidator(schemaJson, "#/definitions/experiment");

/** Segments of an ajv instancePath: `/guests/0/name` → ["guests", 0, "name"]. */
export function pointerSegments(pointer: string): (string | number)[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

function sentence(e: ErrorObject): { at: (string | number)[]; message: string } {
  const at = pointerSegments(e.instancePath);
  const p = e.params as Record<string, unknown>;
  const desc = (e.parentSchema as { description?: string } | undefined)?.description;
  switch (e.keyword) {
    case "required":
      return { at, message: `is missing the required field ${quoted(p.missingProperty)}` };
    case "additionalProperties":
      return { at: [...at, String(p.additionalProperty)], message: "is not a known field" };
    case "pattern":
      return { at, message: `${quoted(e.data)} is not allowed here${desc ? `: ${desc}` : ""}` };
    case "enum":
      return {
        at,
        message: `must be one of ${(p.allowedValues as unknown[]).map(bare).join(", ")}, not ${quoted(e.data)}`,
      };
    case "const":
      return { at, message: `must be ${quoted(p.allowedValue)}` };
    case "type":
      return { at, message: `must be ${String(p.type)}, not ${quoted(e.data)}` };
    case "minimum":
    case "maximum":
      return {
        at,
        message: `must be ${e.keyword === "minimum" ? "at least" : "at most"} ${String(p.limit)}, not ${quoted(e.data)}`,
      };
    case "minItems":
    case "maxItems":
      return {
        at,
        message: `must have ${e.keyword === "minItems" ? "at least" : "at most"} ${String(p.limit)} entries`,
      };
    case "maxLength":
      return { at, message: `must be at most ${String(p.limit)} characters long` };
    case "oneOf": {
      const forms = ((e.schema as { required?: string[] }[]) ?? []).flatMap((f) => f.required ?? []);
      return { at, message: `must give exactly one of: ${forms.join(", ")}` };
    }
    case "discriminator": {
      // The forms the union allows, read from its branches (connection kinds, benchmark kinds).
      const branches = (e.parentSchema as { oneOf?: { properties?: { kind?: { const?: string } } }[] }).oneOf;
      const kinds = (branches ?? []).map((b) => b.properties?.kind?.const).filter((k) => k !== undefined);
      return {
        at,
        message: `kind must be one of ${kinds.join(", ")}, not ${quoted((e.data as { kind?: unknown })?.kind)}`,
      };
    }
    default:
      return { at, message: e.message ?? `fails ${e.keyword}` };
  }
}

/** Schema problems of a raw experiment, with paths as segments (lines are added by the loader). */
export function schemaProblems(raw: unknown): { at: (string | number)[]; problem: ConfigProblem }[] {
  if (validateExperiment(raw)) return [];
  const seen = new Set<string>();
  const out: { at: (string | number)[]; problem: ConfigProblem }[] = [];
  const errors = validateExperiment.errors ?? [];
  // Where a plain oneOf failed, its branches repeat their own errors and the oneOf sentence says it
  // all; a discriminated union validates only its kind's branch, whose errors are the real ones.
  const oneOfAt = new Set(errors.filter((e) => e.keyword === "oneOf").map((e) => e.instancePath));
  for (const e of errors) {
    if (e.keyword === "if") continue; // "must match then schema": the branch's own errors say what
    if (e.keyword === "required" && e.schemaPath.includes("/oneOf/") && oneOfAt.has(e.instancePath)) continue;
    const { at, message } = sentence(e);
    const key = `${JSON.stringify(at)} ${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ at, problem: { path: "", message } });
  }
  return out;
}
