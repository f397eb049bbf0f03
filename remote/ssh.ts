// Runs a script over SSH (ssh2). Host keys are always verified against the target's pinned key;
// credentials are used for authentication only and never appear in a message.
import { createHash } from "node:crypto";
import { Client, ClientChannel, ConnectConfig, ServerHostKeyAlgorithm } from "ssh2";
import { signalExitCode } from "./local";
import {
  Credentials,
  DEFAULT_TIMEOUT_MS,
  RemoteError,
  RunOptions,
  RunResult,
  Target,
  describeTarget,
  remoteError,
  tailOf,
} from "./types";

export type SshTarget = Extract<Target, { kind: "ssh" }>;

/** A pinned host key: always its fingerprint; the key type too when given as a public key line. */
export interface HostKey {
  fingerprint: string;
  keyType?: string;
}

const DIAL_ATTEMPTS = 3;
const RETRY_DELAY_MS = 1_000;
// Errors that mean "nothing answered (yet)": worth another dial. Key mismatches and auth are final.
const RETRYABLE = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN)$/;
const KEY_TYPE = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521))$/;

/** OpenSSH's fingerprint of a public key blob (as `ssh-keygen -lf` prints it): SHA256, base64, no padding. */
export function fingerprintOf(publicKeyBlob: Buffer): string {
  return `SHA256:${createHash("sha256").update(publicKeyBlob).digest("base64").replace(/=+$/, "")}`;
}

/**
 * Parses a pinned host key: `SHA256:<43 base64 chars>`, a public key line `ssh-ed25519 AAAA... [comment]`,
 * or a known_hosts / ssh-keyscan line with the host name in front. Throws a plain Error if malformed.
 */
export function parseHostKey(text: string): HostKey {
  const t = text.trim();
  const fp = /^SHA256:([A-Za-z0-9+/]{43})=?$/.exec(t);
  if (fp) return { fingerprint: `SHA256:${fp[1]}` };
  const fields = t.split(/\s+/);
  const i = KEY_TYPE.test(fields[0]) ? 0 : KEY_TYPE.test(fields[1] ?? "") ? 1 : -1;
  const b64 = fields[i + 1] ?? "";
  const shown = t.length > 60 ? `${t.slice(0, 60)}...` : t;
  if (i < 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) {
    throw new Error(`hostKey is neither \`SHA256:...\` nor a \`ssh-ed25519 AAAA...\` key line: "${shown}"`);
  }
  const blob = Buffer.from(b64, "base64");
  // The blob is SSH strings (type, then key material) that must fill it exactly, and it names its own
  // type: a truncated paste or a line whose label disagrees with its data is refused here.
  const parts: string[] = [];
  let at = 0;
  while (at + 4 <= blob.length) {
    const len = blob.readUInt32BE(at);
    parts.push(blob.subarray(at + 4, at + 4 + len).toString("latin1"));
    at += 4 + len;
  }
  if (at !== blob.length || parts.length < 2 || parts[0] !== fields[i]) {
    throw new Error(`hostKey's key data is truncated or not a ${fields[i]} key: "${shown}"`);
  }
  return { fingerprint: fingerprintOf(blob), keyType: fields[i] };
}

/** Replaces any credential text in a message (defence in depth: library errors should not echo them). */
function redact(message: string, creds: Credentials): string {
  const secrets = [creds.privateKey, creds.password].filter((s): s is string => !!s && s.length >= 4);
  return secrets.reduce((m, s) => m.split(s).join("<redacted>"), message);
}

/** A failed dial attempt: a plain object, since remote/ defines no Error subclasses. */
interface DialFailure {
  message: string;
  retryable: boolean;
}

function dialOnce(t: SshTarget, creds: Credentials, expected: HostKey): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let presented: string | undefined;
    let settled = false;
    // Declared before `done` uses it: Pulumi's closure serializer cannot follow a later `const`.
    let guard: ReturnType<typeof setTimeout> | undefined = undefined;
    const done = (failure?: DialFailure) => {
      if (settled) return;
      settled = true;
      clearTimeout(guard);
      if (!failure) return resolve(client);
      client.destroy();
      reject(failure);
    };
    // readyTimeout covers connect + handshake + auth; this guard only catches what it might miss.
    guard = setTimeout(
      () => done({ message: `no answer within ${t.dialTimeoutS} s`, retryable: true }),
      t.dialTimeoutS * 1000 + 2_000,
    );
    client.on("ready", () => done());
    client.on("close", () => done({ message: "connection closed during handshake", retryable: true }));
    client.on("error", (e: Error & { code?: string; level?: string }) => {
      if (presented !== undefined) {
        return done({
          message:
            `HOST KEY MISMATCH: expected ${expected.fingerprint}, server presented ${presented}; refused, ` +
            `nothing was run. If the host was legitimately re-keyed, check the new key out of band and update ` +
            `hostKey (e.g. \`ssh-keyscan -p ${t.port} ${t.host}\`); otherwise the connection may be intercepted.`,
          retryable: false,
        });
      }
      if (e.level === "client-authentication") {
        return done({ message: `authentication as ${t.user} failed (${e.message})`, retryable: false });
      }
      if (e.level === "client-timeout") {
        return done({ message: `no SSH handshake within ${t.dialTimeoutS} s`, retryable: true });
      }
      done({ message: e.message, retryable: RETRYABLE.test(e.code ?? "") });
    });
    const config: ConnectConfig = {
      host: t.host,
      port: t.port,
      username: t.user,
      privateKey: creds.privateKey,
      password: creds.password,
      readyTimeout: t.dialTimeoutS * 1000,
      tryKeyboard: false,
      hostVerifier: (key: Buffer) => {
        const fp = fingerprintOf(key);
        if (fp === expected.fingerprint) return true;
        presented = fp;
        return false;
      },
    };
    // Ask for the pinned key's type, so a server with several host keys presents the one we know.
    if (expected.keyType) {
      const rsa: ServerHostKeyAlgorithm[] = ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"];
      const algs = expected.keyType === "ssh-rsa" ? rsa : [expected.keyType as ServerHostKeyAlgorithm];
      config.algorithms = { serverHostKey: algs };
    }
    try {
      client.connect(config);
    } catch (e) {
      done({ message: (e as Error).message, retryable: false }); // e.g. an unparsable private key
    }
  });
}

async function dial(t: SshTarget, creds: Credentials, expected: HostKey, fail: Fail): Promise<Client> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await dialOnce(t, creds, expected);
    } catch (e) {
      const f = e as DialFailure;
      if (!f.retryable || attempt >= DIAL_ATTEMPTS) {
        throw fail(attempt > 1 ? `${f.message} (after ${attempt} attempts)` : f.message);
      }
      process.stderr.write(
        `vrlab: ${describeTarget(t)} attempt ${attempt + 1}/${DIAL_ATTEMPTS}: ${redact(f.message, creds)}\n`,
      );
      // Jittered, so sessions refused together do not come back together.
      await new Promise((r) => setTimeout(r, RETRY_DELAY_MS * (1 + Math.random())));
    }
  }
}

const utf8 = (chunks: Buffer[]) => Buffer.concat(chunks).toString("utf8");

type Fail = (why: string, code?: number, tail?: string) => RemoteError;

function execScript(client: Client, script: string, opts: RunOptions, fail: Fail): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const text = () => ({ stdout: utf8(out), stderr: utf8(err) });
    let channel: ClientChannel | undefined;
    let code = -1;
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined = undefined; // see dialOnce on declaration order
    const finish = (why?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const r = text();
      if (why === undefined) resolve({ code, ...r });
      else reject(fail(why, -1, tailOf(r.stdout, r.stderr)));
    };
    timer = setTimeout(() => {
      channel?.close();
      finish(`timed out after ${timeoutMs / 1000} s`);
    }, timeoutMs);
    client.on("error", (e) => finish(`connection lost: ${e.message}`));
    client.on("close", () => finish("connection closed before the script finished"));
    const onChannel = (e: Error | undefined, ch: ClientChannel) => {
      if (e) return finish(`exec refused: ${e.message}`);
      channel = ch;
      // exit-status gives the code; exit-signal (code null) maps to 128 + signal number, or -1.
      ch.on("exit", (c: number | null, signal?: string) => {
        code = c ?? signalExitCode(signal);
      });
      ch.on("data", (b: Buffer) => out.push(b));
      ch.stderr.on("data", (b: Buffer) => err.push(b));
      ch.on("close", () => finish());
      ch.end(opts.stdin ?? "");
    };
    try {
      client.exec(script, onChannel);
    } catch (e) {
      finish(`exec failed: ${(e as Error).message}`); // the connection dropped right after auth
    }
  });
}

/**
 * Runs `script` via SSH exec (through the login shell of target.user) and resolves with its exit status
 * and output; a non-zero exit is a result, not an error. Exit by signal gives 128 + n (or -1 if the
 * signal is unknown), as a shell would. Rejects, naming the host, if the host key is missing or does
 * not match, the dial fails after DIAL_ATTEMPTS tries (each bounded by dialTimeoutS), authentication
 * fails, or the script outlives opts.timeoutMs.
 *
 * On timeout the channel is closed: the script loses its pipes (SIGPIPE on its next write) but is not
 * killed. A "signal" request would not help: ssh2 drops it once stdin is ended, and OpenSSH refuses it
 * in root sessions anyway. Scripts that may hang should bound themselves (e.g. `timeout 60 cmd`).
 */
export async function runSsh(
  target: SshTarget,
  creds: Credentials,
  script: string,
  opts: RunOptions = {},
): Promise<RunResult> {
  const fail: Fail = (why, code = -1, tail = "") =>
    remoteError(describeTarget(target), script, code, redact(tail, creds), redact(why, creds));
  if (!target.hostKey || !target.hostKey.trim()) {
    throw fail(
      `no hostKey pinned; refusing to connect unverified (get one with ` +
        `\`ssh-keyscan -t ed25519 -p ${target.port} ${target.host}\` and check it out of band)`,
    );
  }
  let expected: HostKey;
  try {
    expected = parseHostKey(target.hostKey);
  } catch (e) {
    throw fail((e as Error).message);
  }
  if (!creds.privateKey && !creds.password) throw fail("no credentials: need privateKey or password");
  return withSlot(describeTarget(target), async () => {
    const client = await dial(target, creds, expected, fail);
    try {
      return await execScript(client, script, opts, fail);
    } finally {
      client.end();
    }
  });
}

/** Sessions per server at once: sshd's MaxStartups (10 by default) drops handshakes beyond that. */
const MAX_SESSIONS_PER_HOST = 4;

interface Slots {
  active: number;
  waiting: (() => void)[];
}

/**
 * Runs `f` once fewer than MAX_SESSIONS_PER_HOST sessions to `key` are open. The table lives on
 * globalThis: every dynamic resource's provider is deserialized on its own, so a module variable
 * would not be shared between the resources one `pulumi up` refreshes in parallel.
 */
async function withSlot<T>(key: string, f: () => Promise<T>): Promise<T> {
  const g = globalThis as { __vrlabSshSlots?: Map<string, Slots> };
  const table = (g.__vrlabSshSlots ??= new Map());
  let slots = table.get(key);
  if (!slots) table.set(key, (slots = { active: 0, waiting: [] }));
  const s = slots;
  if (s.active < MAX_SESSIONS_PER_HOST) s.active++;
  else await new Promise<void>((r) => s.waiting.push(r)); // the releaser hands its slot over
  try {
    return await f();
  } finally {
    const next = s.waiting.shift();
    if (next) next();
    else s.active--;
  }
}
