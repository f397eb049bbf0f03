// The CPU and memory limits that make a namespace an OS-level virtualized guest (what OpenVZ is).
// cgroup v2 (cpu.max, memory.max) where the host has the controllers there; otherwise v1
// (cpu.cfs_*, memory.limit_in_bytes), as on hosts that still mount cpu and memory in v1.
import { arg } from "../remote/shell";
import { type Rendered } from "./linux";
import { CGROUP_OWNER } from "./owner";
import { script } from "./render";

export const CPU_PERIOD_US = 100_000;

const DETECT = `
if grep -qw cpu /sys/fs/cgroup/cgroup.controllers 2>/dev/null \\
  && grep -qw memory /sys/fs/cgroup/cgroup.controllers; then V=2; else V=1; fi
cpu() { if [ "$V" = 2 ]; then echo "/sys/fs/cgroup/$CG"; else echo "/sys/fs/cgroup/cpu/$CG"; fi; }
mem() { if [ "$V" = 2 ]; then echo "/sys/fs/cgroup/$CG"; else echo "/sys/fs/cgroup/memory/$CG"; fi; }
`;

/** A guest's cgroup, in each hierarchy it needs; an extended attribute on each records the owner. */
export function cgroupScripts(p: {
  cgroup: string;
  vcpus: number;
  memoryMiB: number;
  owner: string;
}): Rendered {
  const quota = p.vcpus * CPU_PERIOD_US;
  const bytes = p.memoryMiB * 1024 * 1024;
  const vars = {
    CG: arg("netns", p.cgroup),
    OWNER: arg("owner", p.owner),
    QUOTA: arg("uint", quota),
    PERIOD: arg("uint", CPU_PERIOD_US),
    MEM: arg("uint", bytes),
  };
  return {
    want: { cpuQuotaUs: String(quota), cpuPeriodUs: String(CPU_PERIOD_US), memoryBytes: String(bytes) },
    scripts: {
      apply: script(
        vars,
        `${DETECT}${CGROUP_OWNER}
mkdir -p "$(cpu)" "$(mem)"
claimcg "$(cpu)"
[ "$(mem)" = "$(cpu)" ] || claimcg "$(mem)"
if [ "$V" = 2 ]; then
  echo "$QUOTA $PERIOD" > "$(cpu)/cpu.max"
  echo "$MEM" > "$(mem)/memory.max"
else
  echo "$PERIOD" > "$(cpu)/cpu.cfs_period_us"
  echo "$QUOTA" > "$(cpu)/cpu.cfs_quota_us"
  echo "$MEM" > "$(mem)/memory.limit_in_bytes"
fi`,
      ),
      read: script(
        vars,
        `${DETECT}${CGROUP_OWNER}
if [ ! -d "$(cpu)" ] || [ ! -d "$(mem)" ] || theircg "$(cpu)"; then echo present=0; exit 0; fi
echo present=1
echo version=$V
if [ "$V" = 2 ]; then
  read q p < "$(cpu)/cpu.max"; echo cpuQuotaUs=$q; echo cpuPeriodUs=$p
  echo memoryBytes=$(cat "$(mem)/memory.max")
else
  echo cpuQuotaUs=$(cat "$(cpu)/cpu.cfs_quota_us")
  echo cpuPeriodUs=$(cat "$(cpu)/cpu.cfs_period_us")
  echo memoryBytes=$(cat "$(mem)/memory.limit_in_bytes")
fi`,
      ),
      delete: script(
        vars,
        `${DETECT}${CGROUP_OWNER}
for d in "$(cpu)" "$(mem)"; do
  [ -d "$d" ] || continue
  if theircg "$d"; then echo "vrlab: cgroup $d belongs to stack $(cgowner "$d"), not $OWNER; left alone" >&2; continue; fi
  # Only this guest's processes are in its cgroup; an empty cgroup is what rmdir needs.
  pids=$(cat "$d/cgroup.procs")
  [ -z "$pids" ] || kill -KILL $pids
  i=0
  until rmdir "$d" 2>/dev/null; do
    i=$((i + 1)); [ "$i" -lt 50 ] || { echo "cgroup $d still busy after 5 s" >&2; exit 1; }
    sleep 0.1
  done
done`,
      ),
    },
  };
}
