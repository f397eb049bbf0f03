// YAML stack file → validated experiment and settings, or every problem at once with its path and line.
import * as path from "node:path";
import { LineCounter, parseDocument, isMap, isScalar, type Document } from "yaml";
import { credentialProblems } from "./connections";
import { ExperimentConfigError, pathString, type ConfigProblem, type Problem } from "./errors";
import {
  type Benchmark,
  type Connection,
  type Experiment,
  type Machine,
  type Nic,
  type RawExperiment,
  type Resources,
} from "./model";
import { schema, schemaProblems } from "./schema";
import { GUEST_KINDS, SEMANTIC_CHECKS } from "./semantic";
import { checkSettings, SETTING_KEYS, type Settings } from "./settings";
import { loadTableFiles, resolveTable } from "./tables";

export const EXPERIMENT_KEY = "vrlab:experiment";
const ROOT = ["config", EXPERIMENT_KEY];

/** A parsed stack file: the raw experiment and settings, the secret keys it sets, and lines. */
export interface StackFile {
  file: string;
  experiment: unknown;
  /** The other vrlab keys vrlab reads (SETTING_KEYS), as the file gives them. */
  settings: Record<string, unknown>;
  secureKeys: Set<string>;
  /** Line of a path inside the experiment. */
  lineOf(at: (string | number)[]): number | undefined;
  /** Line of a config key; of `config:` when the key is missing. */
  keyLine(key: string): number | undefined;
}

export function parseStackFile(file: string, text: string): StackFile {
  const lines = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter: lines, keepSourceTokens: false });
  const config = doc.get("config", true);
  const secureKeys = new Set<string>();
  const keyLines = new Map<string, number>();
  if (isMap(config)) {
    for (const item of config.items) {
      if (!isScalar(item.key)) continue;
      const key = String(item.key.value);
      if (item.key.range) keyLines.set(key, lines.linePos(item.key.range[0]).line);
      if (isMap(item.value) && item.value.has("secure")) secureKeys.add(key);
    }
  }
  const top = isMap(doc.contents)
    ? doc.contents.items.find((i) => isScalar(i.key) && i.key.value === "config")
    : undefined;
  const configLine = isScalar(top?.key) ? top.key.range?.[0] : undefined;
  const values = (doc.toJS() as { config?: Record<string, unknown> } | null)?.config ?? {};
  return {
    file,
    experiment: values[EXPERIMENT_KEY],
    settings: Object.fromEntries(SETTING_KEYS.filter((k) => k in values).map((k) => [k, values[k]])),
    secureKeys,
    lineOf(at) {
      // The deepest node the YAML has on the way to `at` (a missing field points at its parent).
      for (let n = at.length; n >= 1; n--) {
        const node = doc.getIn([...ROOT, ...at.slice(0, n)], true) as
          | { range?: [number, number, number] }
          | undefined;
        if (node?.range) return lines.linePos(node.range[0]).line;
      }
      return keyLines.get(EXPERIMENT_KEY);
    },
    keyLine(key) {
      return keyLines.get(key) ?? (configLine === undefined ? undefined : lines.linePos(configLine).line);
    },
  };
}

type Defaults = Required<Resources>;
const builtin = Object.fromEntries(
  Object.entries(schema.definitions.resources.properties).map(([k, v]) => [
    k,
    (v as { default: number }).default,
  ]),
) as Defaults;
const sshProps = schema.definitions.connection.oneOf[1].properties as Record<string, { default?: unknown }>;
const sshDefault = <T>(k: string): T => sshProps[k].default as T;
type Branch = { properties: Record<string, { const?: string; default?: unknown }> };
const benchBranches = (schema.definitions.benchmark as unknown as { oneOf: Branch[] }).oneOf;
/** A benchmark's defaults: those of its kind's branch of the schema's union. */
function benchDefaults(kind: string): Record<string, unknown> {
  const branch = benchBranches.find((b) => b.properties.kind.const === kind);
  const props = Object.entries(branch?.properties ?? {});
  return Object.fromEntries(props.filter(([, p]) => p.default !== undefined).map(([k, p]) => [k, p.default]));
}

function connection(c: Connection): Connection {
  if (c.kind !== "ssh") return c;
  return {
    ...c,
    port: c.port ?? sshDefault<number>("port"),
    user: c.user ?? sshDefault<string>("user"),
    dialTimeoutS: c.dialTimeoutS ?? sshDefault<number>("dialTimeoutS"),
  };
}

const defs = schema.definitions as unknown as Record<
  string,
  { properties: Record<string, { default?: unknown }> }
>;
const schemaDefault = (def: string, field: string): number => defs[def].properties[field].default as number;

const nic = (n: Nic): Nic => ({ ...n, rateMbps: n.rateMbps ?? schemaDefault("nic", "rateMbps") });
const machine = (m: Machine): Machine => ({
  ...m,
  connection: connection(m.connection),
  nic: nic(m.nic),
  link: {
    ...m.link,
    rateMbps: m.link.rateMbps ?? schemaDefault("linkEnd", "rateMbps"),
    delayUs: m.link.delayUs ?? schemaDefault("linkEnd", "delayUs"),
  },
});

/** Applies defaults in one order: built-in (the schema's) → global → host → guest. */
export function resolve(raw: RawExperiment): Experiment {
  const host: Defaults = { ...builtin, ...raw.defaults, ...raw.server.guestDefaults };
  const defaultKind = GUEST_KINDS[raw.server.hypervisor]?.[0] ?? "container";
  return {
    description: raw.description,
    server: { ...raw.server, nics: raw.server.nics.map(nic), connection: connection(raw.server.connection) },
    bridges: raw.bridges,
    guests: raw.guests.map((g) => ({
      ...g,
      kind: g.kind ?? defaultKind,
      vcpus: g.vcpus ?? host.vcpus,
      memoryMiB: g.memoryMiB ?? host.memoryMiB,
      diskGiB: g.diskGiB ?? host.diskGiB,
    })),
    routingTables: (raw.routingTables ?? []).map(resolveTable),
    timer: machine(raw.timer),
    generator: machine(raw.generator),
    benchmarks: (raw.benchmarks ?? []).map(
      (b): Benchmark => ({ ...benchDefaults(b.kind), ...b }) as Benchmark,
    ),
  };
}

export interface LoadOptions {
  /** True for `up`: connections must then be complete. Preview works without hardware credentials. */
  deploy: boolean;
  /** `<project>-<stack>`, when known: the run directory's length depends on it. */
  owner?: string;
  /** Where relative routing-table files are read from: the project directory (Pulumi.yaml's), by default this one's. */
  projectDir?: string;
}

const PROJECT_DIR = path.resolve(__dirname, "..");

/** What the program runs on: the experiment and the other vrlab settings, all validated. */
export interface StackConfig extends Settings {
  experiment: Experiment;
}

/** Validates the whole stack config, then returns it or throws ExperimentConfigError with every problem. */
export function loadStack(stack: StackFile, opts: LoadOptions): StackConfig {
  const problems: ConfigProblem[] = [];
  const add = (at: (string | number)[], p: Problem): void => {
    problems.push({ ...p, path: p.path || pathString(at), line: stack.lineOf(at) });
  };
  const settings = checkSettings(stack.settings, opts.owner);
  for (const p of settings.problems) problems.push({ ...p, line: stack.keyLine(p.path) });
  const raw = stack.experiment;
  let experiment: Experiment | undefined;
  if (raw === undefined || raw === null || raw === "") {
    problems.push({
      path: EXPERIMENT_KEY,
      line: stack.keyLine(EXPERIMENT_KEY),
      message: `${raw === undefined ? "is not set" : "is empty"}: it holds the experiment (the fields in docs/experiment-fields.md; stacks/Pulumi.embedded.yaml is one)`,
    });
  } else {
    for (const { at, problem } of schemaProblems(raw)) add(at, problem);
    try {
      experiment = resolve(raw as RawExperiment);
    } catch {
      // Too malformed to resolve; the schema problems above say why.
    }
  }
  if (experiment) {
    // First: it reads the tables' files and fills in their counts and digests.
    const readFiles = (e: Experiment): Problem[] => loadTableFiles(e, opts.projectDir ?? PROJECT_DIR);
    const checks = [
      readFiles,
      ...SEMANTIC_CHECKS,
      ...(opts.deploy ? [(e: Experiment) => credentialProblems(e, stack.secureKeys)] : []),
    ];
    for (const check of checks) {
      let found: Problem[] = [];
      try {
        found = check(experiment);
      } catch (err) {
        // A table file left unread would be deployed unchecked: that is no shape to pass over.
        if (check === readFiles && problems.length === 0) throw err;
        continue; // A shape the schema already rejected; its problem is reported.
      }
      for (const p of found) add(segmentsOf(p.path), p);
    }
  }
  if (problems.length > 0 || !experiment) {
    problems.sort(
      (a, b) =>
        (a.line ?? 0) - (b.line ?? 0) ||
        a.path.localeCompare(b.path) ||
        // Numeric: a file's line 9 before its line 17.
        a.message.localeCompare(b.message, "en", { numeric: true }),
    );
    throw new ExperimentConfigError(stack.file, problems);
  }
  return { experiment, runRoot: settings.runRoot, suiteRun: settings.suiteRun };
}

/** The experiment alone (tests and tools that read a stack file). */
export function loadExperiment(stack: StackFile, opts: LoadOptions): Experiment {
  return loadStack(stack, opts).experiment;
}

/** `guests[1].interfaces[0].bridge` → ["guests", 1, "interfaces", 0, "bridge"]. */
export function segmentsOf(path: string): (string | number)[] {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]));
}
