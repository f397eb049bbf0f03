// The time-measuring machine's side of a timed run: a packet capture of ICMP echo requests with
// the timer's own kernel timestamps (nanoseconds), started before the markers and read afterwards.
// --immediate-mode: without it, packets still in the capture ring's current block when tcpdump is
// stopped are never written (seen here: 9 received by filter, 2 captured).
import { RUNNING, script } from "../remote/script";
import { arg } from "../remote/shell";
import { runOn } from "./exec";
import { parseCapture, type Marker } from "./marker";
import { type MachineSpec } from "./types";

const FILTER = "icmp[icmptype] == icmp-echo";

function vars(timer: MachineSpec, capId: string, maxS?: number) {
  return {
    DIR: arg("path", timer.scratchDir),
    IF: arg("ifname", timer.ifname),
    CAP: arg("name", capId),
    MAX: maxS === undefined ? undefined : arg("uint", Math.ceil(maxS)),
  };
}

/** Starts tcpdump in the background, bounded by `maxS`, and returns once it is listening. */
export function startCaptureScript(timer: MachineSpec, capId: string, maxS: number): string {
  return script(
    vars(timer, capId, maxS),
    `
${RUNNING}
mkdir -p "$DIR"
F="$DIR/$CAP"
nohup timeout -s INT "$MAX" tcpdump -i "$IF" -n -U --immediate-mode --time-stamp-precision=nano -w "$F.pcap" '${FILTER}' \\
  >"$F.log" 2>&1 </dev/null &
echo $! >"$F.pid"
i=0
until grep -q "listening on" "$F.log"; do
  i=$((i + 1))
  if [ "$i" -ge 100 ] || ! running "$(cat "$F.pid")"; then
    echo "the capture on $IF did not start:" >&2; cat "$F.log" >&2; exit 1
  fi
  sleep 0.05
done`,
  );
}

/** Stops the capture (tcpdump flushes on SIGINT) and prints it as text; removes its files. */
export function stopCaptureScript(timer: MachineSpec, capId: string): string {
  return script(
    vars(timer, capId),
    `
F="$DIR/$CAP"
[ -f "$F.pid" ] || { echo "no capture $CAP on this timer" >&2; exit 1; }
pid=$(cat "$F.pid")
kill -INT "$pid" 2>/dev/null || true
${RUNNING}
i=0
while running "$pid"; do
  i=$((i + 1)); [ "$i" -lt 500 ] || { kill -KILL "$pid" 2>/dev/null || true; break; }
  sleep 0.01
done
cat "$F.log" >&2
tcpdump -r "$F.pcap" -n -tt --time-stamp-precision=nano -x 2>/dev/null
rm -f "$F.pcap" "$F.log" "$F.pid"`,
  );
}

/** A capture running on the timer; `stop` returns every marker it saw. */
export interface Capture {
  stop(): Promise<Marker[]>;
}

/**
 * tcpdump's closing counts. A capture that lost packets (dropped by the kernel, or received but not
 * written) may have lost a marker, so it fails the run instead of trusting what is left.
 */
export function captureLoss(log: string): string | undefined {
  const n = (what: string): number | undefined => {
    const m = new RegExp(`(\\d+) packets? ${what}`).exec(log);
    return m ? Number(m[1]) : undefined;
  };
  const [captured, received, dropped] = [n("captured"), n("received by filter"), n("dropped by kernel")];
  if (captured === undefined || received === undefined || dropped === undefined) {
    return `tcpdump did not report its counts: ${log.trim().split("\n").slice(-3).join(" | ")}`;
  }
  if (dropped > 0 || captured < received) {
    return `the capture lost packets (${received} received, ${captured} captured, ${dropped} dropped by the kernel)`;
  }
  return undefined;
}

export async function startCapture(timer: MachineSpec, capId: string, maxS: number): Promise<Capture> {
  await runOn(timer.exec, startCaptureScript(timer, capId, maxS), { timeoutMs: 15_000 });
  return {
    async stop() {
      const r = await runOn(timer.exec, stopCaptureScript(timer, capId), { timeoutMs: 30_000 });
      const loss = captureLoss(r.stderr);
      if (loss) throw new Error(`timer ${timer.name}: ${loss}`);
      return parseCapture(r.stdout);
    },
  };
}
