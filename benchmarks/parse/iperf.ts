// Parsing iperf2's reports, for the benchmark modules that run iperf (link-shaping, and later the
// experiment's iperf and fairness modules). Pure functions only: the output they read is recorded in
// test/fixtures/iperf/ and checked by test/unit/iperf-parse.test.ts.
//
// iperf 2 (`iperf`, Debian's 2.1.x) with `-y C` writes one CSV line per transfer. A UDP report has
// 14 fields:
//   timestamp, address, port, address, port, transfer id, interval "start-end" (s), bytes,
//   bits per second, jitter (ms), lost datagrams, total datagrams, lost (%), out-of-order datagrams
// The server's line counts what arrived; the client's line says what was sent and has total = -1.

/** What an iperf2 UDP server received in one transfer. */
export interface UdpServerReport {
  /** Payload bits per second received, in Mb/s (10^6), over the time the server saw the transfer. */
  goodputMbps: number;
  /** Payload bytes received. */
  receivedBytes: number;
  intervalStartS: number;
  intervalEndS: number;
  jitterMs: number;
  /** Datagrams the server did not see (gaps in the sequence numbers). */
  lostDatagrams: number;
  /** Datagrams the client sent, as the server counts them (the last sequence number). */
  totalDatagrams: number;
  lossPercent: number;
  outOfOrderDatagrams: number;
}

const UDP_CSV_FIELDS = 14;
const NUMBER = /^-?\d+(?:\.\d+)?$/;

function fail(why: string, text: string): never {
  const shown = text.length > 400 ? `${text.slice(0, 400)}...` : text;
  throw new Error(`iperf UDP server report: ${why}; output was ${JSON.stringify(shown)}`);
}

/**
 * The one transfer in the output of `iperf -s -u -y C` (stdout). Throws, saying why, on anything
 * else: no report (the server got nothing, or was stopped before reporting), more than one, a
 * client's report, human-readable output, or fields that are not numbers.
 */
export function parseIperfUdpServerCsv(text: string): UdpServerReport {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "");
  if (lines.length === 0) fail("no report (the server received nothing, or did not finish)", text);
  lines.forEach((l, i) => {
    const n = l.split(",").length;
    if (n !== UDP_CSV_FIELDS) {
      fail(
        `not a UDP CSV report (line ${i + 1} has ${n} comma-separated fields, want ${UDP_CSV_FIELDS}; run with -u -y C)`,
        text,
      );
    }
  });
  if (lines.length > 1) fail(`expected one CSV report line, got ${lines.length}`, text);
  const f = lines[0].split(",");
  const interval = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(f[6]);
  if (!interval) fail(`interval field ${JSON.stringify(f[6])} is not "start-end"`, text);
  const num = (i: number, name: string): number => {
    if (!NUMBER.test(f[i])) fail(`${name} (field ${i + 1}) ${JSON.stringify(f[i])} is not a number`, text);
    return Number(f[i]);
  };
  const r: UdpServerReport = {
    goodputMbps: num(8, "bits per second") / 1e6,
    receivedBytes: num(7, "bytes"),
    intervalStartS: Number(interval[1]),
    intervalEndS: Number(interval[2]),
    jitterMs: num(9, "jitter"),
    lostDatagrams: num(10, "lost datagrams"),
    totalDatagrams: num(11, "total datagrams"),
    lossPercent: num(12, "lost percent"),
    outOfOrderDatagrams: num(13, "out-of-order datagrams"),
  };
  if (r.totalDatagrams < 0) fail("this is a client's report (total datagrams -1); parse the server's", text);
  if (r.totalDatagrams === 0 || r.receivedBytes <= 0 || r.goodputMbps <= 0) {
    fail("the server received no datagrams", text);
  }
  if (r.lostDatagrams < 0 || r.lostDatagrams > r.totalDatagrams) {
    fail(`lost datagrams ${r.lostDatagrams} is not between 0 and the total ${r.totalDatagrams}`, text);
  }
  return r;
}
