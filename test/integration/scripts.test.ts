// Rendered scripts run for real against this machine's filesystem: ownership of the run directory.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseKeyValues } from "../../remote/script";
import { workspaceScripts } from "../../drivers/workspace";
import { run, runOk } from "../../remote/run";

const local = { kind: "local" as const };

describe("the run directory", () => {
  let root: string;
  beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), "vrlab-ws-"))));
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  test("is made, read and removed by its owner", async () => {
    const dir = path.join(root, "vrlab-a");
    const s = workspaceScripts({ dir, owner: "vrlab-a" }).scripts;
    await runOk(local, {}, s.apply);
    expect(fs.readFileSync(path.join(dir, "OWNER"), "utf8")).toBe("vrlab-a\n");
    expect(parseKeyValues((await runOk(local, {}, s.read)).stdout)).toEqual({
      present: "1",
      owner: "vrlab-a",
    });
    await runOk(local, {}, s.delete);
    expect(fs.existsSync(dir)).toBe(false);
    expect(parseKeyValues((await runOk(local, {}, s.read)).stdout)).toEqual({ present: "0" });
  });

  test("of another stack is neither taken over nor deleted", async () => {
    const dir = path.join(root, "vrlab-a");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "OWNER"), "vrlab-b\n");
    const s = workspaceScripts({ dir, owner: "vrlab-a" }).scripts;
    const r = await run(local, {}, s.apply);
    expect(r.code).toBe(1);
    // The script's own message, then the line its EXIT trap reports (remote/script.ts).
    expect(r.stderr).toMatch(/\nvrlab: script failed at line \d+ \(exit 1\)\n$/);
    expect(r.stderr.split("\n")[0]).toBe(`${dir} belongs to vrlab-b, not vrlab-a; refusing to take it over`);
    expect(parseKeyValues((await runOk(local, {}, s.read)).stdout)).toEqual({ present: "0" });
    await runOk(local, {}, s.delete);
    expect(fs.readFileSync(path.join(dir, "OWNER"), "utf8")).toBe("vrlab-b\n");
  });
});
