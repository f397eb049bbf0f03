#!/usr/bin/python3
"""The baseline of perf/lab-updown.ts: the embedded default topology (stacks/Pulumi.embedded.yaml)
stood up and torn down by Mininet (Debian's mininet 2.3, Linux bridges, no controller).

    mininet_topo.py [REPS]      (root; default 3 repetitions)

Prints {"up_s": [...], "down_s": [...], ...} on stdout; everything else goes to stderr.
"up" is build + start until every address, forwarding switch and route is in place; "down" is
net.stop(). Each repetition is checked after its "up" and after its "down", outside the clock.

The topology, as faithfully as Mininet allows:
  - server: a host (its own namespace, ip_forward=1) on both bridges, with the bridges' addresses
    (198.18.1.1/24 on gen, 198.18.2.1/24 on time). vrlab puts the bridges inside the server's
    namespace; Mininet's switches live in the root namespace, so the server is a host on them.
  - two Linux bridges, gen and time (no STP). Mininet's LinuxBridge drives brctl (bridge-utils),
    which Debian's mininet does not depend on; IpBridge below is LinuxBridge with the same steps
    done by iproute2, as vrlab does them.
  - vr1..vr4: CPULimitedHost (cgroup v1 cpu quota of one CPU, as vrlab's vcpus: 1) plus a memory
    cgroup of 256 MiB (Mininet has no memory limit; MemCPULimitedHost adds one with the same
    cgroup-tools Mininet uses), eth0 on gen, eth1 on time, ip_forward=1, 1,000 /32 routes in
    198.19.0.0/16 via 198.18.2.2 (proto 198) installed with one `ip -batch`, as vrlab does.
  - gen (198.18.1.2/24) and timer (198.18.2.2/24), each cabled by a TCLink bw=1000 shaped with tbf
    on both ends (vrlab shapes both ends of these cables with tbf at 1 Gb/s).

Safety: never `mn -c` or mininet.clean (they delete whatever matches Mininet's patterns on the
machine), never Mininet's fixLimits (global sysctls) or mountCgroups (it would mount a second
cpuset hierarchy here). Every name carries a per-run prefix `bmXX`; the run refuses to start if
anything with that prefix exists, and after each net.stop() it checks that no link, cgroup or
process of its own is left (and removes, by exact name, any it finds, then fails).
"""

import argparse
import ipaddress
import json
import os
import re
import subprocess
import sys
import tempfile
import time

from mininet.link import TCLink
from mininet.log import setLogLevel
from mininet.net import Mininet
from mininet.node import CPULimitedHost, Host
from mininet.nodelib import LinuxBridge
from mininet.topo import Topo
from mininet.util import errFail, numCores, quietRun

ROUTES = 1000
ROUTE_PROTO = 198
ROUTES_WITHIN = "198.19.0.0/16"
ROUTES_VIA = "198.18.2.2"
RATE_MBPS = 1000
VCPUS = 1
MEMORY_MIB = 256
CGROUP_ROOT = "/sys/fs/cgroup"
CGROUP_CONTROLLERS = ("cpu", "cpuacct", "cpuset", "memory")


class IpBridge(LinuxBridge):
    """Mininet's LinuxBridge (STP off), with iproute2 in place of brctl and ifconfig."""

    def start(self, _controllers):
        self.cmd("ip link add name", self, "type bridge")
        for i in self.intfList():
            if self.name in i.name:
                self.cmd("ip link set dev", i, "master", self)
        self.cmd("ip link set dev", self, "up")

    def stop(self, deleteIntfs=True):
        self.cmd("ip link del dev", self)
        # Skip LinuxBridge.stop (brctl); Switch.stop deletes the ports.
        super(LinuxBridge, self).stop(deleteIntfs)

    def dpctl(self, *args):
        return self.cmd("bridge", *args)

    @classmethod
    def setup(cls):
        for table in "arp", "ip", "ip6":
            out = quietRun("sysctl net.bridge.bridge-nf-call-%stables" % table).strip()
            if out.endswith("1"):
                print("warning: Linux bridge may not work with", out, file=sys.stderr)


class MemCPULimitedHost(CPULimitedHost):
    """CPULimitedHost plus a memory cgroup limit (what vrlab's guests have and Mininet lacks)."""

    def __init__(self, name, memoryMiB=None, **kwargs):
        CPULimitedHost.__init__(self, name, **kwargs)
        self.memoryMiB = memoryMiB
        if memoryMiB:
            errFail("cgcreate -g memory:/%s" % self.name)
            errFail("cgset -r memory.limit_in_bytes=%d /%s" % (memoryMiB * 1024 * 1024, self.name))
            errFail("cgclassify -g memory:/%s %s" % (self.name, self.pid))

    def cleanup(self):
        super().cleanup()
        # `cgdelete -r cpu,cpuacct,cpuset:/NAME` (CPULimitedHost.cgroupDel) removes only the cpu group
        # where each v1 controller has its own hierarchy, as here; remove the rest, as vrlab does.
        for c in CGROUP_CONTROLLERS:
            d = os.path.join(CGROUP_ROOT, c, self.name)
            for _ in range(50):
                if not os.path.isdir(d):
                    break
                try:
                    os.rmdir(d)
                except OSError:
                    time.sleep(0.1)


def route_batch():
    """`ip -batch` input for 1,000 /32 routes, as vrlab's drivers/routes.ts renders rt1k."""
    net = ipaddress.ip_network(ROUTES_WITHIN)
    dests = [str(net.network_address + i) for i in range(ROUTES)]
    return "".join("route replace %s via %s proto %d\n" % (d, ROUTES_VIA, ROUTE_PROTO) for d in dests)


class EmbeddedTopo(Topo):
    """stacks/Pulumi.embedded.yaml's lab."""

    def build(self, prefix="bm"):
        p = prefix
        s_gen = self.addSwitch(p + "gen", cls=IpBridge, dpid="1")
        s_time = self.addSwitch(p + "time", cls=IpBridge, dpid="2")
        server = self.addHost(p + "server", ip="198.18.1.1/24")
        self.addLink(server, s_gen, params1={"ip": "198.18.1.1/24"})
        self.addLink(server, s_time, params1={"ip": "198.18.2.1/24"})
        for i in range(1, 5):
            vr = self.addHost(
                "%svr%d" % (p, i),
                cls=MemCPULimitedHost,
                ip="198.18.1.1%d/24" % i,
                # CPULimitedHost's fraction is of the whole machine: vcpus / cores.
                cpu=VCPUS / numCores(),
                memoryMiB=MEMORY_MIB,
            )
            self.addLink(vr, s_gen, params1={"ip": "198.18.1.1%d/24" % i})
            self.addLink(vr, s_time, params1={"ip": "198.18.2.1%d/24" % i})
        gen = self.addHost(p + "gen0", ip="198.18.1.2/24")
        timer = self.addHost(p + "timer", ip="198.18.2.2/24")
        shaped = {"bw": RATE_MBPS, "use_tbf": True}
        self.addLink(gen, s_gen, cls=TCLink, params1={"ip": "198.18.1.2/24", **shaped}, params2=shaped)
        self.addLink(timer, s_time, cls=TCLink, params1={"ip": "198.18.2.2/24", **shaped}, params2=shaped)


def routers(net, prefix):
    return [net[prefix + "vr%d" % i] for i in range(1, 5)]


def configure(net, prefix, batch_path):
    """What vrlab does beyond links and addresses: forwarding on server and routers, the route tables."""
    for h in [net[prefix + "server"], *routers(net, prefix)]:
        h.cmd("sysctl -qw net.ipv4.ip_forward=1")
    for h in routers(net, prefix):
        out = h.cmd("ip -batch", batch_path)
        if out.strip():
            raise RuntimeError("%s: ip -batch: %s" % (h.name, out.strip()))


def check_up(net, prefix):
    """Outside the clock: addresses, forwarding, routes and shaping are what the stack asks for."""
    want = {
        prefix + "server": {"198.18.1.1/24", "198.18.2.1/24"},
        prefix + "gen0": {"198.18.1.2/24"},
        prefix + "timer": {"198.18.2.2/24"},
    }
    for i in range(1, 5):
        want[prefix + "vr%d" % i] = {"198.18.1.1%d/24" % i, "198.18.2.1%d/24" % i}
    for name, addrs in want.items():
        h = net[name]
        got = set(re.findall(r"inet (\S+)", h.cmd("ip -4 -o addr show scope global")))
        if got != addrs:
            raise RuntimeError("%s: addresses %s, want %s" % (name, sorted(got), sorted(addrs)))
    for h in [net[prefix + "server"], *routers(net, prefix)]:
        if h.cmd("cat /proc/sys/net/ipv4/ip_forward").strip() != "1":
            raise RuntimeError("%s: ip_forward is not 1" % h.name)
    for h in routers(net, prefix):
        n = int(h.cmd("ip route show proto %d | wc -l" % ROUTE_PROTO).strip())
        if n != ROUTES:
            raise RuntimeError("%s: %d routes, want %d" % (h.name, n, ROUTES))
        cpu = os.path.join(CGROUP_ROOT, "cpu", h.name)
        with open(os.path.join(cpu, "cpu.cfs_quota_us")) as f:
            quota = int(f.read())
        if quota != VCPUS * 100000:
            raise RuntimeError("%s: cpu quota %d" % (h.name, quota))
        with open(os.path.join(CGROUP_ROOT, "memory", h.name, "memory.limit_in_bytes")) as f:
            limit = int(f.read())
        if limit != MEMORY_MIB * 1024 * 1024:
            raise RuntimeError("%s: memory limit %d" % (h.name, limit))
    for name in (prefix + "gen0", prefix + "timer"):
        for intf in net[name].intf(), net[name].intf().link.intf2:
            qd = intf.node.cmd("tc qdisc show dev", intf)
            if "qdisc tbf" not in qd or "rate 1Gbit" not in qd:
                raise RuntimeError("%s: not shaped: %s" % (intf, qd.strip()))
    for s in (prefix + "gen", prefix + "time"):
        ports = quietRun("ip -o link show master %s" % s).strip().splitlines()
        if len(ports) != 6:
            raise RuntimeError("%s: %d ports, want 6" % (s, len(ports)))


def own_links(prefix):
    out = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=True).stdout
    names = [m.split("@")[0] for m in re.findall(r"^\d+: (\S+):", out, re.M)]
    return [n for n in names if n.startswith(prefix)]


def own_cgroups(prefix):
    found = []
    for c in CGROUP_CONTROLLERS:
        d = os.path.join(CGROUP_ROOT, c)
        if os.path.isdir(d):
            found += [os.path.join(d, n) for n in os.listdir(d) if n.startswith(prefix)]
    return found


def check_down(net, prefix):
    """After net.stop(): nothing of ours is left. Removes strays by exact name, then fails."""
    left = []
    for n in own_links(prefix):
        left.append("link " + n)
        subprocess.run(["ip", "link", "del", "dev", n], capture_output=True)
    for d in own_cgroups(prefix):
        left.append("cgroup " + d)
        try:
            os.rmdir(d)
        except OSError:
            pass
    for node in net.hosts + net.switches:
        if not node.shell:
            continue
        try:
            node.shell.wait(timeout=5)
        except subprocess.TimeoutExpired:
            left.append("shell of " + node.name)
            node.shell.kill()
    if left:
        raise RuntimeError("left after net.stop(): " + ", ".join(left))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("reps", nargs="?", type=int, default=3)
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("mininet_topo.py: Mininet needs root")
    # JSON alone on stdout: anything Mininet or a child prints goes to stderr.
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    setLogLevel("warning")
    # Mininet.init() would run fixLimits() (global sysctls); CPULimitedHost.init() would run
    # mountCgroups(), which mounts a second cpuset hierarchy on this layout. Neither is needed here.
    Mininet.inited = True
    CPULimitedHost.inited = True

    prefix = "bm%02x" % (os.getpid() % 256)
    clash = own_links(prefix) + own_cgroups(prefix)
    if clash:
        sys.exit("mininet_topo.py: names with prefix %s already exist: %s" % (prefix, clash))

    up_s, down_s = [], []
    with tempfile.TemporaryDirectory(prefix="vrlab-mn-") as tmp:
        batch_path = os.path.join(tmp, "rt1k.batch")
        with open(batch_path, "w") as f:
            f.write(route_batch())
        for rep in range(args.reps):
            net = Mininet(
                topo=EmbeddedTopo(prefix=prefix),
                switch=IpBridge,
                host=Host,
                controller=None,
                link=TCLink,
                autoSetMacs=True,
                ipBase="198.18.0.0/15",
                build=False,
            )
            stopped = False
            try:
                t0 = time.monotonic()
                net.build()
                net.start()
                configure(net, prefix, batch_path)
                up_s.append(time.monotonic() - t0)
                check_up(net, prefix)
                t0 = time.monotonic()
                net.stop()
                down_s.append(time.monotonic() - t0)
                stopped = True
            finally:
                if not stopped:
                    net.stop()
                check_down(net, prefix)
            print("rep %d: up %.3f s, down %.3f s" % (rep + 1, up_s[-1], down_s[-1]), file=sys.stderr)

    info = {
        "up_s": up_s,
        "down_s": down_s,
        "tool": "mininet " + quietRun("dpkg-query -W -f=${Version} mininet").strip(),
        "python": sys.version.split()[0],
        "switch": "LinuxBridge (iproute2)",
        "hosts": 7,
        "routesPerRouter": ROUTES,
    }
    out.write(json.dumps(info) + "\n")
    out.flush()


if __name__ == "__main__":
    main()
