// Unit tests get a cache of their own (drivers/cache.ts): what they cache is then what they made, and
// the machine's cache, which real runs warm, is left alone.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

process.env.VRLAB_CACHE = fs.mkdtempSync(path.join(os.tmpdir(), "vrlab-unit-cache-"));
afterAll(() => fs.rmSync(process.env.VRLAB_CACHE ?? "/nonexistent", { recursive: true, force: true }));
