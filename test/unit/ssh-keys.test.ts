import { signalExitCode } from "../../remote/local";
import { fingerprintOf, parseHostKey } from "../../remote/ssh";

// Keys and fingerprints as printed by `ssh-keygen -lf` (OpenSSH 9.2).
const ED = "AAAAC3NzaC1lZDI1NTE5AAAAINhk/fWo/NCTdycdL3SjwGqfnEcKzcynu40HIU/V4GVd";
const ED_FP = "SHA256:yL7cT7flU+S0i2ldR3Z8vNY0/h0rwdlOAcIVEX1lTEE";
const EC =
  "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBIYc2af5EUekYmJKn1VQs/7AkspXVZrYGxL8Goj8Hd0OtjBkb4WyiIEj+k1AkZwudk4EV8Xcs2UHc6wvqCoElIc=";
const EC_FP = "SHA256:rZ8FMo1yXZZp8N8/rDaPq6VskRlgDcA6EMkf4pndiqI";

describe("fingerprintOf", () => {
  it("matches ssh-keygen -lf", () => {
    expect(fingerprintOf(Buffer.from(ED, "base64"))).toBe(ED_FP);
    expect(fingerprintOf(Buffer.from(EC, "base64"))).toBe(EC_FP);
  });

  it("has no base64 padding", () => {
    expect(fingerprintOf(Buffer.alloc(0))).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});

describe("parseHostKey", () => {
  it.each([
    [`ssh-ed25519 ${ED}`, ED_FP, "ssh-ed25519"],
    [`ssh-ed25519 ${ED} root@r1 with spaces`, ED_FP, "ssh-ed25519"],
    [`  198.18.0.10 ssh-ed25519 ${ED}\n`, ED_FP, "ssh-ed25519"], // ssh-keyscan / known_hosts line
    [`ecdsa-sha2-nistp256 ${EC} c`, EC_FP, "ecdsa-sha2-nistp256"],
  ])("reads the key line %j", (text, fingerprint, keyType) => {
    expect(parseHostKey(text)).toEqual({ fingerprint, keyType });
  });

  it.each([ED_FP, `${ED_FP}=`, ` ${ED_FP}\n`])("reads the fingerprint %j", (text) => {
    expect(parseHostKey(text)).toEqual({ fingerprint: ED_FP });
  });

  it.each([
    "",
    "   ",
    "SHA256:short",
    `MD5:${ED_FP.slice(7)}`,
    ED, // key data without a type
    `ssh-dss ${ED}`, // unsupported type
    `ssh-rsa ${ED}`, // label disagrees with the blob
    `ssh-ed25519 ${ED.slice(0, 20)}`, // truncated blob
    "ssh-ed25519 not*base64",
    "ssh-ed25519",
    `@cert-authority * ssh-ed25519 ${ED}`,
  ])("rejects %j", (text) => {
    expect(() => parseHostKey(text)).toThrow(/hostKey/);
  });
});

describe("signalExitCode", () => {
  it("follows the shell's 128 + n convention", () => {
    expect(signalExitCode("SIGKILL")).toBe(137);
    expect(signalExitCode("SIGTERM")).toBe(143);
  });

  it("is -1 for no or an unknown signal", () => {
    expect(signalExitCode(null)).toBe(-1);
    expect(signalExitCode(undefined)).toBe(-1);
    expect(signalExitCode("SIGBOGUS")).toBe(-1);
  });
});
