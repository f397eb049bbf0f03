// benchmarks/parse/iperf.ts against output recorded from iperf 2.1.8 (test/fixtures/iperf/README.md).
import * as fs from "node:fs";
import * as path from "node:path";
import { parseIperfUdpServerCsv } from "../../benchmarks/parse/iperf";

const fixture = (name: string): string =>
  fs.readFileSync(path.resolve(__dirname, "../fixtures/iperf", name), "utf8");

describe("parseIperfUdpServerCsv", () => {
  test("a server's report over plain tbf at 1 Gb/s", () => {
    expect(parseIperfUdpServerCsv(fixture("udp-server-csv-plain-tbf.txt"))).toEqual({
      goodputMbps: 968.970779,
      receivedBytes: 363364890,
      intervalStartS: 0,
      intervalEndS: 3,
      jitterMs: 0.013,
      lostDatagrams: 584,
      totalDatagrams: 247771,
      lossPercent: 0.236,
      outOfOrderDatagrams: 1,
    });
  });

  test("a server's report with losses (receive buffer overflow)", () => {
    const r = parseIperfUdpServerCsv(fixture("udp-server-csv-vrlab-rcvbuf-loss.txt"));
    expect(r.goodputMbps).toBeCloseTo(909.787997, 6);
    expect(r).toMatchObject({ lostDatagrams: 17911, totalDatagrams: 404724, lossPercent: 4.425 });
    expect(r.intervalEndS).toBe(5);
  });

  test("tolerates CRLF and surrounding blank lines", () => {
    const text = `\r\n${fixture("udp-server-csv-plain-tbf.txt").trim()}\r\n\r\n`;
    expect(parseIperfUdpServerCsv(text).totalDatagrams).toBe(247771);
  });

  test("a client's report is refused: it says what was sent, not what arrived", () => {
    expect(() => parseIperfUdpServerCsv(fixture("udp-client-csv.txt"))).toThrow(/client's report/);
  });

  test("human-readable output is refused, asking for -y C", () => {
    expect(() => parseIperfUdpServerCsv(fixture("udp-server-text.txt"))).toThrow(
      /iperf UDP server report: not a UDP CSV report .*-u -y C/,
    );
  });

  test("no output (server got nothing or was stopped early) is an error, not zero", () => {
    expect(() => parseIperfUdpServerCsv("")).toThrow(/no report/);
    expect(() => parseIperfUdpServerCsv("\n  \n")).toThrow(/no report/);
  });

  test("two transfers are refused rather than one picked", () => {
    const line = fixture("udp-server-csv-plain-tbf.txt");
    expect(() => parseIperfUdpServerCsv(line + line)).toThrow(/expected one CSV report line, got 2/);
  });

  test("a truncated or garbled line is refused, naming the field", () => {
    const line = fixture("udp-server-csv-plain-tbf.txt").trim();
    expect(() => parseIperfUdpServerCsv(line.slice(0, 60))).toThrow(/comma-separated fields/);
    expect(() => parseIperfUdpServerCsv(line.replace(",968970779,", ",9.6e8,"))).toThrow(
      /bits per second \(field 9\) "9.6e8" is not a number/,
    );
    expect(() => parseIperfUdpServerCsv(line.replace(",0.0-3.0,", ",0.0,"))).toThrow(/interval field/);
  });

  test("a report of nothing received is an error", () => {
    const line = fixture("udp-server-csv-plain-tbf.txt").trim();
    const empty = line.replace(",363364890,968970779,0.013,584,247771,", ",0,0,0.000,0,0,");
    expect(() => parseIperfUdpServerCsv(empty)).toThrow(/received no datagrams/);
  });

  test("the error shows the output it could not parse", () => {
    expect(() => parseIperfUdpServerCsv("read failed: Connection refused")).toThrow(
      /output was "read failed: Connection refused"/,
    );
  });
});
