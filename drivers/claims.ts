// What a stack takes on a server's own network stack, checked before anything there changes: each
// bridge's subnet must not overlap an address that anything else holds (another stack's bridge, the
// host's own interfaces), each NIC must not sit in another bridge, and each bridge name must not be
// another stack's. Apply refuses with every conflict at once; read reports them, so an `up` (which
// refreshes first) sees a conflict that arose since.
import { arg, type SafeArg } from "../remote/shell";
import { type Rendered } from "./linux";
import { EXIT_NOT_OURS, LINK_OWNER } from "./owner";
import { MASTER_OF, NS_HELPERS, script } from "./render";

export interface Claim {
  /** The bridge's kernel name. */
  bridge: string;
  address?: string;
  nic?: string;
}

const CHECK = `${NS_HELPERS}${LINK_OWNER}${MASTER_OF}
int() { IFS=.; set -- $1; unset IFS; echo $(( ($1 << 24) + ($2 << 16) + ($3 << 8) + $4 )); }
# overlap A/LA B/LB: one subnet contains the other.
overlap() {
  a=\${1%/*}; la=\${1#*/}; b=\${2%/*}; lb=\${2#*/}
  l=$la; [ "$lb" -lt "$l" ] && l=$lb
  m=$(( l == 0 ? 0 : (0xffffffff << (32 - l)) & 0xffffffff ))
  [ $(( $(int "$a") & m )) -eq $(( $(int "$b") & m )) ]
}
holder() { o=$(linkowner "" "$1"); if [ -n "$o" ]; then echo "stack $o"; else echo "the host"; fi; }
# check BRIDGE ADDRESS NIC ("" when none): prints one line per conflict.
check() {
  if ipn "" link show dev "$1" >/dev/null 2>&1 && theirlink "" "$1"; then echo "bridge $1 is $(holder "$1")'s"; fi
  if [ -n "$2" ]; then
    ip -o -4 addr show | while read -r _ dev _ cidr _; do
      if [ "$dev" = "$1" ] && ! theirlink "" "$dev"; then continue; fi
      if overlap "$2" "$cidr"; then echo "$2 overlaps $cidr on $dev ($(holder "$dev"))"; fi
    done
  fi
  if [ -n "$3" ]; then
    if ! ipn "" link show dev "$3" >/dev/null 2>&1; then echo "NIC $3 does not exist"
    else m=$(masterof "" "$3"); if [ -n "$m" ] && [ "$m" != "$1" ]; then echo "NIC $3 is in bridge $m ($(holder "$m"))"; fi; fi
  fi
}
`;

/** The claims of one stack on a server's own stack (not a namespace: those are the stack's alone). */
export function claimsScripts(p: { owner: string; claims: Claim[] }): Rendered {
  const vars: Record<string, SafeArg | undefined> = { OWNER: arg("owner", p.owner) };
  const calls = p.claims.map((c, i) => {
    vars[`BR${i}`] = arg("ifname", c.bridge);
    vars[`ADDR${i}`] = c.address === undefined ? undefined : arg("ipv4cidr", c.address);
    vars[`NIC${i}`] = c.nic === undefined ? undefined : arg("ifname", c.nic);
    return `check "$BR${i}" "$ADDR${i}" "$NIC${i}"`;
  });
  const body = `${CHECK}conflicts=$({
${calls.join("\n")}
} | paste -sd';' - | sed 's/;/; /g')`;
  return {
    want: { conflicts: "" },
    scripts: {
      apply: script(
        vars,
        `${body}
if [ -n "$conflicts" ]; then
  echo "vrlab: refusing to change this server; what stack $OWNER would take is held: $conflicts" >&2
  exit ${EXIT_NOT_OURS}
fi`,
      ),
      read: script(vars, `${body}\necho present=1\necho "conflicts=$conflicts"`),
      delete: script(vars, "true # a claim is a check; nothing to remove"),
    },
  };
}
