// Bonnie++'s CSV (`-q`: one line per test run, format 1.98). Pure; checked against a recording in
// test/fixtures/bonnie/. Bonnie++ writes `+++++` when a test ended too fast to measure: that is
// absent, never zero.

/** The block tests vrlab reports, by their field in the CSV line (format 1.98). */
const FIELDS = {
  "sequential output block": 11,
  rewrite: 13,
  "sequential input block": 17,
  "random seeks": 19,
} as const;

export type BonnieMetric = keyof typeof FIELDS;

export interface BonnieReport {
  version: string;
  fileSize: string;
  /** KiB/s for the block tests, seeks/s for random seeks; a test too fast to measure is absent. */
  results: Partial<Record<BonnieMetric, number>>;
}

export function parseBonnieCsv(text: string): BonnieReport {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  const show = JSON.stringify(text.slice(0, 300));
  if (lines.length !== 1) throw new Error(`bonnie++ CSV: expected one line, got ${lines.length}: ${show}`);
  const f = lines[0].split(",");
  if (f[0] !== "1.98" || f.length < 21) throw new Error(`bonnie++ CSV: not format 1.98: ${show}`);
  const results: BonnieReport["results"] = {};
  for (const [name, i] of Object.entries(FIELDS) as [BonnieMetric, number][]) {
    if (/^\+{3,}$/.test(f[i]) || f[i] === "") continue;
    if (!/^\d+(\.\d+)?$/.test(f[i]))
      throw new Error(`bonnie++ CSV: ${name} ${JSON.stringify(f[i])} is not a number`);
    results[name] = Number(f[i]);
  }
  return { version: f[1], fileSize: f[5], results };
}
