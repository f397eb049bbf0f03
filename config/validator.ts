// The experiment schema's validator, compiled by ajv once per schema and then loaded from a cache as
// plain JavaScript (ajv's standalone code): compiling costs every run of the program about 60 ms,
// loading the cached code a few. The key is the schema, the options and ajv's version, so an edit
// to any of them compiles afresh (drivers/cache.ts).
import { createHash } from "node:crypto";
import Module from "node:module";
import * as path from "node:path";
import type AjvType from "ajv";
import { type Options, type ValidateFunction } from "ajv";
import type * as standaloneModule from "ajv/dist/standalone";
import { cacheRoot, readCached, writeCached } from "../drivers/cache";
import ajvPackage from "ajv/package.json";

// strictRequired is off: the discriminator and oneOf forms name fields their branches define.
const OPTIONS: Options = {
  allErrors: true,
  verbose: true,
  discriminator: true,
  strict: true,
  strictRequired: false,
};

/** ajv's own compile of `ref` in `schema`: the reference the cached code must equal. */
export function compileValidator(
  schema: { $id: string },
  ref: string,
  source = false,
): { ajv: AjvType; validate: ValidateFunction } {
  // Loaded only to compile: a cached run never loads ajv's compiler.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Ajv = (require("ajv") as typeof import("ajv")).default;
  const ajv = new Ajv({ ...OPTIONS, code: { source } });
  ajv.addSchema(schema);
  const validate = ajv.getSchema(`${schema.$id}${ref}`);
  if (!validate) throw new Error(`${schema.$id} has no ${ref}`);
  return { ajv, validate };
}

/** Loads code as a module that resolves its requires (ajv's runtime) from vrlab's node_modules. */
function load(code: string, filename: string): ValidateFunction {
  const m = new Module(filename);
  m.filename = filename;
  m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(__dirname);
  (m as unknown as { _compile(code: string, filename: string): void })._compile(code, filename);
  return m.exports as ValidateFunction;
}

export function cachedValidator(
  schema: { $id: string },
  ref: string,
  dir = path.join(cacheRoot(), "ajv"),
): ValidateFunction {
  const key = createHash("sha256")
    .update(JSON.stringify([ajvPackage.version, OPTIONS, ref, schema]))
    .digest("hex")
    .slice(0, 32);
  const file = path.join(dir, `${key}.js`);
  const code = readCached(file);
  try {
    if (code !== undefined) return load(code, file);
  } catch {
    // a cached file that does not load (cut short, say): compile afresh and replace it
  }
  const { ajv, validate } = compileValidator(schema, ref, true);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const standalone = (require("ajv/dist/standalone") as typeof standaloneModule).default;
  writeCached(file, standalone(ajv, validate));
  return validate;
}
