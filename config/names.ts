// Kernel names of stack-owned objects. They carry the owner (a short hash of project and stack),
// and must fit Linux's 15-byte interface-name limit (IFNAMSIZ 16, with the NUL).
import { createHash } from "node:crypto";

export const IFNAMSIZ = 15;

/** Four hex digits naming the owner `<project>-<stack>` in kernel object names. */
export function ownerTag(owner: string): string {
  return createHash("sha256").update(owner).digest("hex").slice(0, 4);
}

/** `v<tag>-<name>`: the name a stack-owned bridge, namespace or link gets on a host. */
export function kernelName(owner: string, name: string): string {
  return `v${ownerTag(owner)}-${name}`;
}

/** The longest user-given name that still fits once prefixed by kernelName. */
export const MAX_OWNED_NAME = IFNAMSIZ - "vxxxx-".length;
