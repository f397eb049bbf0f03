// What every benchmark script shares: integer flags, medians, the machine it ran on, and a results
// file written so that `prettier --check .` passes on it (results are committed).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as prettier from "prettier";

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export const round = (x: number, digits = 3): number => Number(x.toFixed(digits));

export interface IntFlag {
  flag: string;
  value: number;
  max?: number;
}

/** `--flag N` arguments, each a positive integer no larger than its `max`; anything else throws with `usage`. */
export function intFlags<K extends string>(
  argv: string[],
  flags: Record<K, IntFlag>,
  usage: string,
): Record<K, number> {
  const entries = Object.entries(flags) as [K, IntFlag][];
  const out = Object.fromEntries(entries.map(([k, f]) => [k, f.value])) as Record<K, number>;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const found = entries.find(([, f]) => f.flag === a);
    if (!found) throw new Error(`unknown argument ${a}; usage: ${usage}`);
    const [key, { max }] = found;
    const v = Number(argv[++i]);
    if (!Number.isInteger(v) || v < 1 || (max !== undefined && v > max)) {
      throw new Error(
        max === undefined ? `${a} needs a positive integer` : `${a} needs an integer from 1 to ${max}`,
      );
    }
    out[key] = v;
  }
  return out;
}

/** The machine a result was measured on; `loadStart` is the 1-minute load average when the run began. */
export function machineInfo(loadStart: number, extra: Record<string, string> = {}): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? "unknown",
    memoryMiB: Math.round(os.totalmem() / 2 ** 20),
    kernel: os.release(),
    node: process.version,
    ...extra,
    loadAvg1: { start: round(loadStart, 2), end: round(os.loadavg()[0], 2) },
  };
}

export async function writeResult(file: string, result: unknown): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const options = (await prettier.resolveConfig(file)) ?? {};
  fs.writeFileSync(file, await prettier.format(JSON.stringify(result), { ...options, parser: "json" }));
}

/** The commit measured, and whether tracked files differed from it (read only: no index refresh). */
export function codeMeasured(): string {
  const root = path.resolve(__dirname, "..");
  const git = (args: string[]): string =>
    spawnSync("git", ["--no-optional-locks", ...args], {
      cwd: root,
      encoding: "utf8",
      timeout: 30_000,
    }).stdout?.trim() ?? "";
  const changed = git(["status", "--porcelain", "--untracked-files=no"]).split("\n").filter(Boolean).length;
  return `${git(["rev-parse", "--short", "HEAD"]) || "unknown"}${changed ? ` + ${changed} changed file(s)` : ""}`;
}
