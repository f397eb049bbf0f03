// tc shaping that makes a veth behave like an Ethernet link of a given rate. tbf alone charges only
// the bytes the kernel sees (1514 for a 1472-byte UDP payload), so it lets ~972 Mb/s of payload
// through a "1 Gb/s" link. A size table adds what the wire also carries per frame (FCS 4, preamble
// and start delimiter 8, inter-frame gap 12) and pads to the 64-byte minimum frame, so 1472-byte
// payloads top out at 1472/1538 of the rate: 957.1 Mb/s on gigabit Ethernet. The table gets 1-byte
// cells (mtu 2048, tsize 2048): tc's default 4-byte cells would charge 1540 bytes for those frames.
import { arg } from "../remote/shell";
import { type Rendered } from "./linux";
import { NS_HELPERS, script } from "./render";

/** Bytes per frame the wire carries beyond what the kernel counts: FCS + preamble/SFD + IFG. */
export const ETHERNET_EXTRA = 4 + 8 + 12;
/** Smallest frame on the wire: 64 bytes (FCS included) + preamble/SFD + IFG. */
export const ETHERNET_MIN_WIRE = 64 + 8 + 12;

/** How tc prints a rate given in Mb/s: 1000 → 1Gbit, 957 → 957Mbit, 1500 → 1500Mbit (iproute2's sprint_rate, for whole Mb/s). */
export function tcRateText(mbps: number): string {
  let rate = mbps * 1e6;
  const units = ["", "K", "M", "G", "T"];
  let i = 0;
  while (i < units.length - 1 && rate >= 1000 && rate % 1000 === 0) {
    rate /= 1000;
    i++;
  }
  return `${rate}${units[i]}bit`;
}

/** tbf needs a bucket of at least one timer tick's worth of bytes; 1 ms of line rate, never below 2 MTUs. */
export function burstBytes(mbps: number): number {
  return Math.max(Math.ceil((mbps * 1e6) / 8 / 1000), 2 * 1514);
}

export function shapingScripts(p: { ns?: string; dev: string; rateMbps: number }): Rendered {
  const vars = {
    NS: p.ns === undefined ? undefined : arg("netns", p.ns),
    DEV: arg("ifname", p.dev),
    RATE: arg("uint", p.rateMbps),
    BURST: arg("uint", burstBytes(p.rateMbps)),
    EXTRA: arg("uint", ETHERNET_EXTRA),
    MPU: arg("uint", ETHERNET_MIN_WIRE),
  };
  return {
    want: {
      qdisc: "tbf",
      rate: tcRateText(p.rateMbps),
      overhead: String(ETHERNET_EXTRA),
      mpu: String(ETHERNET_MIN_WIRE),
    },
    scripts: {
      apply: script(
        vars,
        `${NS_HELPERS}
tcn "$NS" qdisc replace dev "$DEV" root handle 1: stab overhead "$EXTRA" mpu "$MPU" mtu 2048 tsize 2048 linklayer ethernet \\
  tbf rate "\${RATE}mbit" burst "$BURST" latency 50ms`,
      ),
      read: script(
        vars,
        `${NS_HELPERS}
if absent "$NS" "$DEV"; then echo present=0; exit 0; fi
echo present=1
tcn "$NS" -d qdisc show dev "$DEV" root | awk '
  $1 == "qdisc" { print "qdisc=" $2; for (i = 1; i < NF; i++) if ($i == "rate") print "rate=" $(i + 1) }
  $1 == "linklayer" { for (i = 1; i < NF; i++) { if ($i == "overhead") print "overhead=" $(i + 1); if ($i == "mpu") print "mpu=" $(i + 1) } }'`,
      ),
      delete: script(
        vars,
        `${NS_HELPERS}
if absent "$NS" "$DEV"; then exit 0; fi
tcn "$NS" qdisc show dev "$DEV" root | grep -q '^qdisc tbf 1: ' || exit 0
tcn "$NS" qdisc del dev "$DEV" root`,
      ),
    },
  };
}
