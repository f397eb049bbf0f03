// IPv4 arithmetic for address plans. Inputs are already schema-checked dotted quads.

export const LAB_RANGE = "198.18.0.0/15"; // RFC 2544's range for benchmarking network devices

export interface Prefix {
  net: number; // network address as an unsigned 32-bit number
  len: number;
}

export function ipToInt(ip: string): number {
  return ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

/** `198.18.1.7/24` → the address and its subnet. */
export function parseCidr(cidr: string): { addr: number; prefix: Prefix } {
  const [ip, lenText] = cidr.split("/");
  const len = Number(lenText ?? 32);
  const addr = ipToInt(ip);
  const size = 2 ** (32 - len);
  return { addr, prefix: { net: Math.floor(addr / size) * size, len } };
}

export function prefixSize(p: Prefix): number {
  return 2 ** (32 - p.len);
}

export function overlaps(a: Prefix, b: Prefix): boolean {
  return a.net < b.net + prefixSize(b) && b.net < a.net + prefixSize(a);
}

export function contains(outer: Prefix, inner: Prefix): boolean {
  return (
    inner.len >= outer.len &&
    inner.net >= outer.net &&
    inner.net + prefixSize(inner) <= outer.net + prefixSize(outer)
  );
}

export function formatPrefix(p: Prefix): string {
  return `${intToIp(p.net)}/${p.len}`;
}

export const LAB_PREFIX: Prefix = parseCidr(LAB_RANGE).prefix;
