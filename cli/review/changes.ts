// Which stacks a change touches: its stack files, and for a change to the program's code, every
// stack with state in the backend (a stack without state would only show everything as new).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** What cannot change a preview: docs, tests, CI, Markdown. Anything else is the program's code. */
const NOT_PROGRAM = [/^docs\//, /^test\//, /^\.github\//, /\.md$/i];
const STACK_FILE = /^stacks\/Pulumi\.([A-Za-z0-9][A-Za-z0-9_.-]*)\.yaml$/;
// `git hash-object -t tree /dev/null`: the base when there is no commit before HEAD.
const EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

export interface Changed {
  /** A path from the repository root, and whether it was added, modified or deleted. */
  path: string;
  status: "added" | "modified" | "deleted";
}

export interface Touched {
  /** Stack → why it is touched (`new stack file`, `program code changed`). */
  stacks: Map<string, string[]>;
  /** Stacks whose file was removed: nothing to preview. */
  removed: string[];
  stackFiles: string[];
  program: string[];
}

/** Sorts changed paths into stack files and program code; a program change touches `withState`. */
export function touched(changed: Changed[], withState: string[]): Touched {
  const t: Touched = { stacks: new Map(), removed: [], stackFiles: [], program: [] };
  const add = (stack: string, why: string): void => {
    t.stacks.set(stack, [...(t.stacks.get(stack) ?? []), why]);
  };
  for (const c of changed) {
    const stack = STACK_FILE.exec(c.path)?.[1];
    if (stack) {
      t.stackFiles.push(c.path);
      if (c.status === "deleted") t.removed.push(stack);
      else add(stack, c.status === "added" ? "new stack file" : "stack file changed");
    } else if (!c.path.startsWith("stacks/") && !NOT_PROGRAM.some((re) => re.test(c.path))) {
      t.program.push(c.path);
    }
  }
  if (t.program.length) for (const s of withState) add(s, "program code changed");
  t.stacks = new Map([...t.stacks].sort(([a], [b]) => a.localeCompare(b)));
  return t;
}

// No optional locks: reading must not refresh the index under another engineer's feet.
const git = (repo: string, args: string[]): string =>
  execFileSync("git", args, {
    cwd: repo,
    encoding: "utf8",
    env: { ...process.env, GIT_OPTIONAL_LOCKS: "0" },
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 64 * 2 ** 20,
  });
const resolves = (repo: string, ref: string): boolean => {
  try {
    git(repo, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
    return true;
  } catch {
    return false;
  }
};

/**
 * The base to compare with: the one given, else origin/main when there is one (a pull request's
 * target), else HEAD~1 (the last commit and whatever is not committed yet). The diff starts at the
 * merge base, so commits that landed on the base since the branch left it do not count.
 */
export function resolveBase(repo: string, given?: string): { base: string; mergeBase: string } {
  if (given !== undefined && !resolves(repo, given)) throw new Error(`--base ${given}: no such commit`);
  const base = given ?? (resolves(repo, "origin/main") ? "origin/main" : "HEAD~1");
  if (!resolves(repo, base)) return { base: "(no earlier commit)", mergeBase: EMPTY_TREE };
  let mergeBase: string;
  try {
    mergeBase = git(repo, ["merge-base", base, "HEAD"]).trim();
  } catch {
    mergeBase = git(repo, ["rev-parse", `${base}^{commit}`]).trim(); // unrelated histories
  }
  return { base, mergeBase };
}

/** Files that differ between `from` and the working tree, untracked ones (not ignored) included. */
export function changedFiles(repo: string, from: string): Changed[] {
  const out: Changed[] = [];
  const fields = git(repo, [
    "diff",
    "--name-status",
    "--no-renames",
    "--no-ext-diff",
    "-z",
    from,
    "--",
  ]).split("\0");
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const s = fields[i];
    out.push({ path: fields[i + 1], status: s === "A" ? "added" : s === "D" ? "deleted" : "modified" });
  }
  for (const p of git(repo, ["ls-files", "--others", "--exclude-standard", "-z"]).split("\0")) {
    if (p) out.push({ path: p, status: "added" });
  }
  return out;
}

/** Stacks with state in the file backend at `stateDir` (scripts/vrlab's `in_backend`). */
export function stacksWithState(stateDir: string, project: string): string[] {
  const dir = path.join(stateDir, ".pulumi", "stacks", project);
  if (!fs.existsSync(dir)) return [];
  const names = fs
    .readdirSync(dir)
    .map((f) => /^(.+)\.json(\.gz)?$/.exec(f)?.[1])
    .filter((s): s is string => !!s);
  return [...new Set(names)].sort();
}
