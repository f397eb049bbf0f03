// The only way a config value may reach a remote shell command. Values are checked against a named
// allow-list (a bad experiment config fails early, naming where the value came from), then single-quoted
// (a value the list wrongly admitted still stays one inert word); `sh` takes only SafeArgs minted here.

/** A config value that may not reach a shell command. */
export class UnsafeValueError extends Error {
  constructor(
    readonly kind: string,
    readonly value: unknown,
    readonly reason: string,
    readonly path?: string,
  ) {
    super(`unsafe ${kind} value ${show(value)}${path === undefined ? "" : ` at ${path}`}: ${reason}`);
    this.name = "UnsafeValueError";
  }
}

// JSON.stringify makes control characters visible; non-ASCII is escaped too, because e.g. U+202E would
// visually reorder the rest of the message in a terminal. Long values are cut so logs stay readable.
function show(value: unknown): string {
  if (typeof value === "object" || typeof value === "function" || typeof value === "symbol") {
    return value === null ? "null" : `<${typeof value}>`;
  }
  if (typeof value !== "string") return String(value); // strings are always quoted, so this is unambiguous
  const quoted = JSON.stringify(value.slice(0, 80)).replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return value.length > 80 ? `${quoted}...` : quoted;
}

const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)"; // 0-255, no leading zeros
const IPV4 = `${OCTET}(?:\\.${OCTET}){3}`;
const LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"; // DNS label; an all-digit label also covers ipv4

// Frozen regexes as well as a frozen table: RegExp#test calls the instance's own `exec`, and compile()
// rewrites a regex in place, so either would otherwise let other code widen an allow-list.
const re = (source: string): RegExp => Object.freeze(new RegExp(`^(?:${source})$`));

/** Named allow-lists. None admits a leading '-', whitespace, quotes or any shell metacharacter. */
export const ALLOW = Object.freeze({
  name: re("[a-z][a-z0-9-]{0,30}"), // guests, bridges, tables
  ifname: re("[a-zA-Z][a-zA-Z0-9_.-]{0,14}"), // Linux IFNAMSIZ: 15 bytes + NUL
  netns: re("[a-zA-Z][a-zA-Z0-9_.-]{0,62}"), // a namespace or cgroup: a file name, not an interface
  ipv4: re(IPV4),
  ipv4cidr: re(`${IPV4}/(?:3[0-2]|[12]?\\d)`),
  hostname: re(`${LABEL}(?:\\.${LABEL})*`), // total length (<= 253) is checked in check()
  user: re("[a-z_][a-z0-9_-]{0,31}"), // POSIX portable user name
  path: re("/[A-Za-z0-9._/-]{0,255}"), // absolute; '..' segments are rejected in check()
  uint: re("0|[1-9]\\d{0,15}"), // up to 2^53 - 1 (checked in check()): 16 TiB of memory in bytes fits
  owner: re("[A-Za-z0-9][A-Za-z0-9._-]{0,99}"), // `<project>-<stack>`, as Pulumi allows them
});
export type AllowKind = keyof typeof ALLOW;

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const DOTDOT_SEGMENT = /(?:^|\/)\.\.(?:\/|$)/;

/** Returns `value` as a string if it is allowed as `kind`; else throws UnsafeValueError. */
export function check(kind: AllowKind, value: unknown, path?: string): string {
  if (!Object.hasOwn(ALLOW, kind)) throw new TypeError(`unknown allow-list kind ${String(kind)}`);
  const fail = (reason: string) => new UnsafeValueError(kind, value, reason, path);
  let s: string;
  if (typeof value === "string") s = value;
  else if (kind !== "uint") throw fail("expected a string");
  else if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) s = String(value);
  else throw fail("expected a string or a non-negative safe integer");
  // Checked apart from the regexes so that no future allow-list edit can admit control, bidi or
  // non-ASCII characters (JS regex classes and \d/\w are easy to widen by mistake).
  if (!PRINTABLE_ASCII.test(s)) throw fail("contains non-printable or non-ASCII characters");
  if (kind === "hostname" && s.length > 253) throw fail("must be at most 253 characters");
  if (!ALLOW[kind].test(s)) throw fail(`must match ${String(ALLOW[kind])}`);
  if (kind === "path" && DOTDOT_SEGMENT.test(s)) throw fail("must not contain a '..' segment");
  if (kind === "uint" && Number(s) > Number.MAX_SAFE_INTEGER) throw fail("must be at most 2^53 - 1");
  return s;
}

/** POSIX single-quoting: nothing is special inside '...', and ' itself is written '\''. */
export function quote(s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`;
}

const MINT = Symbol("SafeArg.mint"); // not exported: only arg() and raw() can make a SafeArg

/** Shell text that may be spliced into `sh`: a checked, quoted value or a vetted constant. */
export class SafeArg {
  readonly #text: string;
  constructor(mint: typeof MINT, text: string) {
    if (mint !== MINT) throw new TypeError("a SafeArg can only be made by arg() or raw()");
    this.#text = text;
    Object.freeze(this);
  }
  toString(): string {
    return this.#text;
  }
  // A private-field brand: unlike instanceof, Object.create(SafeArg.prototype) does not pass it.
  static is(v: unknown): v is SafeArg {
    return typeof v === "object" && v !== null && #text in v;
  }
}

/** check() then quote(): the value becomes exactly one shell word. */
export function arg(kind: AllowKind, value: unknown, path?: string): SafeArg {
  return new SafeArg(MINT, quote(check(kind, value, path)));
}

const RAW = /^[A-Za-z0-9_./=:,+-]+$/;

/** A trusted constant (flag, keyword) spliced unquoted. The type refuses non-literal strings. */
export function raw<S extends string>(literal: string extends S ? never : S): SafeArg {
  if (typeof literal !== "string" || !RAW.test(literal)) {
    throw new UnsafeValueError("raw", literal, `must match ${String(RAW)}`);
  }
  return new SafeArg(MINT, literal);
}

/** Tagged template for shell commands: literal parts are trusted code, every ${} must be a SafeArg. */
export function sh(strings: TemplateStringsArray, ...values: readonly SafeArg[]): string {
  // A cooked part is undefined when the template has an invalid escape such as \x; refuse to guess.
  if (strings.some((p) => p === undefined)) throw new TypeError("sh: invalid escape in a literal part");
  return values.reduce<string>((out, v, i) => {
    if (!SafeArg.is(v)) {
      const after = JSON.stringify(strings.raw[i].slice(-30));
      throw new TypeError(`sh: interpolation #${i + 1} (after ${after}) is a ${typeof v}, not a SafeArg`);
    }
    return out + v.toString() + strings[i + 1];
  }, strings[0]);
}
