// The review as Markdown, for a terminal or a pull-request comment. Everything that comes from the
// stack (names, values, engine messages) sits in code spans or fences, so none of it renders as markup.
import { OPS, type Change, type Op, type StackPreview } from "./preview";

/** Resource lines per stack before "and N more". */
export const MAX_LINES = 40;
/** Names listed in one create or delete line before "and N more". */
const MAX_NAMES = 6;
/** Lines of an engine error shown; the rest is in `scripts/vrlab pulumi preview`. */
const MAX_ERROR_LINES = 30;

/** A code span that stays one: backticks inside become quotes. */
export const code = (s: string): string => `\`${s.replace(/`/g, "'").replace(/\n/g, " ")}\``;

const names = (xs: string[]): string =>
  xs.length > MAX_NAMES
    ? `${xs.slice(0, MAX_NAMES).map(code).join(", ")} and ${xs.length - MAX_NAMES} more`
    : xs.map(code).join(", ");

/** `4 to update, 1 to create; 43 unchanged`, or `no changes; 47 unchanged`. */
export function countsLine(p: StackPreview): string {
  const parts = OPS.filter((op) => p.counts[op] > 0).map((op) => `${p.counts[op]} to ${op}`);
  return `${parts.length ? `**${parts.join(", ")}**` : "**no changes**"}; ${p.same} unchanged`;
}

const collator = new Intl.Collator("en", { numeric: true });

// Riskiest first: what goes away, then what changes in place, then what is new.
const ORDER: Op[] = ["replace", "delete", "update", "create"];

/** One line per replaced or updated resource; creates and deletes one line per type; by type and name. */
export function changeLines(changes: Change[]): string[] {
  const lines: string[] = [];
  // The engine registers siblings in any order: sorted, the same change reads the same every time.
  const byName = (a: Change, b: Change): number =>
    collator.compare(a.type, b.type) || collator.compare(a.name, b.name);
  for (const op of ORDER) {
    const mine = changes.filter((c) => c.op === op).sort(byName);
    if (op === "create" || op === "delete") {
      const byType = new Map<string, string[]>();
      for (const c of mine) byType.set(c.type, [...(byType.get(c.type) ?? []), c.name]);
      for (const [type, ns] of byType) {
        lines.push(`- **${op}** ${ns.length > 1 ? `${ns.length} × ` : ""}${code(type)}: ${names(ns)}`);
      }
      continue;
    }
    for (const c of mine) {
      const forced = c.replaceReasons.length ? ` (forced by ${c.replaceReasons.map(code).join(", ")})` : "";
      const props = c.props.length ? `: ${c.props.map(code).join(", ")}` : "";
      lines.push(`- **${op}** ${code(`${c.type} ${c.name}`)}${forced}${props}`);
    }
  }
  return lines;
}

export interface StackSection {
  stack: string;
  /** Why the change touches it: `stack file changed`, `program code changed`. */
  why: string[];
  preview?: StackPreview;
  /** Instead of a preview: why there is none (a removed stack file, a stack without a file). */
  note?: string;
  /** The preview command failed (its errors are in preview.errors, or here when it printed none). */
  failed?: string;
  /** Lines about its benchmark results against the baseline, if one was given. */
  results?: string[];
}

function fence(text: string): string[] {
  const lines = text.replace(/```/g, "'''").split("\n");
  const shown = lines.slice(0, MAX_ERROR_LINES);
  if (lines.length > shown.length) shown.push(`… ${lines.length - shown.length} more lines`);
  return ["```text", ...shown, "```"];
}

export function renderStack(s: StackSection): string[] {
  const why = s.why.length ? `Previewed because: ${s.why.join("; ")}.` : "";
  if (s.note) return [`### Stack ${code(s.stack)}`, "", `${why ? `${why} ` : ""}${s.note}`, ""];
  const out: string[] = [];
  const p = s.preview;
  if (s.failed !== undefined) {
    out.push(`### Stack ${code(s.stack)}: preview FAILED`, "", why, "");
    const errors = p?.errors.length ? p.errors.join("\n") : s.failed;
    out.push(...fence(errors || "the preview failed and printed no error"), "");
  } else if (p) {
    out.push(`### Stack ${code(s.stack)}`, "", `${why ? `${why} ` : ""}${countsLine(p)}.`, "");
    const lines = changeLines(p.changes);
    out.push(...lines.slice(0, MAX_LINES));
    if (lines.length > MAX_LINES) {
      const cmd = `scripts/vrlab pulumi preview --diff --stack ${s.stack}`;
      out.push(`- … and ${lines.length - MAX_LINES} more lines: ${code(cmd)} shows them all`);
    }
    if (lines.length) out.push("");
  }
  if (p?.warnings.length) out.push("Preview warnings:", "", ...p.warnings.map((w) => `- ${code(w)}`), "");
  if (s.results?.length) out.push(...s.results, "");
  return out;
}

export interface Header {
  base: string;
  mergeBase: string;
  stackFiles: string[];
  program: string[];
  /** Stacks with state in the backend that a program change previews. */
  withState: string[];
  /** The stacks given with --stack, when only those are previewed. */
  only?: string[];
}

export function renderHeader(h: Header): string[] {
  const short = h.mergeBase.slice(0, 12);
  const files = (xs: string[]): string => names(xs);
  const what: string[] = [];
  if (h.stackFiles.length) what.push(`stack files changed: ${files(h.stackFiles)}`);
  if (h.program.length) {
    const then = h.withState.length
      ? `so every stack with state in this backend is previewed (${names(h.withState)})`
      : "but no stack has state in this backend, so there is no lab to compare it with";
    what.push(`program code changed (${files(h.program)}), ${then}`);
  }
  const only = h.only?.length ? ` Previewed as asked: only ${names(h.only)}.` : "";
  return [
    "## vrlab review",
    "",
    `Changes since ${code(h.base)} (merge base ${code(short)}): ${what.length ? `${what.join("; ")}.` : "no stack file or program code changed, so no stack is touched."}${only}`,
    "",
  ];
}
