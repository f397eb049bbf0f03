// Dynamic resources whose provider is loaded by path. Pulumi's own `dynamic.Resource` serializes the
// provider's closure into every resource's state, twice: ~26 KB of code each, frozen at the version
// the stack was made with. The engine's provider process only needs a module source exporting
// `handler`; ours is one line that loads the provider from the project (the engine starts that
// process in the project's directory). So state holds a path, and `read` and `delete` of an existing
// stack run today's code (drivers/kinds.ts keeps params compatible).
import * as pulumi from "@pulumi/pulumi";

const MODULE = /^[a-zA-Z][a-zA-Z0-9/]*$/;
const EXPORT = /^[a-zA-Z][a-zA-Z0-9]*$/;

/**
 * The `__provider` source for `exportName` of `modulePath` (relative to the project, no extension):
 * drivers/load.js registers ts-node and loads it.
 */
export function providerSource(modulePath: string, exportName: string): string {
  if (!MODULE.test(modulePath) || !EXPORT.test(exportName)) {
    throw new Error(`providerSource: not a module path and export: ${modulePath}#${exportName}`);
  }
  return `exports.handler=()=>require(process.cwd()+"/drivers/load")("${modulePath}","${exportName}")`;
}

/** A dynamic resource (type `pulumi-nodejs:dynamic/<module>:<type>`) served by a provider loaded by path. */
export class ByPathResource extends pulumi.CustomResource {
  constructor(
    provider: { modulePath: string; exportName: string },
    token: { module: string; type: string },
    name: string,
    props: pulumi.Inputs,
    opts?: pulumi.CustomResourceOptions,
  ) {
    const __provider = providerSource(provider.modulePath, provider.exportName);
    super(`pulumi-nodejs:dynamic/${token.module}:${token.type}`, name, { ...props, __provider }, opts);
  }
}
