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
  .filter((s): s is string => !!s && !/^(test|preview|bench)-/.test(s));

interface Step {
  op: string;
  urn: string;
}

test("the shipped stacks are the seed's scenarios", () => {
  expect(shipped.sort()).toEqual([
    "embedded",
    "embedded-full",
    "native",
    "openvz",
    "routes-scale",
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
      server: { name: string; hypervisor: string; connection: { kind: string } };
      bridges: { name: string; nic?: string }[];
      guests: { name: string; routingTable?: string; interfaces: { name: string }[] }[];
      timer: { name: string; connection: { kind: string }; nic: { name: string } };
      generator: { name: string; connection: { kind: string }; nic: { name: string } };
      benchmarks?: unknown[];
    };
    // Hypervisors with a driver also show the kernel objects they would make; the rest, the tree only.
    const driven = ["netns", "native"].includes(e.server.hypervisor);
    const local = e.server.connection.kind === "local";
    const dyn = (type: string, name: string): string[] =>
      driven ? [`create pulumi-nodejs:dynamic/vrlab/${type} ${name}`] : [];
    const machine = (role: string, m: typeof e.timer): string[] => [
      `create vrlab:lab:${role} lab-${m.name}`,
      ...(local && m.connection.kind === "local"
        ? [
            ...dyn("netns:Namespace", `lab-${m.name}-ns`),
            ...dyn("linux:Port", `lab-${m.name}-${m.nic.name}`),
            ...dyn("linux:Shaping", `lab-${m.name}-shape-machine`),
            ...dyn("linux:Shaping", `lab-${m.name}-shape-server`),
          ]
        : []),
    ];
    const expected = [
      `create pulumi:pulumi:Stack vrlab-${stack}`,
      "create vrlab:lab:Testbed lab",
      "create pulumi-nodejs:dynamic/vrlab/lab:Workspace lab-run",
      // A remote server's own stack is shared: its claims are checked before anything changes.
      ...(local ? [] : dyn("lab:Claims", "lab-claims")),
      `create vrlab:lab:Server lab-${e.server.name}`,
      ...(local ? dyn("netns:Namespace", `lab-${e.server.name}-ns`) : []),
      ...e.bridges.flatMap((b) => [
        `create vrlab:lab:Bridge lab-br-${b.name}`,
        ...dyn("linux:Bridge", `lab-br-${b.name}-dev`),
        ...(!local && b.nic ? dyn("linux:NicPort", `lab-br-${b.name}-${b.nic}`) : []),
      ]),
      ...e.guests.flatMap((g) => [
        `create vrlab:lab:Guest lab-${g.name}`,
        ...dyn("netns:Namespace", `lab-${g.name}-ns`),
        ...dyn("netns:Cgroup", `lab-${g.name}-cgroup`),
        ...g.interfaces.flatMap((f) => dyn("linux:Port", `lab-${g.name}-${f.name}`)),
        ...(g.routingTable
          ? [
              `create vrlab:lab:RoutingTable lab-${g.name}-${g.routingTable}`,
              ...dyn("linux:Routes", `lab-${g.name}-${g.routingTable}-routes`),
            ]
          : []),
      ]),
      ...machine("Timer", e.timer),
      ...machine("Generator", e.generator),
      // The post-deploy stage, where there is a driver to run the benchmarks on.
      ...(driven && (e.benchmarks ?? []).length > 0
        ? ["create vrlab:bench:Suite lab-suite", ...dyn("bench:Suite", "lab-suite-run")]
        : []),
    ];
    if (name === "embedded") expect(types).toHaveLength(49); // the seed's testbed and its suite, every object counted
    // The engine registers siblings concurrently; the tree, not the order, is the contract.
    expect([...types].sort()).toEqual([...expected].sort());
  });
});
