// What of a lab is on this machine: namespaces, links, qdiscs, cgroups, processes and benchmark
// scratch directories carrying a name prefix. Tests and benchmarks use it as the leak scan after destroy; it only reads.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { ownedPrefix } from "../config/names";

function lines(file: string, args: string[]): string[] {
  return execFileSync(file, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 30_000 })
    .split("\n")
    .filter((l) => l !== "");
}

export function namespaces(): string[] {
  return lines("ip", ["netns", "list"]).map((l) => l.split(" ")[0]);
}

/** Interface names in a namespace ("" = the host's own). */
export function links(ns = ""): string[] {
  const args = ns ? ["-n", ns, "-o", "link", "show"] : ["-o", "link", "show"];
  return lines("ip", args).map((l) => l.split(": ")[1].split("@")[0]);
}

/** Every first-level cgroup directory, in v2 and in each v1 hierarchy a lab may use. */
export function cgroupDirs(): string[] {
  const roots = ["", "cpu", "cpuacct", "cpuset", "memory", "unified"].map(
    (c) => `/sys/fs/cgroup${c && `/${c}`}`,
  );
  return roots.flatMap((r) =>
    fs.existsSync(r)
      ? fs
          .readdirSync(r, { withFileTypes: true })
          .filter((d) => d.isDirectory())
          .map((d) => `${r}/${d.name}`)
      : [],
  );
}

/** Processes in a cgroup named with `prefix` (a guest's processes stay there even if its namespace went). */
function processesIn(prefix: string): string[] {
  return fs
    .readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .flatMap((pid) => {
      try {
        const groups = fs.readFileSync(`/proc/${pid}/cgroup`, "utf8");
        return groups.includes(`/${prefix}`) ? [`process ${pid} in ${groups.trim().split("\n")[0]}`] : [];
      } catch {
        return []; // exited while we looked
      }
    });
}

/**
 * Everything named with `prefix` on this machine: namespaces (and so their links, qdiscs, routes
 * and processes), links and qdiscs in the host's own stack, cgroups and the processes in them.
 */
export function leaksWithPrefix(prefix: string): string[] {
  const mine = (n: string): boolean => n.startsWith(prefix);
  return [
    ...namespaces()
      .filter(mine)
      .map((n) => `netns ${n}`),
    ...links()
      .filter(mine)
      .map((n) => `link ${n}`),
    ...lines("tc", ["qdisc", "show"])
      .filter((l) => l.includes(` dev ${prefix}`))
      .map((q) => `qdisc ${q}`),
    ...cgroupDirs()
      .filter((d) => mine(d.split("/").pop() ?? ""))
      .map((d) => `cgroup ${d}`),
    ...processesIn(prefix),
  ];
}

/** The benchmark harness's scratch directories (/var/tmp/vrlab/<name>) carrying `prefix` or `owner`. */
function scratchDirs(prefix: string, owner?: string): string[] {
  const root = "/var/tmp/vrlab";
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root)
    .filter((n) => n.startsWith(prefix) || n === owner)
    .map((n) => `scratch ${root}/${n}`);
}

/** Everything of stack owner `<project>-<stack>` still on this machine. Empty after a clean destroy. */
export function leaksOf(owner: string): string[] {
  const prefix = ownedPrefix(owner);
  return [...leaksWithPrefix(prefix), ...scratchDirs(prefix, owner)];
}
