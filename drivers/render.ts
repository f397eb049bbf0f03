// Script rendering shared by every driver. A script is a constant body (trusted code, written here)
// preceded by variable assignments whose values are checked against an allow-list and quoted
// (remote/shell.ts). Bodies only ever expand "$VARS" inside double quotes, so no config value is
// ever parsed as shell code.
import { type SafeArg } from "../remote/shell";

const VAR = /^[A-Z][A-Z0-9_]*$/;

/** `set -eu`, one `NAME='value'` line per variable (empty when undefined), then the body. */
export function script(vars: Record<string, SafeArg | undefined>, body: string): string {
  const lines = Object.entries(vars).map(([k, v]) => {
    if (!VAR.test(k)) throw new TypeError(`script: bad variable name ${JSON.stringify(k)}`);
    return `${k}=${v === undefined ? "" : v.toString()}`;
  });
  return ["set -eu", ...lines, body.trim(), ""].join("\n");
}

/** Shell functions that run `ip`, `tc` or any command in namespace $1, or in the host's own stack if $1 is empty. */
export const NS_HELPERS = `
ipn() { n=$1; shift; if [ -n "$n" ]; then ip -n "$n" "$@"; else ip "$@"; fi; }
tcn() { n=$1; shift; if [ -n "$n" ]; then tc -n "$n" "$@"; else tc "$@"; fi; }
# A namespace that is named but gone means everything in it is gone too.
gone() { [ -n "$1" ] && [ ! -e "/run/netns/$1" ]; }
# So is a device in it: absent NS DEV is true when either is gone.
absent() { gone "$1" || ! ipn "$1" link show dev "$2" >/dev/null 2>&1; }
`;

/** `<BROADCAST,UP,LOWER_UP>` → 1 when the interface is administratively up. */
export const ADMIN_UP = `isup() { ipn "$1" -o link show dev "$2" | grep -Eq '[<,]UP[,>]' && echo 1 || echo 0; }`;

/** `masterof NS DEV` prints the bridge DEV is enslaved to, or nothing. */
export const MASTER_OF = `masterof() { ipn "$1" -o link show dev "$2" | awk '{for (i = 1; i < NF; i++) if ($i == "master") print $(i + 1)}'; }`;

/**
 * `running PID`: the process exists and is not a zombie. Once a detached process has exited, its
 * files are complete; an init that reaps slowly (one second, in some sandboxes) must not count.
 */
export const RUNNING = `running() { [ -e "/proc/$1" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]; }`;
