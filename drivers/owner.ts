// Owner records: every kernel object a stack makes carries its full owner `<project>-<stack>`, so a
// name that two stacks share (their tags collide, config/names.ts) is never silently adopted or
// removed. Links record it in their alias (a namespace in its loopback's), cgroups in an extended
// attribute. An object without a record is ours to adopt: a killed `up` may have made it just before
// recording. Shell snippets for the rendered scripts; they need $OWNER and drivers/render.ts helpers.

/** The alias a stack writes on its links: `vrlab-owner=<owner>`. */
export const ALIAS_PREFIX = "vrlab-owner=";
/** The extended attribute a stack writes on its cgroup directories. */
export const CGROUP_XATTR = "trusted.vrlab.owner";

/** Exit status of an apply that refuses another stack's object; `read` and `delete` never use it. */
export const EXIT_NOT_OURS = 3;

/**
 * `linkowner NS DEV`: the owner in the link's alias, or nothing. `claimlink NS DEV WHAT` refuses a
 * link another owner holds (WHAT names the object in the message), else records ours. `theirlink NS DEV`
 * is true when another owner holds it; `leftalone WHAT OWNER` says a delete did not touch it.
 */
export const LINK_OWNER = `
linkowner() { ipn "$1" -o link show dev "$2" 2>/dev/null | sed -n 's/.*alias ${ALIAS_PREFIX}\\([A-Za-z0-9._-]*\\).*/\\1/p'; }
theirlink() { o=$(linkowner "$1" "$2"); [ -n "$o" ] && [ "$o" != "$OWNER" ]; }
leftalone() { echo "vrlab: $1 belongs to stack $2, not $OWNER; left alone" >&2; }
claimlink() {
  o=$(linkowner "$1" "$2")
  if [ -n "$o" ] && [ "$o" != "$OWNER" ]; then
    echo "vrlab: $3 belongs to stack $o, not $OWNER; refusing to take it over (see README: stack isolation)" >&2
    exit ${EXIT_NOT_OURS}
  fi
  [ "$o" = "$OWNER" ] || ipn "$1" link set dev "$2" alias "${ALIAS_PREFIX}$OWNER"
}
`;

/** The same for a cgroup directory: `cgowner DIR`, `theircg DIR`, `claimcg DIR`. */
export const CGROUP_OWNER = `
cgowner() { getfattr --absolute-names --only-values -n ${CGROUP_XATTR} "$1" 2>/dev/null || true; }
theircg() { o=$(cgowner "$1"); [ -n "$o" ] && [ "$o" != "$OWNER" ]; }
claimcg() {
  o=$(cgowner "$1")
  if [ -n "$o" ] && [ "$o" != "$OWNER" ]; then
    echo "vrlab: cgroup $1 belongs to stack $o, not $OWNER; refusing to take it over (see README: stack isolation)" >&2
    exit ${EXIT_NOT_OURS}
  fi
  [ "$o" = "$OWNER" ] || setfattr -n ${CGROUP_XATTR} -v "$OWNER" "$1"
}
`;
