// `pulumi preview` of every shipped stack, on this machine and without its hardware.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { PulumiCli } from "../support/cli";

const repo = path.resolve(__dirname, "../..");
const stacksDir = path.join(repo, "stacks");
const shipped = fs
  .readdirSync(stacksDir)
  .map((f) => /^Pulumi\.([a-z0-9-]+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => !!s && !s.startsWith("test-") && !s.startsWith("preview-"));

interface Step {
  op: string;
  urn: string;
}

test("the shipped stacks are the seed's scenarios", () => {
  expect(shipped.sort()).toEqual([
    "embedded",
    "native",
    "openvz",
    "vmware",
    "xen",
    "xen-fairness",
    "xen-forwarding",
    "xen-routes",
  ]);
});

describe.each(shipped)("pulumi preview of stack %s", (name) => {
  // A copy under a throwaway name, so the shipped file gets no salt and stack rm cannot delete it.
  const stack = `preview-${name}-${process.pid}`;
  const copy = path.join(stacksDir, `Pulumi.${stack}.yaml`);
  let cli: PulumiCli;

  beforeAll(() => {
    fs.writeFileSync(
      copy,
      fs
        .readFileSync(path.join(stacksDir, `Pulumi.${name}.yaml`), "utf8")
        .replace(/^encryptionsalt:.*$/m, ""),
    );
    cli = new PulumiCli(repo, stack);
    cli.ok(["stack", "init"]);
  });

  afterAll(() => {
    cli.run(["stack", "rm", "--yes", "--force"]);
    fs.rmSync(copy, { force: true });
    cli.dispose();
  });

  test("shows the resource tree it would create", () => {
    const preview = JSON.parse(cli.ok(["preview", "--json"]).stdout) as { steps: Step[] };
    const types = preview.steps.map(
      (s) => `${s.op} ${s.urn.split("::")[2].split("$").pop()} ${s.urn.split("::").pop()}`,
    );
    const e = parse(fs.readFileSync(copy, "utf8")).config["vrlab:experiment"] as {
      server: { name: string };
      bridges: { name: string }[];
      guests: { name: string; routingTable?: string }[];
      timer: { name: string };
      generator: { name: string };
    };
    const expected = [
      `create pulumi:pulumi:Stack vrlab-${stack}`,
      "create vrlab:lab:Testbed lab",
      "create pulumi-nodejs:dynamic/vrlab:Workspace lab-run",
      `create vrlab:lab:Server lab-${e.server.name}`,
      ...e.bridges.map((b) => `create vrlab:lab:Bridge lab-br-${b.name}`),
      ...e.guests.flatMap((g) => [
        `create vrlab:lab:Guest lab-${g.name}`,
        ...(g.routingTable ? [`create vrlab:lab:RoutingTable lab-${g.name}-${g.routingTable}`] : []),
      ]),
      `create vrlab:lab:Timer lab-${e.timer.name}`,
      `create vrlab:lab:Generator lab-${e.generator.name}`,
    ];
    // The engine registers siblings concurrently; the tree, not the order, is the contract.
    expect([...types].sort()).toEqual([...expected].sort());
  });
});
