// What `scripts/vrlab destroy` says is left of a stack (cli/destroyed.ts), from its state and a leak scan.
import { describe as left, isRemote, leftInState, trimmed } from "../../cli/destroyed";

const res = (type: string, name: string): { type: string; urn: string } => ({
  type,
  urn: `urn:pulumi:s::vrlab::vrlab:lab:Testbed$${type}::${name}`,
});
const NS = "pulumi-nodejs:dynamic/vrlab/netns:Namespace";

test("the root stack and the providers do not count as left", () => {
  const d = {
    resources: [
      res("pulumi:pulumi:Stack", "vrlab-s"),
      res("pulumi:providers:pulumi-nodejs", "default"),
      res(NS, "lab-vr1-ns"),
    ],
  };
  expect(leftInState(d).resources.map((r) => r.urn.split("::").pop())).toEqual(["lab-vr1-ns"]);
  expect(leftInState({}).resources).toEqual([]);
});

test("an empty stack with nothing on this machine has nothing to say", () => {
  expect(left("vrlab-s", { resources: [], pending: [], objects: [] }, false)).toEqual([]);
});

test("says how many resources of which kinds are left, naming a few", () => {
  const resources = [
    ...Array.from({ length: 9 }, (_, i) => res(NS, `lab-vr${i}-ns`)),
    res("vrlab:lab:Guest", "lab-vr1"),
  ];
  const [line] = left("vrlab-s", { resources, pending: [], objects: [] }, false);
  expect(line).toBe(
    "10 resources left in the stack (9 netns:Namespace, 1 lab:Guest): lab-vr0-ns, lab-vr1-ns, " +
      "lab-vr2-ns, lab-vr3-ns, lab-vr4-ns, lab-vr5-ns, lab-vr6-ns, lab-vr7-ns and 2 more",
  );
});

test("names the operations in flight and the kernel objects found, and whether the scan was local only", () => {
  const lines = left(
    "vrlab-s",
    {
      resources: [],
      pending: [{ type: "deleting", resource: res(NS, "lab-vr3-ns") }],
      objects: ["netns vabcdefgh-vr3"],
    },
    true,
  );
  expect(lines).toEqual([
    "1 operation(s) in flight when the CLI stopped: deleting lab-vr3-ns",
    "1 kernel object(s) of vrlab-s left on this machine (the lab's server is remote: not scanned): netns vabcdefgh-vr3",
  ]);
});

test("a lab is remote when its plan has no server namespace here", () => {
  expect(isRemote('{"serverNs": "vabcdefgh-server"}')).toBe(false);
  expect(isRemote('{"owner": "vrlab-xen"}')).toBe(true);
  expect(isRemote("")).toBe(false); // no lab output: scan this machine
});

test("trimmed lists a few and counts the rest", () => {
  expect(trimmed(["a", "b", "c"], 2)).toBe("a, b and 1 more");
  expect(trimmed(["a"], 2)).toBe("a");
});
