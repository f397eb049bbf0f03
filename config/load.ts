// YAML stack file → validated Experiment, or every problem at once with its path and line.
import { LineCounter, parseDocument, isMap, isScalar, type Document } from "yaml";
import { ExperimentConfigError, pathString, type ConfigProblem } from "./errors";
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

export const EXPERIMENT_KEY = "vrlab:experiment";
const ROOT = ["config", EXPERIMENT_KEY];

/** A parsed stack file: the raw experiment, the secret keys it sets, and a path → line map. */
export interface StackFile {
  file: string;
  experiment: unknown;
  secureKeys: Set<string>;
  lineOf(at: (string | number)[]): number | undefined;
}

export function parseStackFile(file: string, text: string): StackFile {
  const lines = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter: lines, keepSourceTokens: false });
  const config = doc.get("config", true);
  const secureKeys = new Set<string>();
  if (isMap(config)) {
    for (const item of config.items) {
      if (isScalar(item.key) && isMap(item.value) && item.value.has("secure"))
        secureKeys.add(String(item.key.value));
    }
  }
  const experiment = (doc.toJS() as { config?: Record<string, unknown> } | null)?.config?.[EXPERIMENT_KEY];
  return {
    file,
    experiment,
    secureKeys,
    lineOf(at) {
      // The deepest node the YAML has on the way to `at` (a missing field points at its parent).
      for (let n = at.length; n >= 0; n--) {
        const node = doc.getIn([...ROOT, ...at.slice(0, n)], true) as
          | { range?: [number, number, number] }
          | undefined;
        if (node?.range) return lines.linePos(node.range[0]).line;
      }
      return undefined;
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
    routingTables: raw.routingTables ?? [],
    timer: machine(raw.timer),
    generator: machine(raw.generator),
    benchmarks: (raw.benchmarks ?? []).map(
      (b): Benchmark => ({ ...benchDefaults(b.kind), ...b }) as Benchmark,
    ),
  };
}

/** Before `up`, every SSH machine needs its host key and a key or password set as a Pulumi secret. */
function credentialProblems(e: Experiment, secureKeys: Set<string>): Omit<ConfigProblem, "line">[] {
  const out: Omit<ConfigProblem, "line">[] = [];
  const all: [string, Connection][] = [
    ["server.connection", e.server.connection],
    ["timer.connection", e.timer.connection],
    ["generator.connection", e.generator.connection],
  ];
  for (const [path, c] of all) {
    if (c.kind !== "ssh") continue;
    if (!c.hostKey)
      out.push({
        path: `${path}.hostKey`,
        message: `fill in ${c.host}'s host key (ssh-keyscan it on a trusted path): vrlab never connects to an unverified host`,
      });
    const secret = c.privateKeySecret ?? c.passwordSecret;
    if (!secret) {
      out.push({ path, message: `name a privateKeySecret or passwordSecret for ${c.host}` });
    } else if (!secureKeys.has(secret)) {
      out.push({
        path: `${path}.${c.privateKeySecret ? "privateKeySecret" : "passwordSecret"}`,
        message: `${secret} is not set as a secret: run scripts/vrlab pulumi config set --secret ${secret} < key-file`,
      });
    }
  }
  return out;
}

export interface LoadOptions {
  /** True for `up`: connections must then be complete. Preview works without hardware credentials. */
  deploy: boolean;
}

/** Validates everything, then returns the resolved experiment or throws ExperimentConfigError. */
export function loadExperiment(stack: StackFile, opts: LoadOptions): Experiment {
  const problems: ConfigProblem[] = [];
  const add = (at: (string | number)[], p: Omit<ConfigProblem, "line">): void => {
    problems.push({ ...p, path: p.path || pathString(at), line: stack.lineOf(at) });
  };
  if (stack.experiment === undefined) {
    throw new ExperimentConfigError(stack.file, [
      { path: "", message: `the stack file has no config.${EXPERIMENT_KEY}` },
    ]);
  }
  for (const { at, problem } of schemaProblems(stack.experiment)) add(at, problem);
  let experiment: Experiment | undefined;
  try {
    experiment = resolve(stack.experiment as RawExperiment);
  } catch {
    // Too malformed to resolve; the schema problems above say why.
  }
  if (experiment) {
    const checks = [
      ...SEMANTIC_CHECKS,
      ...(opts.deploy ? [(e: Experiment) => credentialProblems(e, stack.secureKeys)] : []),
    ];
    for (const check of checks) {
      let found: Omit<ConfigProblem, "line">[] = [];
      try {
        found = check(experiment);
      } catch {
        continue; // A shape the schema already rejected; its problem is reported.
      }
      for (const p of found) add(segmentsOf(p.path), p);
    }
  }
  if (problems.length > 0 || !experiment) {
    problems.sort(
      (a, b) =>
        (a.line ?? 0) - (b.line ?? 0) || a.path.localeCompare(b.path) || a.message.localeCompare(b.message),
    );
    throw new ExperimentConfigError(stack.file, problems);
  }
  return experiment;
}

/** `guests[1].interfaces[0].bridge` → ["guests", 1, "interfaces", 0, "bridge"]. */
export function segmentsOf(path: string): (string | number)[] {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]));
}
