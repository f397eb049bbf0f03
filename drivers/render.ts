// Shell helpers every driver's scripts share. Scripts themselves are rendered by remote/script.ts
// (checked, quoted values, then a constant body), re-exported here for the drivers.
export { script } from "../remote/script";

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
