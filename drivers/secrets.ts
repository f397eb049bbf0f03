// SSH credentials, read when a provider uses them. The engine hands a dynamic provider the stack's
// config (secrets decrypted) in its Configure call; resources keep only the secrets' names. So
// state never holds a copy, and `destroy` or `refresh` run with `--run-program` use a rotated key.
// Plain functions and data: providers are serialized by value (see remote/types.ts).
import { type Credentials } from "../remote/types";
import { type CredentialRefs } from "./types";

/** What a provider's configure request offers: the stack's config by full key. */
export interface ConfigSource {
  get(key: string): string | undefined;
}

/** A place for the config a provider was configured with (one per provider, filled by configure). */
export interface ConfigHolder {
  config?: ConfigSource;
}

/** The values behind `refs`. A name that is not set is an error naming the key and how to set it. */
export function resolveCredentials(refs: CredentialRefs | undefined, holder: ConfigHolder): Credentials {
  const out: Credentials = {};
  for (const field of ["privateKey", "password"] as const) {
    const key = refs?.[field];
    if (!key) continue;
    const value = holder.config?.get(key);
    if (value === undefined || value === "") {
      throw new Error(
        `${key} is not set in the stack's config: scripts/vrlab pulumi config set --secret ${key} --stack STACK < <file>`,
      );
    }
    out[field] = value;
  }
  return out;
}

/** `serverKey` → `vrlab:serverKey`: the full key the provider's config is indexed by. */
export function fullKey(name: string): string {
  return name.includes(":") ? name : `vrlab:${name}`;
}
