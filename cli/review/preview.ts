// `pulumi preview --json` as a reviewer reads it: how many resources are created, updated, replaced
// or deleted, and for each changed resource the properties that change, old → new. The engine's
// detailedDiff is null for dynamic providers, so the inputs are diffed here, generically: any
// property path, with short values, so it holds whatever shape the resources' inputs take.

export interface PreviewState {
  type?: string;
  inputs?: Record<string, unknown>;
}
export interface PreviewStep {
  op: string;
  urn: string;
  oldState?: PreviewState;
  newState?: PreviewState;
  detailedDiff?: Record<string, unknown> | null;
  diffReasons?: string[];
  replaceReasons?: string[];
}
export interface PreviewJson {
  steps?: PreviewStep[];
  /** The engine's counts; its steps list only the root of what stays the same. */
  changeSummary?: Record<string, number>;
  diagnostics?: { message?: string; severity?: string }[];
}

export type Op = "create" | "update" | "replace" | "delete";
export const OPS: Op[] = ["create", "update", "replace", "delete"];
// The engine's step kinds; a replacement may come as one `replace` step or as its parts.
const OP_OF: Record<string, Op> = {
  create: "create",
  import: "create",
  update: "update",
  replace: "replace",
  "create-replacement": "replace",
  "delete-replaced": "replace",
  delete: "delete",
  discard: "delete",
};

export interface Change {
  op: Op;
  /** `linux:Routes`, `lab:Guest`: the URN's type without provider or project prefix. */
  type: string;
  name: string;
  /** `count: 1000 → 900`, `scripts changed`: empty for a create or delete. */
  props: string[];
  /** The properties that force a replacement. */
  replaceReasons: string[];
}
export interface StackPreview {
  counts: Record<Op, number>;
  same: number;
  changes: Change[];
  errors: string[];
  warnings: string[];
}

/** Properties listed per resource before "N more". */
export const MAX_PROPS = 8;
/** Values longer than this are clipped in the middle. */
const MAX_VALUE = 40;
/** A changed string with a line break and longer than this is a script: named, never printed. */
const BULKY = 80;
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"; // the engine's "known after up"
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(SECRET_SIG in v);
const isBulky = (v: unknown): boolean => typeof v === "string" && v.includes("\n") && v.length > BULKY;

function clip(s: string): string {
  return s.length <= MAX_VALUE ? s : `${s.slice(0, MAX_VALUE - 13)}…${s.slice(-12)}`;
}

/** A value as one short line: strings bare, `(none)` for absent, never a secret. */
export function showValue(v: unknown): string {
  if (v === undefined || v === null) return "(none)";
  if (v === UNKNOWN) return "(known after up)";
  if (typeof v === "object" && SECRET_SIG in v) return "[secret]";
  if (typeof v === "string") return v === "" ? '""' : clip(v.replace(/\n/g, "⏎"));
  return clip(JSON.stringify(v));
}

/** `old → new`; two long strings that clip alike show where they differ: `…c69855f2… → …a7270974…`. */
export function pairText(old: unknown, now: unknown): string {
  const [a, b] = [showValue(old), showValue(now)];
  if (a !== b || typeof old !== "string" || typeof now !== "string") return `${a} → ${b}`;
  let p = 0;
  while (old[p] === now[p]) p++;
  let q = 0;
  while (q < Math.min(old.length, now.length) - p && old[old.length - 1 - q] === now[now.length - 1 - q]) q++;
  const mid = (s: string): string =>
    `${p ? "…" : ""}${showValue(s.slice(p, s.length - q) || '""')}${q ? "…" : ""}`;
  return `${mid(old)} → ${mid(now)}`;
}

type Seg = string | number;
interface Leaf {
  path: Seg[];
  old: unknown;
  now: unknown;
}

/** Every leaf where `a` and `b` differ: scalars, secrets, scripts, or a side that is absent. */
export function diffLeaves(a: unknown, b: unknown, path: Seg[] = []): Leaf[] {
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((k) => diffLeaves(a[k], b[k], [...path, k]));
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.max(a.length, b.length);
    return Array.from({ length: n }, (_, i) => diffLeaves(a[i], b[i], [...path, i])).flat();
  }
  // One side a container, the other absent: its leaves, each against absent (an empty one as is).
  const filled = (v: unknown): boolean => (isObject(v) || Array.isArray(v)) && Object.keys(v).length > 0;
  if (filled(a) && b === undefined) return diffLeaves(a, emptyLike(a), path);
  if (filled(b) && a === undefined) return diffLeaves(emptyLike(b), b, path);
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ path, old: a, now: b }];
}
const emptyLike = (v: unknown): unknown => (Array.isArray(v) ? [] : {});

const bump = (m: Map<string, number>, k: string, by = 1): number => {
  const n = (m.get(k) ?? 0) + by;
  m.set(k, n);
  return n;
};
/**
 * Without the values that only moved: one gone from a path and the same under the same name
 * added at another (`identity.ns` → `params.ns` when inputs change shape).
 */
function dropMoves(leaves: Leaf[]): Leaf[] {
  const key = (l: Leaf, v: unknown): string => `${leafLabel(l.path)}=${JSON.stringify(v)}`;
  const gone = new Map<string, number>();
  const added = new Map<string, number>();
  for (const l of leaves) {
    if (l.now === undefined) bump(gone, key(l, l.old));
    else if (l.old === undefined) bump(added, key(l, l.now));
  }
  const left = { old: new Map<string, number>(), now: new Map<string, number>() };
  for (const [k, n] of gone) {
    const moved = Math.min(n, added.get(k) ?? 0);
    left.old.set(k, moved);
    left.now.set(k, moved);
  }
  return leaves.filter((l) => {
    const side = l.now === undefined ? "old" : l.old === undefined ? "now" : undefined;
    if (!side) return true;
    const k = key(l, l[side]);
    return (left[side].get(k) ?? 0) <= 0 || bump(left[side], k, -1) < 0;
  });
}

/** How many trailing path segments two paths share. */
function sharedTail(a: Seg[], b: Seg[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[a.length - 1 - n] === b[b.length - 1 - n]) n++;
  return n;
}
/**
 * A value gone from one nested path and a different one added at another nested path of the same
 * name, as one change (`identity.dev: eth0` and `params.dev: eth2` are `dev: eth0 → eth2`): the
 * gone leaf that shares the longest tail with the added one, when no other shares as much.
 */
function pairRenamed(leaves: Leaf[]): Leaf[] {
  const nested = (l: Leaf): boolean => l.path.length > 1 && typeof l.path[l.path.length - 1] === "string";
  const gone = leaves.filter((l) => l.now === undefined && nested(l));
  const used = new Set<Leaf>();
  const paired = new Map<Leaf, Leaf>();
  for (const l of leaves) {
    if (l.old !== undefined || !nested(l)) continue;
    const scored = gone
      .filter((g) => !used.has(g) && leafLabel(g.path) === leafLabel(l.path))
      .map((g) => ({ g, n: sharedTail(g.path, l.path) }))
      .sort((x, y) => y.n - x.n);
    if (!scored.length || (scored.length > 1 && scored[0].n === scored[1].n)) continue;
    used.add(scored[0].g);
    paired.set(l, { path: l.path, old: scored[0].g.old, now: l.now });
  }
  return leaves.filter((l) => !used.has(l)).map((l) => paired.get(l) ?? l);
}

const at = (v: unknown, path: Seg[]): unknown =>
  path.reduce<unknown>(
    (x, s) => (x && typeof x === "object" ? (x as Record<string, unknown>)[s] : undefined),
    v,
  );
/** Leaves inside an array that is there on one side only: one line for the array. */
function collapseArrays(leaves: Leaf[], olds: unknown, news: unknown): Leaf[] {
  const seen = new Set<string>();
  return leaves.flatMap((l) => {
    const i = l.path.findIndex((s) => typeof s === "number");
    if (i < 0 || (l.old !== undefined && l.now !== undefined)) return [l];
    const path = l.path.slice(0, i);
    const k = JSON.stringify(path);
    if (seen.has(k)) return [];
    seen.add(k);
    return [{ path, old: at(olds, path), now: at(news, path) }];
  });
}

/** `skip[0][1]` for [..., "skip", 0, 1]: the last key and the indexes after it. */
function leafLabel(path: Seg[]): string {
  let i = path.length - 1;
  while (i > 0 && typeof path[i] === "number") i--;
  return pathLabel(path.slice(i));
}
const pathLabel = (path: Seg[]): string =>
  path.map((s, i) => (typeof s === "number" ? `[${s}]` : i ? `.${s}` : s)).join("") || "(value)";
const bulkyLabel = (top: Seg | undefined): string =>
  top === "__provider" ? "provider code changed" : `${String(top ?? "value")} changed`;

/**
 * The changed properties as `label: old → new`, each named by its last key unless two of that name
 * change differently (then by its whole path); equal lines once; scripts as `scripts changed`;
 * values that only moved to another path, not at all.
 */
export function propChanges(olds: unknown, news: unknown, max = MAX_PROPS): string[] {
  const leaves = pairRenamed(collapseArrays(dropMoves(diffLeaves(olds ?? {}, news ?? {})), olds, news));
  const bulky = new Set<string>();
  const plain: { leaf: Leaf; text: string }[] = [];
  for (const leaf of leaves) {
    if (isBulky(leaf.old) || isBulky(leaf.now)) bulky.add(bulkyLabel(leaf.path[0]));
    else plain.push({ leaf, text: pairText(leaf.old, leaf.now) });
  }
  // Values that changed before properties that came or went: they are what a reviewer looks for.
  const oneSided = (l: Leaf): number => Number(l.old === undefined || l.now === undefined);
  plain.sort((x, y) => oneSided(x.leaf) - oneSided(y.leaf));
  const byLabel = new Map<string, Set<string>>();
  for (const p of plain) {
    const l = leafLabel(p.leaf.path);
    byLabel.set(l, (byLabel.get(l) ?? new Set()).add(p.text));
  }
  const lines = plain.map((p) => {
    const l = leafLabel(p.leaf.path);
    return `${(byLabel.get(l)?.size ?? 0) > 1 ? pathLabel(p.leaf.path) : l}: ${p.text}`;
  });
  const all = [...new Set([...lines, ...bulky])];
  return all.length > max ? [...all.slice(0, max - 1), `${all.length - max + 1} more`] : all;
}

/** `linux:Routes` for `pulumi-nodejs:dynamic/vrlab/linux:Routes`, `lab:Guest` for `vrlab:lab:Guest`. */
export function typeLabel(type: string, project: string): string {
  const t = type.split("/").pop() ?? type;
  return t.startsWith(`${project}:`) && t.split(":").length > 2 ? t.slice(project.length + 1) : t;
}

/** The URN's parts: urn:pulumi:STACK::PROJECT::PARENTS$TYPE::NAME. */
function urnParts(urn: string): { project: string; type: string; name: string } {
  const p = urn.split("::");
  return { project: p[1] ?? "", type: (p[2] ?? "").split("$").pop() ?? "", name: p.slice(3).join("::") };
}

const firstLine = (m: string): string => m.trim().split("\n")[0] ?? "";

/** The preview as counts and one Change per resource that changes. */
export function summarize(preview: PreviewJson): StackPreview {
  const counts: Record<Op, number> = { create: 0, update: 0, replace: 0, delete: 0 };
  const changes: Change[] = [];
  const seen = new Set<string>(); // a replacement's parts count once
  let same = 0;
  for (const s of preview.steps ?? []) {
    const op = OP_OF[s.op];
    if (!op) {
      if (s.op === "same") same++;
      continue;
    }
    if (op === "replace" && seen.has(s.urn)) continue;
    seen.add(s.urn);
    counts[op]++;
    const { project, type, name } = urnParts(s.urn);
    const props =
      op === "update" || op === "replace" ? propChanges(s.oldState?.inputs, s.newState?.inputs) : [];
    // A change the inputs do not show (an output, a provider's own reason): the engine's words for it.
    const engine = Object.keys(s.detailedDiff ?? {}).concat(s.diffReasons ?? []);
    if (!props.length && engine.length) props.push(`changed: ${[...new Set(engine)].join(", ")}`);
    changes.push({ op, type: typeLabel(type, project), name, props, replaceReasons: s.replaceReasons ?? [] });
  }
  const diags = preview.diagnostics ?? [];
  const messages = (sev: string): string[] => [
    ...new Set(diags.filter((d) => d.severity === sev).map((d) => (d.message ?? "").trim())),
  ];
  same = preview.changeSummary?.same ?? same;
  return { counts, same, changes, errors: messages("error"), warnings: messages("warning").map(firstLine) };
}
