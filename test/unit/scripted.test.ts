// Scripted's diff: what replaces a lab object, what updates it, and what changes nothing at all.
import { scriptedDiff, type ScriptedState } from "../../drivers/scriptedProvider";
import { resolveCredentials } from "../../drivers/secrets";

const KEY_LINE = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
const base: ScriptedState = {
  target: { kind: "ssh", host: "198.18.0.10", port: 22, user: "root", hostKey: KEY_LINE, dialTimeoutS: 5 },
  auth: { privateKey: "vrlab:serverKey" },
  kind: "netns:Namespace",
  params: { ns: "vabcdefgh-vr1", forwarding: true, owner: "vrlab-x" },
  observed: { present: "1", lo: "1", forwarding: "1" },
};
const diff = (change: (s: ScriptedState) => void) => {
  const news = structuredClone(base);
  change(news);
  delete news.observed;
  return scriptedDiff(base, news);
};
const ssh = (s: ScriptedState) => s.target as Extract<ScriptedState["target"], { kind: "ssh" }>;

describe("Scripted.diff", () => {
  test("nothing changed: no change", () => {
    expect(diff(() => undefined)).toEqual({ replaces: [], changes: false, rerun: false });
  });

  test("a host key written as known_hosts, ssh-keyscan or fingerprint is the same key: no change", () => {
    expect(diff((s) => (ssh(s).hostKey = `198.18.0.10 ${KEY_LINE}`)).changes).toBe(false);
    expect(diff((s) => (ssh(s).hostKey = `${KEY_LINE} root@lab`)).changes).toBe(false);
  });

  test("connection settings update in place, without re-running any script", () => {
    for (const change of [
      (s: ScriptedState) => (ssh(s).dialTimeoutS = 30),
      (s: ScriptedState) => (ssh(s).user = "lab"),
      (s: ScriptedState) => (ssh(s).hostKey = "SHA256:" + "A".repeat(43)),
      (s: ScriptedState) => (s.auth = { privateKey: "vrlab:newKey" }),
    ]) {
      expect(diff(change)).toEqual({ replaces: [], changes: true, rerun: false });
    }
  });

  test("another host, port or kernel identity replaces the object", () => {
    expect(diff((s) => (ssh(s).host = "198.18.0.11")).replaces).toEqual(["target"]);
    expect(diff((s) => (ssh(s).port = 2222)).replaces).toEqual(["target"]);
    expect(diff((s) => (s.params.ns = "vabcdefgh-vr2")).replaces).toEqual(["params.ns"]);
  });

  test("new params, or drift seen by refresh, re-run apply without replacing", () => {
    expect(diff((s) => (s.params.forwarding = false))).toEqual({ replaces: [], changes: true, rerun: true });
    const drifted = scriptedDiff({ ...base, observed: { present: "1", lo: "1", forwarding: "0" } }, base);
    expect(drifted).toEqual({ replaces: [], changes: true, rerun: true });
  });
});

describe("credentials by reference", () => {
  const config = (values: Record<string, string>) => ({ config: { get: (k: string) => values[k] } });

  test("are read from the provider's config when used", () => {
    expect(
      resolveCredentials({ privateKey: "vrlab:serverKey" }, config({ "vrlab:serverKey": "KEY" })),
    ).toEqual({
      privateKey: "KEY",
    });
    expect(resolveCredentials(undefined, config({}))).toEqual({});
  });

  test("a secret that is not set names its key and how to set it", () => {
    expect(() => resolveCredentials({ password: "vrlab:serverPassword" }, config({}))).toThrow(
      "vrlab:serverPassword is not set in the stack's config: scripts/vrlab pulumi config set --secret vrlab:serverPassword",
    );
  });
});
