// Every error class of the experiment model, with its exact message.
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { ExperimentConfigError, type ConfigProblem } from "../../config/errors";
import { loadExperiment, parseStackFile } from "../../config/load";

const embeddedFile = path.resolve(__dirname, "../../stacks/Pulumi.embedded.yaml");
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

function base(): Json {
  return structuredClone(parseStackFile(embeddedFile, fs.readFileSync(embeddedFile, "utf8")).experiment);
}

function problems(
  experiment: Json,
  deploy = false,
  extra: Record<string, unknown> = {},
): Omit<ConfigProblem, "line">[] {
  const text = stringify({ config: { "vrlab:experiment": experiment, ...extra } });
  try {
    loadExperiment(parseStackFile("test.yaml", text), { deploy });
  } catch (e) {
    if (!(e instanceof ExperimentConfigError)) throw e;
    return e.problems.map(({ path, message }) => ({ path, message }));
  }
  return [];
}

describe("experiment model", () => {
  test("the embedded stack resolves defaults global → host → guest", () => {
    const e = base();
    e.server.guestDefaults = { memoryMiB: 300 };
    e.guests[0].memoryMiB = 400;
    const text = stringify({ config: { "vrlab:experiment": e } });
    const model = loadExperiment(parseStackFile("t.yaml", text), { deploy: false });
    expect(model.guests.map((g) => [g.name, g.kind, g.vcpus, g.memoryMiB, g.diskGiB])).toEqual([
      ["vr1", "container", 1, 400, 1],
      ["vr2", "container", 1, 300, 1],
      ["vr3", "container", 1, 300, 1],
      ["vr4", "container", 1, 300, 1],
    ]);
    expect(model.timer.link).toEqual({ bridge: "time", rateMbps: 1000, delayUs: 0 });
  });

  test("built-in defaults come from the schema", () => {
    const e = base();
    delete e.defaults;
    const model = loadExperiment(parseStackFile("t.yaml", stringify({ config: { "vrlab:experiment": e } })), {
      deploy: false,
    });
    expect([model.guests[0].vcpus, model.guests[0].memoryMiB, model.guests[0].diskGiB]).toEqual([1, 512, 4]);
  });

  test("schema: unknown field, missing field, wrong enum, bad pattern, range", () => {
    const e = base();
    e.server.colour = "blue";
    delete e.timer.nic;
    e.guests[1].role = "switch";
    e.guests[2].name = "VR3";
    e.guests[3].vcpus = 0;
    expect(problems(e)).toEqual([
      { path: "server.colour", message: "is not a known field" },
      { path: "guests[1].role", message: 'must be one of router, endpoint, not "switch"' },
      {
        path: "guests[2].name",
        message: `"VR3" is not allowed here: Lowercase letters, digits and '-', starting with a letter, at most 31 characters.`,
      },
      { path: "guests[3].vcpus", message: "must be at least 1, not 0" },
      { path: "timer", message: 'is missing the required field "nic"' },
    ]);
  });

  test("schema: a routing table is generated or read from a file, not both; connection kinds", () => {
    const e = base();
    e.routingTables[0].file = "test/fixtures/tables/good.txt";
    e.generator.connection = { kind: "telnet" };
    expect(problems(e)).toEqual([
      { path: "routingTables[0]", message: "must give exactly one of: generate, file" },
      { path: "generator.connection", message: 'kind must be one of local, ssh, not "telnet"' },
    ]);
  });

  test("names are unique, up to 31 characters, and interface names fit the kernel's 15 bytes", () => {
    const e = base();
    e.guests[1].name = "vr1";
    e.guests[0].interfaces[1].name = "eth1";
    e.guests[0].interfaces[0].name = "eth1";
    e.guests[2].interfaces[0].name = "a-sixteen-bytes0";
    expect(problems(e)).toEqual([
      {
        path: "guests[0].interfaces[1].name",
        message: 'interface name "eth1" is already used at guests[0].interfaces[0].name',
      },
      { path: "guests[1].name", message: 'machine name "vr1" is already used at guests[0].name' },
      {
        path: "guests[2].interfaces[0].name",
        message: `"a-sixteen-bytes0" is not allowed here: A Linux interface name as the machine or guest calls it: a letter, then letters, digits, '_', '.' or '-', at most 15 characters (the kernel's limit).`,
      },
    ]);
  });

  test("references exist", () => {
    const e = base();
    e.guests[0].interfaces[0].bridge = "nowhere";
    e.guests[1].routingTable = "rt9";
    e.bridges[0].nic = "eth7";
    e.benchmarks[0].guests = ["vr9"];
    expect(problems(e)).toEqual([
      { path: "bridges[0].nic", message: 'no server NIC named "eth7" (known: eth0, eth1)' },
      { path: "guests[0].interfaces[0].bridge", message: 'no bridge named "nowhere" (known: gen, time)' },
      { path: "guests[1].routingTable", message: 'no routing table named "rt9" (known: rt1k)' },
      {
        path: "benchmarks[0].guests[0]",
        message: 'no guest named "vr9" (known: vr1, vr2, vr3, vr4, native)',
      },
    ]);
  });

  test("address plans stay in the lab range and do not overlap", () => {
    const e = base();
    e.guests[0].interfaces[0].address = "10.0.0.5/24";
    e.guests[1].interfaces[0].address = "198.18.1.13/24";
    e.guests[2].interfaces[1].address = "198.18.2.255/24";
    e.guests[3].interfaces[1].address = "198.18.1.99/24";
    e.routingTables[0].generate = { within: "198.18.3.0/24", prefixLength: 32 };
    expect(problems(e)).toEqual([
      {
        path: "guests[0].interfaces[0].address",
        message: "10.0.0.5/24 is outside the lab range 198.18.0.0/15",
      },
      {
        path: "guests[2].interfaces[0].address",
        message: "address 198.18.1.13 is already used at guests[1].interfaces[0].address",
      },
      {
        path: "guests[2].interfaces[1].address",
        message: "198.18.2.255/24 is the broadcast address of its subnet",
      },
      {
        path: "guests[3].interfaces[1].address",
        message:
          '198.18.1.99/24 is outside bridge "time"\'s subnet 198.18.2.0/24: nothing on the bridge could reach it',
      },
      {
        path: "guests[3].interfaces[1].address",
        message:
          'subnet 198.18.1.0/24 on bridge "time" overlaps 198.18.1.0/24 on bridge "gen" (bridges[0].address)',
      },
      {
        path: "routingTables[0].routes",
        message:
          "1000 routes do not fit: 198.18.3.0/24 holds only 256 /32 prefixes outside the connected subnets",
      },
      {
        path: "routingTables[0].via",
        message:
          'guest "vr4" installs this table, but next hop 198.18.2.2 is on none of its subnets: a next hop must be directly reachable',
      },
    ]);
  });

  test("guests fit the server, and the hypervisor supports their kind", () => {
    const e = base();
    e.server.memoryMiB = 512;
    e.guests[0].vcpus = 3;
    e.server.hypervisor = "xen";
    e.guests[1].kind = "container";
    const got = problems(e);
    expect(got).toEqual([
      {
        path: "guests",
        message: "the guests need 1024 MiB of memory in all, more than the server's 512 MiB",
      },
      { path: "guests[0].vcpus", message: "3 vCPUs is more than the server's 2 CPUs" },
      { path: "guests[1].kind", message: 'hypervisor "xen" runs vm guests, not container' },
    ]);
    e.server.hypervisor = "native";
    expect(problems({ ...e, guests: [e.guests[0]] }).map((p) => p.message)).toContain(
      'hypervisor "native" runs no guests: the benchmarks run on the server itself',
    );
  });

  test("generated routes skip connected subnets, and 100,000 /32 routes fit in the lab range", () => {
    const e = base();
    e.routingTables[0] = {
      name: "rt1k",
      routes: 131072 - 512 + 1,
      via: "198.18.2.2",
      generate: { within: "198.18.0.0/15", prefixLength: 32 },
    };
    expect(problems(e)).toEqual([
      {
        path: "routingTables[0].routes",
        message:
          "130561 routes do not fit: 198.18.0.0/15 holds only 130560 /32 prefixes outside the connected subnets",
      },
    ]);
    e.routingTables[0].routes = 100000;
    expect(problems(e)).toEqual([]);
  });

  test("an offered load must fit the link at its frame size", () => {
    const e = base();
    e.benchmarks = [
      { kind: "forwarding", offeredPps: 130000, frameBytes: 1518 },
      { kind: "forwarding", offeredPps: 130000, frameBytes: 64 },
      { kind: "iperf-udp", direction: "tx", payloadBytes: 1472, offeredMbps: 958 },
      { kind: "iperf-udp", direction: "tx", payloadBytes: 1472, offeredMbps: 957 },
    ];
    expect(problems(e)).toEqual([
      {
        path: "benchmarks[0].offeredPps",
        message:
          "130000 packets/s of 1518-byte frames need 1599.5 Mb/s on the wire (1538 bytes each with preamble and gap), more than the generator's 1000 Mb/s link carries (at most 81274 packets/s)",
      },
      {
        path: "benchmarks[2].offeredMbps",
        message:
          "958 Mb/s of 1472-byte UDP payloads needs 1001.0 Mb/s on the wire, more than the generator's 1000 Mb/s link carries",
      },
    ]);
  });

  test("before up, SSH machines need a host key and a secret credential", () => {
    const e = base();
    e.server.connection = { kind: "ssh", host: "198.18.0.10", privateKeySecret: "vrlab:serverKey" };
    e.timer.connection = {
      kind: "ssh",
      host: "198.18.0.11",
      hostKey: "198.18.0.11 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFUh79JQoOCM2qDpbKBbCnISAByazoGnOBfEe/EG8pHO",
      passwordSecret: "vrlab:timerPw",
    };
    expect(problems(e, false)).toEqual([]);
    expect(problems(e, true, { "vrlab:timerPw": { secure: "v1:abc" } })).toEqual([
      {
        path: "server.connection.hostKey",
        message:
          "fill in 198.18.0.10's host key (ssh-keyscan it on a trusted path): vrlab never connects to an unverified host",
      },
      {
        path: "server.connection.privateKeySecret",
        message:
          "vrlab:serverKey is not set as a secret: run scripts/vrlab pulumi config set --secret vrlab:serverKey < key-file",
      },
    ]);
  });

  test("every problem is reported at once, each with its line", () => {
    const text = [
      "config:", //                         1
      "  vrlab:experiment:", //              2
      "    server:", //                      3
      "      name: Server", //               4
      "      cpus: 2", //                    5
      "      memoryMiB: 1024", //            6
      "      nics: [{ name: eth0 }]", //     7
      "      connection: { kind: local }", // 8
      "      hypervisor: kvm", //            9
      "    bridges: []", //                  10
      "    guests: []", //                   11
      "  vrlab:runRoot: run/vrlab", //       12
    ].join("\n");
    let err: unknown;
    try {
      loadExperiment(parseStackFile("stacks/Pulumi.bad.yaml", text), { deploy: false });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ExperimentConfigError);
    expect((err as Error).message).toBe(
      [
        "stacks/Pulumi.bad.yaml: 5 problems in vrlab's config (nothing was touched)",
        '  vrlab:experiment (stacks/Pulumi.bad.yaml:2): is missing the required field "generator"',
        '  vrlab:experiment (stacks/Pulumi.bad.yaml:2): is missing the required field "timer"',
        `  server.name (stacks/Pulumi.bad.yaml:4): "Server" is not allowed here: Lowercase letters, digits and '-', starting with a letter, at most 31 characters.`,
        '  server.hypervisor (stacks/Pulumi.bad.yaml:9): must be one of native, xen, openvz, vmware, netns, not "kvm"',
        `  vrlab:runRoot (stacks/Pulumi.bad.yaml:12): "run/vrlab" is not a run root: it must be an absolute path of letters, digits, '.', '_', '-' and '/', with no '..' segment`,
      ].join("\n"),
    );
  });

  test("benchmarks: each kind takes only its own fields, and its defaults", () => {
    const e = base();
    e.benchmarks = [
      { kind: "superpi", direction: "tx" },
      { kind: "pingpong" },
      { kind: "iperf-udp" },
      { kind: "forwarding", frameBytes: 9000 },
    ];
    expect(problems(e)).toEqual([
      { path: "benchmarks[0].direction", message: "is not a known field" },
      {
        path: "benchmarks[1]",
        message:
          'kind must be one of superpi, masr, bonnie, zfg, iperf-udp, fairness, forwarding, not "pingpong"',
      },
      { path: "benchmarks[2]", message: 'is missing the required field "direction"' },
      {
        path: "benchmarks[3].offeredPps",
        message:
          "130000 packets/s of 9000-byte frames need 9380.8 Mb/s on the wire (9020 bytes each with preamble and gap), more than the generator's 1000 Mb/s link carries (at most 13858 packets/s)",
      },
      { path: "benchmarks[3].frameBytes", message: "must be at most 1518, not 9000" },
    ]);
    e.benchmarks = [{ kind: "superpi" }, { kind: "forwarding", guests: ["vr4", "vr3", "vr2", "vr1"] }];
    const text = stringify({ config: { "vrlab:experiment": { ...e } } });
    const model = loadExperiment(parseStackFile("t.yaml", text), { deploy: false });
    expect(model.benchmarks).toEqual([
      { kind: "superpi", digitsLog2: 22, repetitions: 10 },
      {
        kind: "forwarding",
        guests: ["vr4", "vr3", "vr2", "vr1"],
        sweep: [1, 2, 3, 4],
        offeredPps: 130000,
        frameBytes: 64,
        durationS: 10,
        destinations: 256,
        repetitions: 10,
      },
    ]);
  });

  test("benchmarks must fit the guests they run in, before anything is touched", () => {
    const e = base();
    e.benchmarks = [
      { kind: "masr", sizeMiB: 2048 },
      { kind: "zfg", sizeMiB: 4096, guests: ["vr2"] },
      { kind: "fairness", sweep: [1, 5] },
      { kind: "forwarding", sweep: [2], routingTables: ["rt1k"], guests: ["vr1"] },
      { kind: "superpi", guests: ["native", "vr1"] },
    ];
    expect(problems(e)).toEqual(
      expect.arrayContaining([
        {
          path: "benchmarks[0].sizeMiB",
          message: 'masr sets 2048 MiB, which does not fit guest "vr1"\'s 256 MiB of memory',
        },
        {
          path: "benchmarks[1].sizeMiB",
          message: 'zfg writes 4096 MiB, more than guest "vr2"\'s 1 GiB disk',
        },
        { path: "benchmarks[2].sweep", message: "the sweep asks for 5 guests, but the benchmark has 4" },
        {
          path: "benchmarks[3].routingTables[0]",
          message: 'the sweep asks for 2 virtual routers with table "rt1k", but 1 carry it',
        },
      ]),
    );
    // One masr problem per guest (4), plus the three others; `native` is a known system.
    expect(problems(e)).toHaveLength(4 + 1 + 1 + 2);
  });
});
