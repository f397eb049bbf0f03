// vrlab's cache on this machine, outside any checkout: derived data that is costly to make and
// cheap to check (the transpiled JavaScript of scripts/register-ts.js, which computes the same root,
// the schema's compiled validator, generated routing tables). Entries are named by a hash of all
// they derive from, so none is ever stale; writes are atomic, so concurrent runs never see half.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export function cacheRoot(): string {
  return (
    process.env.VRLAB_CACHE ||
    path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "vrlab")
  );
}

/** Writes `data` to `file` through a temporary name; a cache that cannot be written is no error. */
export function writeCached(file: string, data: string): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}`;
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch {
    // a read-only cache only costs the next run the work again
  }
}

/** The file's text, or undefined when it is not cached (or unreadable). */
export function readCached(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** Keeps the `keep` newest files of `dir` ending in `suffix` (by modification time), removes older ones. */
export function pruneCached(dir: string, suffix: string, keep: number): void {
  try {
    const files = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(suffix))
      .map((f) => ({ f, t: fs.statSync(path.join(dir, f)).mtimeMs }))
      .sort((a, b) => b.t - a.t);
    for (const { f } of files.slice(keep)) fs.rmSync(path.join(dir, f), { force: true });
  } catch {
    // pruning is housekeeping: a race with another run's prune is harmless
  }
}
