// The vrlab program on the default experiment, from nothing, on the real engine and the real kernel:
// up, no-change up and refresh, drift found and repaired, destroy, and a leak scan.
import * as fs from "node:fs";
import * as path from "node:path";
import { kernelName } from "../../config/names";
import { type PulumiCli } from "../support/cli";
import { cmd, leaksOf, links, namespaces } from "../support/lab";
import { TestStack } from "../support/stack";

describe("the default experiment", () => {
  const stack = `test-program-${process.pid}`;
  const owner = `vrlab-${stack}`;
  const k = (name: string): string => kernelName(owner, name);
  let lab: TestStack;
  let runRoot: string;
  let cli: PulumiCli;

  beforeAll(() => {
    lab = new TestStack(stack); // the embedded experiment, under a throwaway stack name
    ({ cli, runRoot } = lab);
  });

  afterAll(() => lab?.dispose());

  test("stands up the seed's topology, converges, and repairs drift", () => {
    const labDir = path.join(runRoot, owner);
    cli.ok(["up", "--yes"]);
    expect(fs.readFileSync(path.join(labDir, "OWNER"), "utf8")).toBe(`${owner}\n`);
    const outputs = JSON.parse(cli.ok(["stack", "output", "--json"]).stdout);
    expect(outputs.nodes).toEqual([
      "lab-server",
      "lab-br-gen",
      "lab-br-time",
      "lab-vr1",
      "lab-vr2",
      "lab-vr3",
      "lab-vr4",
      "lab-timer",
      "lab-gen",
    ]);
    expect(outputs.lab.serverNs).toBe(k("server"));

    // Each resource the program declares records where in vrlab that was, and its stack stops there:
    // not the loader's or the runner's frames (main.js trims them; ~1 KB of state per resource).
    type Recorded = { type: string; urn: string; stackTrace?: { sourcePosition?: string }[] };
    const state = JSON.parse(cli.ok(["stack", "export"]).stdout);
    const declared = (state.deployment.resources as Recorded[]).filter(
      (r) => r.stackTrace && r.type !== "pulumi:pulumi:Stack", // the runner declares the stack itself
    );
    expect(declared.length).toBeGreaterThan(40);
    for (const r of declared) {
      const frames = (r.stackTrace ?? []).flatMap((f) => (f.sourcePosition ? [f.sourcePosition] : []));
      expect({ urn: r.urn, last: frames[frames.length - 1] }).toEqual({
        urn: r.urn,
        last: "project:///index.ts#11,17", // `new Testbed(` in index.ts, a TypeScript position
      });
      expect(frames.filter((f) => /main\.js|register-ts|node_modules/.test(f))).toEqual([]);
    }

    // The machines are namespaces; the server's bridges hold the cables and the guests' NICs.
    const mine = ["server", "vr1", "vr2", "vr3", "vr4", "timer", "gen"].map(k);
    expect(
      namespaces()
        .filter((n) => n.startsWith(k("")))
        .sort(),
    ).toEqual([...mine].sort());
    const bridgePorts = (br: string): number =>
      cmd("ip", "-n", k("server"), "-o", "link", "show", "master", k(br))
        .split("\n")
        .filter((l) => l !== "").length;
    expect(bridgePorts("gen")).toBe(5); // the generator's cable + four guests
    expect(bridgePorts("time")).toBe(5);
    // Real forwarding through the lab: generator → vr1 over the gen bridge, vr1 → timer over time.
    cmd("ip", "netns", "exec", k("gen"), "ping", "-c", "1", "-W", "2", "198.18.1.11");
    cmd("ip", "netns", "exec", k("vr1"), "ping", "-c", "1", "-W", "2", "198.18.2.2");
    // The generator's cable is shaped like gigabit Ethernet, wire overhead counted, both ways.
    for (const [ns, dev] of [
      [k("gen"), "eth0"],
      [k("server"), "eth0"],
    ]) {
      expect(cmd("tc", "-n", ns, "-d", "qdisc", "show", "dev", dev, "root")).toMatch(
        /^qdisc tbf 1: root .*rate 1Gbit[\s\S]*overhead 24 mpu 84/,
      );
    }
    expect(cmd("ip", "-n", k("vr1"), "route", "show", "proto", "198").trim().split("\n")).toHaveLength(1000);
    expect(cmd("ip", "netns", "exec", k("vr1"), "cat", "/proc/sys/net/ipv4/ip_forward").trim()).toBe("1");

    cli.ok(["up", "--yes", "--expect-no-changes"]);
    cli.ok(["refresh", "--yes", "--expect-no-changes"]);

    // Drift behind Pulumi's back: a guest's namespace, a bridge, a cable's shaping, and ten of a
    // router's routes (found by count and digest; up puts back just those ten).
    const vr3Routes = cmd("ip", "-n", k("vr3"), "route", "show", "proto", "198").trim().split("\n");
    for (const line of vr3Routes.slice(0, 10))
      cmd("ip", "-n", k("vr3"), "route", "del", line.split(" ")[0], "proto", "198");
    cmd("ip", "netns", "del", k("vr2"));
    cmd("ip", "-n", k("server"), "link", "del", k("time"));
    cmd("tc", "-n", k("gen"), "qdisc", "del", "dev", "eth0", "root");
    const refresh = cli.run(["refresh", "--yes", "--expect-no-changes", "--diff"]);
    expect(refresh.code).not.toBe(0);
    for (const name of ["lab-vr2-ns", "lab-br-time-dev", "lab-gen-shape-machine", "lab-vr3-rt1k-routes"]) {
      expect(refresh.stdout).toContain(name);
    }
    expect(refresh.stdout).toMatch(/qdisc\s*: "tbf" => "noqueue"/);
    expect(refresh.stdout).toMatch(/count\s*: "1000" => "990"/);
    cli.ok(["up", "--yes"]);
    expect(namespaces()).toContain(k("vr2"));
    expect(links(k("server"))).toContain(k("time"));
    expect(bridgePorts("time")).toBe(5); // the ports the deleted bridge released are back in it
    expect(cmd("tc", "-n", k("gen"), "qdisc", "show", "dev", "eth0", "root")).toMatch(/^qdisc tbf 1: root/);
    cmd("ip", "netns", "exec", k("vr2"), "ping", "-c", "1", "-W", "2", "198.18.2.2");
    expect(cmd("ip", "-n", k("vr3"), "route", "show", "proto", "198").trim().split("\n")).toEqual(vr3Routes);
    cli.ok(["up", "--yes", "--expect-no-changes"]);
  });

  test("destroy leaves nothing of the stack, and nothing of another stack is touched", () => {
    // A directory beside ours, owned by another stack, survives our destroy.
    const other = path.join(runRoot, "vrlab-someone-else");
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, "OWNER"), "vrlab-someone-else\n");
    // And so does another stack's guest namespace, named like ours but with its own owner tag.
    const theirs = kernelName("vrlab-someone-else", "vr1");
    cmd("ip", "netns", "add", theirs);
    try {
      cli.ok(["destroy", "--yes"]);
      expect(namespaces()).toContain(theirs);
    } finally {
      cmd("ip", "netns", "del", theirs);
    }
    expect(fs.readdirSync(runRoot)).toEqual(["vrlab-someone-else"]);
    expect(leaksOf(owner)).toEqual([]);
  });
});
