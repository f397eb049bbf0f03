// Checks of the benchmark plan against the lab: loads the links can carry, sizes the guests hold.
import { type Experiment } from "./model";
import { quoted, type Problem } from "./errors";
import { maxPps, wireBytesForFrame, wireBytesForUdpPayload, wireMbps } from "./wire";

export function checkOfferedLoad(e: Experiment): Problem[] {
  const out: Problem[] = [];
  const link = Math.min(e.generator.link.rateMbps, e.generator.nic.rateMbps);
  e.benchmarks.forEach((b, i) => {
    const path = `benchmarks[${i}]`;
    if (b.kind === "forwarding" && b.offeredPps !== undefined) {
      const frame = b.frameBytes ?? 64;
      const wire = wireBytesForFrame(frame);
      if (b.offeredPps > maxPps(link, wire)) {
        out.push({
          path: `${path}.offeredPps`,
          message: `${b.offeredPps} packets/s of ${frame}-byte frames need ${wireMbps(b.offeredPps, wire).toFixed(1)} Mb/s on the wire (${wire} bytes each with preamble and gap), more than the generator's ${link} Mb/s link carries (at most ${maxPps(link, wire)} packets/s)`,
        });
      }
    }
    if ((b.kind === "iperf-udp" || b.kind === "fairness") && b.offeredMbps !== undefined) {
      const payload = b.payloadBytes ?? 1472;
      const pps = Math.ceil((b.offeredMbps * 1e6) / (payload * 8));
      const wire = wireBytesForUdpPayload(payload);
      if (pps > maxPps(link, wire)) {
        out.push({
          path: `${path}.offeredMbps`,
          message: `${b.offeredMbps} Mb/s of ${payload}-byte UDP payloads needs ${wireMbps(pps, wire).toFixed(1)} Mb/s on the wire, more than the generator's ${link} Mb/s link carries`,
        });
      }
    }
  });
  return out;
}

/** What a benchmark asks of its systems must fit them, or the run would fail hours into `up`. */
export function checkBenchmarkFit(e: Experiment): Problem[] {
  const out: Problem[] = [];
  const byName = new Map(e.guests.map((g) => [g.name, g]));
  const routers = e.guests.filter((g) => g.role === "router");
  e.benchmarks.forEach((b, i) => {
    const path = `benchmarks[${i}]`;
    const named = (b.guests ?? (b.kind === "forwarding" ? routers : e.guests).map((g) => g.name))
      .map((n) => byName.get(n))
      .filter((g) => g !== undefined);
    for (const g of named) {
      if (b.kind === "masr" && b.sizeMiB !== undefined && b.sizeMiB >= g.memoryMiB) {
        out.push({
          path: `${path}.sizeMiB`,
          message: `masr sets ${b.sizeMiB} MiB, which does not fit guest ${quoted(g.name)}'s ${g.memoryMiB} MiB of memory`,
        });
      }
      if (
        (b.kind === "zfg" || b.kind === "bonnie") &&
        b.sizeMiB !== undefined &&
        b.sizeMiB > g.diskGiB * 1024
      ) {
        out.push({
          path: `${path}.sizeMiB`,
          message: `${b.kind} writes ${b.sizeMiB} MiB, more than guest ${quoted(g.name)}'s ${g.diskGiB} GiB disk`,
        });
      }
    }
    const most = Math.max(...(b.sweep ?? [0]));
    b.routingTables?.forEach((t, ti) => {
      const carrying = routers.filter(
        (g) => g.routingTable === t && (!b.guests || b.guests.includes(g.name)),
      );
      if (carrying.length < most) {
        out.push({
          path: `${path}.routingTables[${ti}]`,
          message: `the sweep asks for ${most} virtual routers with table ${quoted(t)}, but ${carrying.length} carry it`,
        });
      }
    });
    const pool =
      b.kind === "forwarding" ? routers.length : b.kind === "fairness" ? e.guests.length : Infinity;
    const have = b.guests ? Math.min(b.guests.length, pool) : pool;
    if (most > have) {
      const what = b.kind === "forwarding" ? "virtual routers" : "guests";
      out.push({
        path: `${path}.sweep`,
        message: `the sweep asks for ${most} ${what}, but the benchmark has ${have}`,
      });
    }
  });
  return out;
}
