// Looks at the kernel objects a stack owns, for engine tests: what exists, and what leaked.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { ownerTag } from "../../config/names";

/** Runs a command (no shell) and returns its stdout; throws with stderr when it fails. */
export function cmd(file: string, ...args: string[]): string {
  return execFileSync(file, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 30_000 });
}

export function namespaces(): string[] {
  return cmd("ip", "netns", "list")
    .split("\n")
    .map((l) => l.split(" ")[0])
    .filter((n) => n !== "");
}

/** Interface names in a namespace ("" = the host's own). */
export function links(ns = ""): string[] {
  const out = ns ? cmd("ip", "-n", ns, "-o", "link", "show") : cmd("ip", "-o", "link", "show");
  return out
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.split(": ")[1].split("@")[0]);
}

export function cgroupDirs(): string[] {
  const roots = ["/sys/fs/cgroup", "/sys/fs/cgroup/cpu", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/unified"];
  return roots.flatMap((r) =>
    fs.existsSync(r)
      ? fs
          .readdirSync(r, { withFileTypes: true })
          .filter((d) => d.isDirectory())
          .map((d) => `${r}/${d.name}`)
      : [],
  );
}

/**
 * Everything of owner `owner` still on this machine: namespaces (and so their links, qdiscs, routes
 * and processes), links and qdiscs in the host's own stack, and cgroups. Empty after a clean destroy.
 */
export function leaksOf(owner: string): string[] {
  const prefix = `v${ownerTag(owner)}-`;
  const mine = (n: string): boolean => n.startsWith(prefix);
  const qdiscs = cmd("tc", "qdisc", "show")
    .split("\n")
    .filter((l) => l.includes(` dev ${prefix}`));
  return [
    ...namespaces()
      .filter(mine)
      .map((n) => `netns ${n}`),
    ...links()
      .filter(mine)
      .map((n) => `link ${n}`),
    ...qdiscs.map((q) => `qdisc ${q}`),
    ...cgroupDirs()
      .filter((d) => mine(d.split("/").pop() ?? ""))
      .map((d) => `cgroup ${d}`),
    ...processesIn(prefix),
  ];
}

/** Processes in a cgroup of the stack (a guest's processes stay there even if its namespace went). */
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
