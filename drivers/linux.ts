// Linux networking on the server (any hypervisor whose host is Linux): namespaces, bridges, veth
// ports into a bridge, tc shaping and generated routing tables. Pure renderers: each returns the
// scripts and the key=values `read` prints once `apply` has converged.
import { arg, type SafeArg } from "../remote/shell";
import { EXIT_NOT_OURS, LINK_OWNER } from "./owner";
import { ADMIN_UP, MASTER_OF, NS_HELPERS, script } from "./render";

/** What realizes an object: apply converges, read prints key=values (`present=0` if gone), delete removes. */
export interface Scripts {
  apply: string;
  read: string;
  delete: string;
  /** A kind whose ScriptedKind.change gives stdin: applies a change from the old params (drivers/kinds.ts). */
  change?: string;
}

export interface Rendered {
  scripts: Scripts;
  want: Record<string, string>;
}

const ns = (v: string | undefined): SafeArg | undefined => (v === undefined ? undefined : arg("netns", v));

/**
 * A network namespace: a lab machine or an OS-level guest. Its loopback's alias records the owner.
 * Deleting it kills its processes.
 */
export function namespaceScripts(p: { ns: string; forwarding: boolean; owner: string }): Rendered {
  const vars = {
    NS: arg("netns", p.ns),
    FWD: arg("uint", p.forwarding ? 1 : 0),
    OWNER: arg("owner", p.owner),
  };
  return {
    want: { lo: "1", forwarding: p.forwarding ? "1" : "0" },
    scripts: {
      apply: script(
        vars,
        `${NS_HELPERS}${LINK_OWNER}
[ -e "/run/netns/$NS" ] || ip netns add "$NS"
claimlink "$NS" lo "namespace $NS"
ip -n "$NS" link set dev lo up
ip netns exec "$NS" sysctl -qw net.ipv4.ip_forward="$FWD"`,
      ),
      read: script(
        vars,
        `${NS_HELPERS}${LINK_OWNER}
if ! ip -n "$NS" link show dev lo >/dev/null 2>&1; then echo present=0; exit 0; fi
# Another stack's namespace is not ours, whatever its name: refresh drops it, up refuses it.
if theirlink "$NS" lo; then echo present=0; exit 0; fi
echo present=1
ip -n "$NS" -o link show dev lo | grep -Eq '[<,]UP[,>]' && echo lo=1 || echo lo=0
echo forwarding=$(ip netns exec "$NS" cat /proc/sys/net/ipv4/ip_forward)`,
      ),
      delete: script(
        vars,
        `${NS_HELPERS}${LINK_OWNER}
[ -e "/run/netns/$NS" ] || exit 0
if theirlink "$NS" lo; then leftalone "namespace $NS" "$(linkowner "$NS" lo)"; exit 0; fi
pids=$(ip netns pids "$NS")
[ -z "$pids" ] || kill -KILL $pids
ip netns del "$NS"`,
      ),
    },
  };
}

/** A Linux bridge (the server's switch) in the server's stack `srv` ("" = the host's own). */
export function bridgeScripts(p: {
  srv?: string;
  bridge: string;
  address?: string;
  owner: string;
}): Rendered {
  const vars = {
    OWNER: arg("owner", p.owner),
    SRV: ns(p.srv),
    BR: arg("ifname", p.bridge),
    ADDR: p.address === undefined ? undefined : arg("ipv4cidr", p.address),
  };
  return {
    want: { kind: "bridge", up: "1", addresses: p.address ?? "" },
    scripts: {
      apply: script(
        vars,
        `${NS_HELPERS}${LINK_OWNER}
ipn "$SRV" link show dev "$BR" >/dev/null 2>&1 || ipn "$SRV" link add name "$BR" type bridge
claimlink "$SRV" "$BR" "bridge $BR"
# Ports forward at once: the lab has no loops, and STP's 30 s listening would eat a benchmark.
ipn "$SRV" link set dev "$BR" type bridge stp_state 0 forward_delay 0
ipn "$SRV" addr flush dev "$BR"
[ -z "$ADDR" ] || ipn "$SRV" addr add "$ADDR" dev "$BR"
ipn "$SRV" link set dev "$BR" up`,
      ),
      read: script(
        vars,
        `${NS_HELPERS}${ADMIN_UP}${LINK_OWNER}
if absent "$SRV" "$BR" || theirlink "$SRV" "$BR"; then echo present=0; exit 0; fi
echo present=1
ipn "$SRV" -d -o link show dev "$BR" | grep -q ' bridge ' && echo kind=bridge || echo kind=other
echo up=$(isup "$SRV" "$BR")
echo addresses=$(ipn "$SRV" -o -4 addr show dev "$BR" | awk '{print $4}' | LC_ALL=C sort | paste -sd, -)`,
      ),
      delete: script(
        vars,
        `${NS_HELPERS}${LINK_OWNER}
if absent "$SRV" "$BR"; then exit 0; fi
if theirlink "$SRV" "$BR"; then leftalone "bridge $BR" "$(linkowner "$SRV" "$BR")"; exit 0; fi
ipn "$SRV" link del dev "$BR"`,
      ),
    },
  };
}

/**
 * A veth pair: `hostEnd` in the server's stack, enslaved to `bridge`; `ifname` with `address` in
 * namespace `ns` (a guest's NIC, or a lab machine's cable to the server).
 */
export function portScripts(p: {
  srv?: string;
  hostEnd: string;
  bridge: string;
  ns: string;
  ifname: string;
  address: string;
  owner: string;
}): Rendered {
  const vars = {
    OWNER: arg("owner", p.owner),
    SRV: ns(p.srv),
    HE: arg("ifname", p.hostEnd),
    BR: arg("ifname", p.bridge),
    NS: arg("netns", p.ns),
    IF: arg("ifname", p.ifname),
    ADDR: arg("ipv4cidr", p.address),
  };
  return {
    want: { master: p.bridge, up: "1", peerUp: "1", address: p.address },
    scripts: {
      apply: script(
        vars,
        `${NS_HELPERS}${LINK_OWNER}
if ! ipn "$SRV" link show dev "$HE" >/dev/null 2>&1; then
  # A half-made pair cannot exist (veth ends die together), but a stray end in the guest can.
  ip -n "$NS" link show dev "$IF" >/dev/null 2>&1 && ip -n "$NS" link del dev "$IF"
  ipn "$SRV" link add name "$HE" type veth peer name "$IF" netns "$NS"
fi
claimlink "$SRV" "$HE" "veth $HE"
ipn "$SRV" link set dev "$HE" master "$BR" up
ip -n "$NS" addr flush dev "$IF"
ip -n "$NS" addr add "$ADDR" dev "$IF"
ip -n "$NS" link set dev "$IF" up`,
      ),
      read: script(
        vars,
        `${NS_HELPERS}${ADMIN_UP}
${MASTER_OF}${LINK_OWNER}
if absent "$SRV" "$HE" || absent "$NS" "$IF" || theirlink "$SRV" "$HE"; then echo present=0; exit 0; fi
echo present=1
echo master=$(masterof "$SRV" "$HE")
echo up=$(isup "$SRV" "$HE")
echo peerUp=$(isup "$NS" "$IF")
echo address=$(ip -n "$NS" -o -4 addr show dev "$IF" | awk '{print $4}' | LC_ALL=C sort | paste -sd, -)`,
      ),
      delete: script(
        vars,
        `${NS_HELPERS}${LINK_OWNER}
if absent "$SRV" "$HE"; then exit 0; fi
if theirlink "$SRV" "$HE"; then leftalone "veth $HE" "$(linkowner "$SRV" "$HE")"; exit 0; fi
ipn "$SRV" link del dev "$HE"`,
      ),
    },
  };
}

/**
 * A remote server's physical NIC in one of its bridges. Apply refuses a NIC that another bridge holds
 * (another stack's, or the host's own); delete releases it only if still in this bridge.
 */
export function nicPortScripts(p: { srv?: string; nic: string; bridge: string }): Rendered {
  const vars = { SRV: ns(p.srv), NIC: arg("ifname", p.nic), BR: arg("ifname", p.bridge) };
  return {
    want: { master: p.bridge, up: "1" },
    scripts: {
      apply: script(
        vars,
        `${NS_HELPERS}
${MASTER_OF}
m=$(masterof "$SRV" "$NIC")
if [ -n "$m" ] && [ "$m" != "$BR" ]; then
  echo "vrlab: NIC $NIC is held by bridge $m, not $BR; refusing to take it (see README: stack isolation)" >&2
  exit ${EXIT_NOT_OURS}
fi
ipn "$SRV" link set dev "$NIC" master "$BR" up`,
      ),
      read: script(
        vars,
        `${NS_HELPERS}${ADMIN_UP}
${MASTER_OF}
if absent "$SRV" "$NIC"; then echo present=0; exit 0; fi
echo present=1
echo master=$(masterof "$SRV" "$NIC")
echo up=$(isup "$SRV" "$NIC")`,
      ),
      delete: script(
        vars,
        `${NS_HELPERS}
${MASTER_OF}
if absent "$SRV" "$NIC"; then exit 0; fi
[ "$(masterof "$SRV" "$NIC")" = "$BR" ] || exit 0
ipn "$SRV" link set dev "$NIC" nomaster`,
      ),
    },
  };
}
