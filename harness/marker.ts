// The marker protocol between vrmark (harness/native/vrmark.c) in the system under test and the
// timer's capture. Pure functions: run ids, and reading the timer's capture as `tcpdump -tt -x` prints it.

/** 11 characters of [a-z0-9] (the first a letter): what fits beside "VRLB" and the flag in 16 bytes. */
export const RUN_ID = /^[a-z0-9]{11}$/;
const MAGIC = Buffer.from("VRLB");

export function newRunId(random: () => number = Math.random): string {
  const letters = "abcdefghijklmnopqrstuvwxyz";
  const alphabet = `${letters}0123456789`;
  const pick = (from: string): string => from[Math.floor(random() * from.length)];
  return pick(letters) + Array.from({ length: 10 }, () => pick(alphabet)).join("");
}

export interface Marker {
  /** Arrival at the timer, in nanoseconds of its clock (a bigint: a double loses nanoseconds). */
  atNs: bigint;
  src: string;
  flag: "W" | "S" | "E";
  runId: string;
}

/**
 * Every vrlab marker in `tcpdump -r FILE -n -tt --time-stamp-precision=nano -x` output. Echo
 * requests that carry no marker (someone else's ping) are skipped; a marker whose timestamp is not
 * in nanoseconds throws, since microseconds would silently lose precision.
 */
export function parseCapture(text: string): Marker[] {
  const out: Marker[] = [];
  const blocks = text.split(/\n(?=\S)/);
  for (const block of blocks) {
    const [head, ...hex] = block.split("\n");
    const m = /^(\d+)\.(\d+) IP (\d+\.\d+\.\d+\.\d+) > \S+: ICMP echo request/.exec(head);
    if (!m) continue;
    if (m[2].length !== 9) throw new Error(`capture timestamp ${m[1]}.${m[2]} is not in nanoseconds`);
    const bytes = Buffer.from(
      hex
        .map((l) => /^\s*0x[0-9a-f]+:\s+(.*)$/.exec(l)?.[1] ?? "")
        .join("")
        .replace(/\s+/g, ""),
      "hex",
    );
    const ihl = (bytes[0] & 0x0f) * 4;
    const payload = bytes.subarray(ihl + 8);
    if (payload.length < 16 || !payload.subarray(0, 4).equals(MAGIC)) continue;
    const flag = String.fromCharCode(payload[4]);
    const runId = payload.subarray(5, 16).toString("latin1");
    if (!"WSE".includes(flag) || !RUN_ID.test(runId)) continue;
    out.push({
      atNs: BigInt(m[1]) * 1_000_000_000n + BigInt(m[2]),
      src: m[3],
      flag: flag as Marker["flag"],
      runId,
    });
  }
  return out;
}

export interface Expected {
  runId: string;
  /** The address the system under test sends from; a marker with this run id from elsewhere is foreign. */
  src: string;
}

export type Timing =
  | { runId: string; ok: true; externalNs: bigint }
  | { runId: string; ok: false; reason: string };

/**
 * Pairs each expected run's start and end markers. A run fails, with its reason, when a marker is
 * lost, repeated, out of order, or comes from another address; markers of other runs are ignored.
 */
export function timeRuns(markers: Marker[], expected: Expected[]): Timing[] {
  return expected.map(({ runId, src }) => {
    const mine = markers.filter((m) => m.runId === runId && m.flag !== "W");
    const foreign = mine.filter((m) => m.src !== src);
    if (foreign.length > 0) {
      return { runId, ok: false, reason: `marker of run ${runId} came from ${foreign[0].src}, not ${src}` };
    }
    const starts = mine.filter((m) => m.flag === "S");
    const ends = mine.filter((m) => m.flag === "E");
    const count = (xs: Marker[], what: string): string | undefined =>
      xs.length === 0
        ? `${what} marker lost`
        : xs.length > 1
          ? `${what} marker repeated (${xs.length}×)`
          : undefined;
    const why = count(starts, "start") ?? count(ends, "end");
    if (why) return { runId, ok: false, reason: `run ${runId}: ${why}` };
    const externalNs = ends[0].atNs - starts[0].atNs;
    if (externalNs <= 0n)
      return { runId, ok: false, reason: `run ${runId}: end marker arrived before its start` };
    return { runId, ok: true, externalNs };
  });
}

/** `vrmark run=ID inguest_ns=N status=S`, vrmark's last line on stderr. */
export function parseVrmarkReport(
  stderr: string,
  runId: string,
): { inGuestNs: bigint; status: number } | undefined {
  const lines = stderr.trimEnd().split("\n");
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /^vrmark run=([a-z0-9]+) inguest_ns=(\d+) status=(\d+)$/.exec(lines[i]);
    if (m && m[1] === runId) return { inGuestNs: BigInt(m[2]), status: Number(m[3]) };
  }
  return undefined;
}
