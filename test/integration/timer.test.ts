// The external timer for real: two systems and a timer in throwaway namespaces on a bridge, vrmark
// from the set-up's build, tcpdump on the timer. Markers that are lost, forged from another address
// or repeated fail the run; a command that fails is an error; a real sleep is timed from outside.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { makeContext } from "../../harness/context";
import { type LabSpec, type SystemSpec } from "../../harness/types";

const tag = `vht${(process.pid % 0xffff).toString(16).padStart(4, "0")}`;
const ns = (n: string): string => `${tag}-${n}`;
const sh = (script: string): string =>
  execFileSync("sh", ["-c", script], { encoding: "utf8", timeout: 30_000 });
const toolsDir = process.env.VRLAB_TOOLS_DIR ?? "";

const system = (name: string, last: number): SystemSpec => ({
  name,
  exec: { target: { kind: "local", netns: ns(name) } },
  role: "router",
  vcpus: 1,
  memoryMiB: 256,
  diskGiB: 1,
  addresses: { time: `198.18.251.${last}` },
  ifnames: { time: "eth0" },
  scratchDir: `/var/tmp/vrlab/${ns(name)}`,
});

const lab: LabSpec = {
  owner: tag,
  hypervisor: "netns",
  substrate: "namespaces",
  server: { name: "server", exec: { target: { kind: "local", netns: ns("timer") } } },
  systems: [system("a", 11), system("b", 12)],
  timer: {
    name: "timer",
    exec: { target: { kind: "local", netns: ns("timer") } },
    address: "198.18.251.2",
    ifname: "br0",
    bridge: "time",
    scratchDir: `/var/tmp/vrlab/${ns("timer")}`,
  },
  generator: {} as LabSpec["generator"],
  toolsDir,
};

beforeAll(() => {
  if (!fs.existsSync(`${toolsDir}/vrmark`))
    throw new Error("VRLAB_TOOLS_DIR has no vrmark: run scripts/setup.sh");
  const t = ns("timer");
  sh(
    `ip netns add ${t} && ip -n ${t} link add br0 type bridge && ip -n ${t} addr add 198.18.251.2/24 dev br0 && ip -n ${t} link set br0 up`,
  );
  for (const [n, last] of [
    ["a", 11],
    ["b", 12],
  ] as const) {
    const s = ns(n);
    sh(`ip netns add ${s} && ip -n ${s} link add eth0 type veth peer name ${n}0 netns ${t}`);
    sh(
      `ip -n ${s} addr add 198.18.251.${last}/24 dev eth0 && ip -n ${s} link set eth0 up && ip -n ${s} link set lo up`,
    );
    sh(`ip -n ${t} link set ${n}0 master br0 && ip -n ${t} link set ${n}0 up`);
  }
});

afterAll(() => {
  for (const n of ["a", "b", "timer"])
    sh(`ip netns del ${ns(n)} 2>/dev/null || true; rm -rf /var/tmp/vrlab/${ns(n)}`);
  expect(sh("ip netns list")).not.toContain(tag);
  expect(sh("pgrep -a tcpdump || true")).not.toContain(ns("timer"));
});

const ctx = makeContext(lab, () => undefined);
const [a, b] = lab.systems;
const opts = { timeoutMs: 30_000 };

test("a sleep is timed from outside, beside the in-guest clock", async () => {
  const [t] = await ctx.timed([a], "sleep 0.3", opts);
  expect(t.externalS).toBeGreaterThanOrEqual(0.3);
  expect(t.externalS).toBeLessThan(0.6);
  expect(t.inGuestS).toBeGreaterThanOrEqual(0.3);
  expect(Math.abs(t.externalS - t.inGuestS)).toBeLessThan(0.05);
});

test("concurrent runs in two systems are timed apart", async () => {
  const [ta, tb] = await ctx.timed(
    [a, b],
    'if [ "$(hostname -I 2>/dev/null)" ]; then :; fi; sleep 0.2',
    opts,
  );
  expect(ta.runId).not.toBe(tb.runId);
  for (const t of [ta, tb]) expect(t.externalS).toBeGreaterThanOrEqual(0.2);
});

test("a lost end marker fails the run", async () => {
  // tbf drops every packet longer than its burst: the 58-byte end marker never reaches the timer.
  const drop = "tc qdisc replace dev eth0 root tbf rate 1mbit burst 50 limit 1000";
  try {
    await expect(ctx.timed([a], drop, opts)).rejects.toThrow(/end marker lost/);
  } finally {
    sh(`tc -n ${ns("a")} qdisc del dev eth0 root 2>/dev/null || true`);
  }
});

test("a marker forged from another address fails the run", async () => {
  const forge = `ip netns exec ${ns("b")} ${toolsDir}/vrmark 198.18.251.2 "$VRLAB_RUN_ID" -- true`;
  await expect(ctx.timed([a], forge, opts)).rejects.toThrow(
    /came from 198\.18\.251\.12, not 198\.18\.251\.11/,
  );
});

test("a repeated marker fails the run", async () => {
  const again = `${toolsDir}/vrmark 198.18.251.2 "$VRLAB_RUN_ID" -- true`;
  await expect(ctx.timed([a], again, opts)).rejects.toThrow(/marker repeated/);
});

test("a failing command is an error with its exit status and output, not a time", async () => {
  await expect(ctx.timed([a], "echo broken >&2; exit 3", opts)).rejects.toThrow(/exit 3[\s\S]*broken/);
});

test("a timer that does not answer fails before anything runs", async () => {
  const away = { ...lab, timer: { ...lab.timer, address: "198.18.251.99" } };
  await expect(
    makeContext(away, () => undefined).timed([a], "touch /tmp/should-not-run", opts),
  ).rejects.toThrow(/exit 97[\s\S]*did not answer the warm-up/);
});

test("a guest's commands are charged to its cgroup", async () => {
  const cg = `${tag}-cg`;
  sh(`mkdir -p /sys/fs/cgroup/cpu/${cg} /sys/fs/cgroup/memory/${cg}`);
  try {
    const inCgroup = { ...a, exec: { target: { kind: "local" as const, netns: ns("a"), cgroup: cg } } };
    const [t] = await ctx.timed([inCgroup], "cat /proc/self/cgroup", opts);
    expect(t.stdout).toMatch(new RegExp(`:cpu:/${cg}\\n`));
    expect(t.stdout).toMatch(new RegExp(`:memory:/${cg}\\n`));
  } finally {
    sh(`rmdir /sys/fs/cgroup/cpu/${cg} /sys/fs/cgroup/memory/${cg}`);
  }
});

test("a cgroup that cannot be joined fails the run instead of running unlimited", async () => {
  const missing = {
    ...a,
    exec: { target: { kind: "local" as const, netns: ns("a"), cgroup: `${tag}-none` } },
  };
  await expect(ctx.timed([missing], "true", opts)).rejects.toThrow(/exit 125[\s\S]*cannot join cgroup/);
});
