// Dynamic resources whose provider is loaded by path. Pulumi's own `dynamic.Resource` serializes the
// provider's closure into every resource's state, twice: ~26 KB of code each, frozen at the version
// the stack was made with. The engine's provider process only needs a module source exporting
// `handler`; ours is one line that loads the provider from the project (the engine starts that
// process in the project's directory). So state holds a path, and `read` and `delete` of an existing
// stack run today's code (drivers/kinds.ts keeps params compatible).
import * as pulumi from "@pulumi/pulumi";

/** The providers drivers/load.js knows, by the short key that state holds. */
export type ProviderKey = "scripted" | "suite";

/** The `__provider` source for a provider: drivers/load.js loads it from the project. */
export function providerSource(key: ProviderKey): string {
  return `exports.handler=()=>require(process.cwd()+"/drivers/load")("${key}")`;
}

/** A dynamic resource (type `pulumi-nodejs:dynamic/<module>:<type>`) served by a provider loaded by path. */
export class ByPathResource extends pulumi.CustomResource {
  constructor(
    provider: ProviderKey,
    token: { module: string; type: string },
    name: string,
    props: pulumi.Inputs,
    opts?: pulumi.CustomResourceOptions,
  ) {
    const __provider = providerSource(provider);
    super(`pulumi-nodejs:dynamic/${token.module}:${token.type}`, name, { ...props, __provider }, opts);
  }
}
