// Kernel names of stack-owned objects. Every one starts with `v<tag>`, the tag being 40 bits of a
// hash of the owner `<project>-<stack>`: among 5,000 stacks on one host the odds that any two share
// a tag are about 1 in 100,000, and even then each object's owner record (drivers/owner.ts) makes
// the second stack refuse rather than adopt. Interface names must fit Linux's 15 bytes (IFNAMSIZ 16,
// with the NUL); namespace and cgroup names need not.
import { createHash } from "node:crypto";

export const IFNAMSIZ = 15;
/** Characters of the owner tag (base32, 5 bits each). */
export const TAG_CHARS = 8;
const HASH_CHARS = IFNAMSIZ - 1 - TAG_CHARS; // what an interface name has left after `v<tag>`
const B32 = "abcdefghijklmnopqrstuvwxyz234567";

/** `chars` base32 characters (lowercase, so valid in interface names) of SHA-256 of `text`. */
export function base32Hash(text: string, chars: number): string {
  const digest = createHash("sha256").update(text).digest();
  let out = "";
  for (let i = 0; i < chars; i++) {
    const bit = i * 5;
    const word = (digest[bit >> 3] << 8) | digest[(bit >> 3) + 1];
    out += B32[(word >> (11 - (bit & 7))) & 31];
  }
  return out;
}

/** The owner's tag: eight base32 characters of a hash of `<project>-<stack>`. */
export function ownerTag(owner: string): string {
  return base32Hash(owner, TAG_CHARS);
}

/** What every kernel object a stack owns is named with first: `v<tag>`. Leak scans look for it. */
export function ownedPrefix(owner: string): string {
  return `v${ownerTag(owner)}`;
}

/** A namespace or cgroup: `v<tag>-<name>`, any length a schema name has. */
export function kernelName(owner: string, name: string): string {
  return `${ownedPrefix(owner)}-${name}`;
}

/**
 * An interface (a bridge): `v<tag>-<name>` when that fits 15 bytes, otherwise `v<tag>` and a hash of
 * the name (no dash, so the two forms never meet). The link's alias records its owner and name.
 */
export function ifaceName(owner: string, name: string): string {
  const plain = kernelName(owner, name);
  return plain.length <= IFNAMSIZ ? plain : `${ownedPrefix(owner)}${base32Hash(`iface:${name}`, HASH_CHARS)}`;
}

/** A veth end on the server's side, for NIC `ifname` of machine `of`: `v<tag>` and a hash, 15 bytes. */
export function hostEndName(owner: string, of: string, ifname: string): string {
  return `${ownedPrefix(owner)}${base32Hash(`port:${of}/${ifname}`, HASH_CHARS)}`;
}
