// The generator's randomness and its model of a real table. A seeded PRNG of 32-bit integer
// arithmetic only (xoshiro128**, seeded through splitmix32), so a seed gives the same table on every
// machine and Node version; Math.random could not.

export class Rng {
  private s: Uint32Array;

  constructor(seed: number) {
    let x = seed >>> 0;
    const split = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      return mix(x);
    };
    this.s = Uint32Array.from([split(), split(), split(), split()]);
  }

  /** The next 32-bit unsigned integer. */
  next(): number {
    const s = this.s;
    const out = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return out;
  }

  /** Uniform in [0, n), n ≤ 2^32 (the modulo bias is below 2^-20 for the n used here). */
  below(n: number): number {
    return n <= 1 ? 0 : Math.floor((this.next() / 2 ** 32) * n);
  }
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

/** A 32-bit integer hash (murmur3's finalizer): equal inputs, equal outputs, on every machine. */
export function mix(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Prefix lengths of the global IPv4 BGP table, per 10,000 routes, rounded from the public
 * distribution reports of 2024 (bgp.potaroo.net, CIDR Report): about 60% /24, a fifth /22–/23,
 * most of the rest /16–/21, a few shorter, none longer than /24 (operators filter them).
 */
export const LENGTH_MIX: readonly (readonly [number, number])[] = [
  [24, 6000],
  [23, 950],
  [22, 1150],
  [21, 480],
  [20, 490],
  [19, 300],
  [18, 130],
  [17, 90],
  [16, 240],
  [15, 25],
  [14, 20],
  [13, 12],
  [12, 6],
  [11, 3],
  [10, 2],
  [9, 1],
  [8, 1],
];

export function pickWeighted(rng: Rng, mix: readonly (readonly [number, number])[]): number {
  const total = mix.reduce((n, [, w]) => n + w, 0);
  let r = rng.below(total);
  for (const [value, w] of mix) {
    if (r < w) return value;
    r -= w;
  }
  return mix[mix.length - 1][0];
}

/**
 * Space a real table does not route publicly (RFC 6890 special-purpose blocks), besides the lab
 * range, which the generator keeps for its lab destinations only.
 */
export const PUBLIC_EXCLUDED: readonly string[] = [
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.0.2.0/24",
  "192.168.0.0/16",
  "198.51.100.0/24",
  "203.0.113.0/24",
];
