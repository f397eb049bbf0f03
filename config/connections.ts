// Checks of how vrlab reaches the machines: pinned host keys, and credentials set as secrets.
import { parseHostKey } from "../remote/ssh";
import { bare, quoted, type Problem } from "./errors";
import schemaJson from "./experiment.schema.json";
import { type Connection, type Experiment } from "./model";

const sshProps = schemaJson.definitions.connection.oneOf[1].properties as { hostKey: { pattern: string } };
const HOST_KEY = new RegExp(sshProps.hostKey.pattern);

function connections(e: Experiment): [string, Connection][] {
  return [
    ["server.connection", e.server.connection],
    ["timer.connection", e.timer.connection],
    ["generator.connection", e.generator.connection],
  ];
}

/**
 * A host key the schema's pattern admits must also be one the SSH client can pin: the same parser
 * (remote/ssh.ts) reads it here, so a truncated paste or a mislabelled key fails validation, not `up`.
 */
export function checkHostKeys(e: Experiment): Problem[] {
  const out: Problem[] = [];
  for (const [path, c] of connections(e)) {
    // A key outside the pattern is the schema's problem, reported once there.
    if (c.kind !== "ssh" || typeof c.hostKey !== "string" || !HOST_KEY.test(c.hostKey)) continue;
    try {
      parseHostKey(c.hostKey);
    } catch (err) {
      // The parser's message ends with the key it quotes; this one quotes it with quoted().
      const why = (err instanceof Error ? err.message : String(err)).replace(/: ".*"$/s, "");
      out.push({ path: `${path}.hostKey`, message: `${quoted(c.hostKey)} cannot be pinned: ${why}` });
    }
  }
  return out;
}

/** Before `up`, every SSH machine needs its host key and a key or password set as a Pulumi secret. */
export function credentialProblems(e: Experiment, secureKeys: Set<string>): Problem[] {
  const out: Problem[] = [];
  for (const [path, c] of connections(e)) {
    if (c.kind !== "ssh") continue;
    if (!c.hostKey)
      out.push({
        path: `${path}.hostKey`,
        message: `fill in ${bare(c.host)}'s host key (ssh-keyscan it on a trusted path): vrlab never connects to an unverified host`,
      });
    const secret = c.privateKeySecret ?? c.passwordSecret;
    if (!secret) {
      out.push({ path, message: `name a privateKeySecret or passwordSecret for ${bare(c.host)}` });
    } else if (!secureKeys.has(secret)) {
      out.push({
        path: `${path}.${c.privateKeySecret ? "privateKeySecret" : "passwordSecret"}`,
        message: `${bare(secret)} is not set as a secret: run scripts/vrlab pulumi config set --secret ${bare(secret)} < key-file`,
      });
    }
  }
  return out;
}
