// The vrlab program itself on a throwaway stack: lifecycle, drift and ownership on the real engine.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PulumiCli } from "../support/cli";

const repo = path.resolve(__dirname, "../..");

describe("the vrlab program", () => {
  const stack = `test-program-${process.pid}`;
  let runRoot: string;
  let cli: PulumiCli;

  beforeAll(() => {
    runRoot = fs.mkdtempSync(path.join(os.tmpdir(), "vrlab-run-"));
    cli = new PulumiCli(repo, stack);
    // The embedded experiment, under a throwaway stack name (stack rm deletes this file).
    const embedded = fs.readFileSync(path.join(repo, "stacks", "Pulumi.embedded.yaml"), "utf8");
    fs.writeFileSync(
      path.join(repo, "stacks", `Pulumi.${stack}.yaml`),
      embedded.replace(/^encryptionsalt:.*$/m, ""),
    );
    cli.ok(["stack", "init"]);
    cli.ok(["config", "set", "vrlab:runRoot", runRoot]);
  });

  afterAll(() => {
    cli.run(["destroy", "--yes"]);
    cli.run(["stack", "rm", "--yes", "--force"]);
    fs.rmSync(path.join(repo, "stacks", `Pulumi.${stack}.yaml`), { force: true }); // if the CLI never ran
    cli.dispose();
    fs.rmSync(runRoot, { recursive: true, force: true });
  });

  test("stands up, converges, repairs drift and leaves nothing behind", () => {
    const labDir = path.join(runRoot, `vrlab-${stack}`);
    cli.ok(["up", "--yes"]);
    expect(fs.readFileSync(path.join(labDir, "OWNER"), "utf8")).toBe(`vrlab-${stack}\n`);
    expect(JSON.parse(cli.ok(["stack", "output", "--json"]).stdout)).toEqual({
      labDirectory: labDir,
      hypervisor: "netns",
      nodes: [
        "lab-server",
        "lab-br-gen",
        "lab-br-time",
        "lab-vr1",
        "lab-vr2",
        "lab-vr3",
        "lab-vr4",
        "lab-timer",
        "lab-gen",
      ],
    });
    cli.ok(["up", "--yes", "--expect-no-changes"]);
    cli.ok(["refresh", "--yes", "--expect-no-changes"]);

    fs.rmSync(labDir, { recursive: true });
    expect(cli.run(["refresh", "--yes", "--expect-no-changes"]).code).not.toBe(0);
    cli.ok(["up", "--yes"]);
    expect(fs.existsSync(path.join(labDir, "OWNER"))).toBe(true);

    // A directory beside ours, owned by another stack, survives our destroy.
    const other = path.join(runRoot, "vrlab-someone-else");
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, "OWNER"), "vrlab-someone-else\n");
    cli.ok(["destroy", "--yes"]);
    expect(fs.readdirSync(runRoot)).toEqual(["vrlab-someone-else"]);
  });
});
